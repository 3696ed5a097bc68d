"""The chair's console in Chromium at 1280 x 800: in every phase the controls that matter now
are in the first screen; a refusal appears next to the button that caused it, in Italian, and
is announced; a control that cannot work yet is disabled with the reason; the amendment's
poll is offered before its item's; a key gives the floor. Every phase passes axe at 1280 and
360 px, without horizontal scrolling on the phone."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from council.domain.meetings import attendance, live_session, speakers
from council.domain.voting import polls
from council.extensions import db
from council.models.meeting import Meeting
from council.models.poll import Poll
from council.unit_of_work import unit_of_work
from council.web.meeting_forms import rome
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.e2e.test_live_session import stays, still_here, wait_live
from tests.factories import reread
from tests.meeting_helpers import convened_meeting, make_council, running_meeting
from tests.poll_helpers import amendment_before_item, run


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=5)


def console(new_context, person, meeting, viewport=DESKTOP) -> Page:
    page = new_context(viewport).new_page()
    log_in(page, person.email)
    page.goto(f"/meetings/{meeting.id}/console")
    wait_live(page)
    return page


def in_first_screen(control: Locator, viewport=DESKTOP) -> None:
    """Visible without scrolling: its whole box inside the viewport."""
    expect(control).to_be_visible()
    box = control.bounding_box()
    assert box is not None, control
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (control, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (control, box)


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def on_poll(page: Page, verb: str, question: str) -> Locator:
    """A poll's button, named by its verb and the poll's question (read as one name)."""
    return page.get_by_role("button", name=re.compile(rf"^{verb}\s*: {re.escape(question)}"))


def accessible_everywhere(desktop: Page, phone: Page) -> None:
    """axe at 1280 (the console as it is) and at 360 px (reloaded: the phase as served), and
    nothing wider than the phone. The same two logins for every phase (logins are throttled)."""
    axe_check(desktop)
    phone.reload()
    wait_live(phone)
    axe_check(phone)
    assert horizontal_overflow(phone) == 0


def ask(member, meeting, client_id: str):
    with unit_of_work() as session:
        return speakers.request(session, member, meeting.id, kind="intervention",
                                client_id=client_id)  # fmt: skip


def test_each_phase_has_its_controls_in_the_first_screen(new_context, council):
    chair = council.chair
    a, b, c = council.members[:3]
    meeting = convened_meeting(council)

    # before the opening
    page = console(new_context, chair, meeting)
    phone = console(new_context, chair, meeting, PHONE)
    stays(page)
    in_first_screen(button(page, "Apri la seduta"))
    in_first_screen(page.locator('.console-bar [data-live="quorum"]'))
    accessible_everywhere(page, phone)

    # in progress, someone speaking and two waiting
    button(page, "Apri la seduta").click()
    in_first_screen(button(page, "Sospendi"))
    in_first_screen(button(page, "Chiudi la seduta"))
    in_first_screen(page.get_by_role("button", name="Punto successivo"))
    page.get_by_role("button", name="Punto successivo").click()
    expect(page.locator('[data-live="current-item"]').first).to_contain_text("Punto numero 1")
    in_first_screen(page.get_by_role("button", name="Punto successivo"))  # now to item 2
    for person in council.all_members:
        run(attendance.check_in, person, meeting.id)
    expect(page.locator('.console-bar [data-live="quorum"]')).to_contain_text("Presenti 7 su 7")
    for n, person in enumerate((a, b, c)):
        ask(person, meeting, f"q{n}")
    queue = page.locator('[data-live="queue"] > li')
    expect(queue).to_have_count(3)
    button(page, f"Dai la parola a {a.name}").click()
    expect(page.locator('[data-live="speaker"]')).to_contain_text(a.name)
    in_first_screen(button(page, "Termina l'intervento"))
    in_first_screen(page.locator('[data-live="timer"]'))
    in_first_screen(button(page, f"Dai la parola a {b.name}"))
    accessible_everywhere(page, phone)

    # a vote open: its count, the quorum, and the button that closes it
    poll = run(polls.prepare_poll, chair, meeting.id, item_id=meeting.items[0].id,
               kind="named", rule="simple", question="Approvare il punto di ascolto?")  # fmt: skip
    opener = on_poll(page, "Apri la votazione", "Approvare il punto di ascolto?")
    in_first_screen(opener)
    opener.click()
    closer = on_poll(page, "Chiudi la votazione", "Approvare il punto di ascolto?")
    expect(closer).to_be_visible()
    run(polls.cast_ballot, b, poll.id, "in_favour", "console-b")
    expect(page.locator(".vote-progress")).to_have_text("Hanno votato 1 di 7")
    in_first_screen(page.locator(".vote-progress"))
    in_first_screen(page.locator('.vote-console [data-live="quorum"]'))
    in_first_screen(closer)
    accessible_everywhere(page, phone)
    closer.click()
    expect(page.locator(".vote-outcome")).to_contain_text("approvata")
    in_first_screen(on_poll(page, "Registra la deliberazione", "Approvare il punto di ascolto?"))

    # suspended, then closed
    button(page, "Sospendi").click()
    in_first_screen(button(page, "Riprendi"))
    in_first_screen(button(page, "Chiudi la seduta"))
    accessible_everywhere(page, phone)
    button(page, "Chiudi la seduta").click()
    in_first_screen(page.get_by_text("La seduta è chiusa."))
    expect(button(page, "Riprendi")).to_be_hidden()
    # the close ends every attendance: no "Presenti 0 … non raggiunto" under a closed session
    expect(page.locator('[data-live="quorum"]:visible')).to_have_count(0)
    accessible_everywhere(page, phone)
    assert still_here(page)


def test_the_session_cannot_be_opened_before_the_hour_and_says_from_when(new_context, council):
    meeting = convened_meeting(council, starts_in=timedelta(hours=3))
    reread()
    opens = db.session.get(Meeting, meeting.id).starts_at - timedelta(hours=1)
    page = console(new_context, council.chair, meeting)
    opener = button(page, "Apri la seduta")
    expect(opener).to_be_disabled()
    in_first_screen(opener)
    reason = page.locator("#reason-open")
    # "dalle 16:30" when its hour is today in Rome, else with the day ("dal 8 dicembre alle 00:08")
    at = rome(opens.replace(tzinfo=UTC)).strftime("%H:%M")
    expect(reason).to_have_text(re.compile(rf"Disponibile dal(le| \d{{1,2}} \w+ alle) {at}"))
    opens_at = page.locator("[data-opens-at]").get_attribute("data-opens-at")
    assert opens_at.startswith(opens.strftime("%Y-%m-%dT%H:%M:%S"))  # the snapshot's opens_at
    expect(opener).to_have_attribute("aria-describedby", "reason-open")
    accessible_everywhere(page, console(new_context, council.chair, meeting, PHONE))


def test_the_session_can_be_opened_as_soon_as_its_hour_comes(new_context, council):
    meeting = convened_meeting(council, starts_in=timedelta(hours=1, seconds=10))
    page = console(new_context, council.chair, meeting)
    opener = button(page, "Apri la seduta")
    expect(opener).to_be_disabled()
    expect(page.locator("#reason-open")).to_be_visible()
    expect(opener).to_be_enabled(timeout=15_000)  # without reloading
    expect(page.locator("#reason-open")).to_be_hidden()
    opener.click()
    expect(button(page, "Sospendi")).to_be_visible()


def test_a_refusal_appears_next_to_its_button_and_is_announced(new_context, council):
    meeting = running_meeting(council)
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[1].id,
               kind="named", rule="simple", question="Approvare il secondo punto?")  # fmt: skip
    page = console(new_context, council.chair, meeting)
    opener = on_poll(page, "Apri la votazione", "Approvare il secondo punto?")
    expect(opener).to_be_disabled()  # not the item under discussion: disabled, and why
    reason = "Passa a questo punto dell'ordine del giorno prima di aprirne la votazione."
    expect(page.locator(f"#poll-reason-{poll.id}")).to_have_text(reason)

    # a page that has not caught up yet (the button enabled): the refusal comes next to it
    opener.evaluate("(node) => { node.disabled = false; }")
    opener.click()
    refusal = page.locator('[data-live="control-error"]')
    expect(refusal).to_have_text(reason)
    expect(refusal).to_have_attribute("role", "alert")
    expect(page.locator('.console > [data-live="error"]')).to_be_hidden()
    near, mark = opener.bounding_box(), refusal.bounding_box()
    assert near is not None and mark is not None
    assert 0 <= mark["y"] - near["y"] <= 120, (near, mark)
    in_first_screen(refusal)
    reread()
    assert db.session.get(Poll, poll.id).state == "prepared"
    axe_check(page)


def test_the_amendment_is_offered_before_its_item(new_context, council):
    meeting, on_item, on_amendment = amendment_before_item(council)
    page = console(new_context, council.chair, meeting)
    entries = page.locator('[data-polls="pending"] > li, [data-polls="waiting"] > li')
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Emendamento n. 1")
    first = entries.first.get_by_role("button", name="Apri la votazione")
    expect(first).to_be_enabled()
    in_first_screen(first)
    second = entries.nth(1).get_by_role("button", name="Apri la votazione")
    expect(second).to_be_disabled()
    expect(entries.nth(1)).to_contain_text(
        "Gli emendamenti di questo punto si votano prima del punto stesso."
    )
    axe_check(page)

    first.click()
    expect(entries.first.get_by_role("button", name="Chiudi la votazione")).to_be_visible()
    expect(entries.nth(1)).to_contain_text("È aperta un'altra votazione: chiuderla prima.")
    reread()
    assert db.session.get(Poll, on_amendment).state == "open"
    assert db.session.get(Poll, on_item).state == "prepared"


def test_a_key_gives_the_floor_and_typing_does_not(new_context, council):
    meeting = running_meeting(council)
    a = council.members[0]
    ask(a, meeting, "key-a")
    page = console(new_context, council.chair, meeting)
    expect(page.locator('[data-live="queue"]')).to_contain_text(a.name)
    expect(page.locator("#console-shortcuts")).to_contain_text("Scorciatoie da tastiera")

    page.locator("#console-prepare > summary").click()
    page.locator("#poll-question").type("Nomina")  # an N typed in a field gives no floor
    expect(page.locator("#poll-question")).to_have_value("Nomina")
    expect(page.locator('[data-live="speaker"]')).to_have_text("Nessuno ha la parola.")

    page.locator("#console-item-title").click()
    page.keyboard.press("n")
    expect(page.locator('[data-live="speaker"]')).to_contain_text(a.name)
    page.keyboard.press("e")
    expect(page.locator('[data-live="speaker"]')).to_have_text("Nessuno ha la parola.")


def test_the_secretary_sees_the_attendance_first(new_context, council):
    meeting = running_meeting(council, present=[council.chair])
    page = console(new_context, council.secretary, meeting)
    heading = page.locator(".console-main h2").first
    expect(heading).to_have_text("Presenze")
    mark = page.locator(
        f'li[data-member="{council.members[0].public_id}"] [data-live="roll-in"] button'
    )
    in_first_screen(mark)
    mark.click()
    expect(page.locator('.console-bar [data-live="quorum"]')).to_contain_text("Presenti 2 su 7")
    expect(button(page, "Sospendi")).to_have_count(0)
    with unit_of_work() as session:
        live_session.suspend(session, council.chair, meeting.id)
    expect(page.locator('[data-live="state"]').first).to_contain_text("sospesa")
    accessible_everywhere(page, console(new_context, council.secretary, meeting, PHONE))
