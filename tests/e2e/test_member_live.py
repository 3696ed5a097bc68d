"""The member's live page in Chromium: the chair at 1280 x 800 runs the console, a member on a
360 x 740 phone follows from the meeting's page. What concerns the member comes to them: a vote
opened puts the ballot in the first screen within a second and is announced; the floor given
shows a banner with the time left. A ballot takes a confirming tap. "Segui in diretta" leads a
member there. Every state passes axe at 360 and 1280 px and fits 360 px."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from council.domain.meetings import speakers
from council.domain.voting import polls
from council.extensions import db
from council.models.poll import Ballot, Participation
from council.unit_of_work import unit_of_work
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.e2e.test_live_session import stays, still_here, wait_live
from tests.factories import reread
from tests.meeting_helpers import make_council, running_meeting
from tests.poll_helpers import run

SMALL_PHONE = {"width": 360, "height": 640}
QUESTION = "Approvare il custode sociale?"


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=5)


def prepared(council, meeting, *, kind="named", open_=False, **kw) -> int:
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind=kind, rule="simple", question=QUESTION, **kw)  # fmt: skip
    if open_:
        run(polls.open_poll, council.chair, poll.id)
    return poll.id


def ballots(poll_id: int) -> int:
    reread()
    return db.session.scalar(select(func.count(Ballot.id)).where(Ballot.poll_id == poll_id))


def participations(poll_id: int) -> int:
    reread()
    return db.session.scalar(
        select(func.count(Participation.id)).where(Participation.poll_id == poll_id)
    )


def chair_console(new_context, council, meeting) -> Page:
    chair = new_context(DESKTOP).new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    wait_live(chair)
    return chair


def member_phone(new_context, member, meeting, viewport=PHONE) -> Page:
    phone = new_context(viewport, has_touch=True).new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(phone)
    return phone


def in_first_screen(page: Page, locator) -> bool:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def accessible_at_both_widths(page: Page) -> None:
    axe_check(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert horizontal_overflow(page) == 0
    page.set_viewport_size(DESKTOP)
    axe_check(page)
    page.set_viewport_size(PHONE)


def test_a_vote_opened_by_the_chair_comes_to_the_members_phone(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    poll = prepared(council, meeting)
    chair = chair_console(new_context, council, meeting)
    phone = member_phone(new_context, member, meeting)
    stays(phone)
    title = phone.title()
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # reading below
    expect(phone.locator("#now")).not_to_be_in_viewport()

    chair.locator(f'form[data-poll-action="poll.open"][data-poll="{poll}"] button').click()
    opened = time.monotonic()
    yes = phone.locator(f'[data-target="{member.public_id}"]').get_by_role(
        "button", name="Favorevole"
    )
    expect(yes).to_be_visible(timeout=1000)
    phone.wait_for_function(
        "(el) => { const r = el.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        arg=yes.element_handle(),
        timeout=1000,
    )
    assert time.monotonic() - opened < 1.0
    for name in ("Favorevole", "Contrario", "Astenuto"):
        assert in_first_screen(phone, phone.locator("#now").get_by_role("button", name=name))
    expect(phone.locator("#live-alert")).to_have_text(
        f"Votazione aperta: {QUESTION}. La tua scheda è in cima alla pagina."
    )
    assert phone.locator("#live-alert").get_attribute("aria-live") == "assertive"
    expect(phone).to_have_title(f"● Votazione aperta — {title}")
    accessible_at_both_widths(phone)

    # the first tap only asks; nothing reaches the server
    yes.tap()
    confirm = phone.locator(".ballot-confirm")
    expect(confirm).to_contain_text("Confermi: Favorevole?")
    expect(confirm.get_by_role("button", name="Conferma")).to_be_focused()
    assert in_first_screen(phone, confirm.get_by_role("button", name="Conferma"))
    phone.wait_for_timeout(700)
    assert ballots(poll) == 0
    confirm.get_by_role("button", name="Annulla").tap()
    expect(confirm).to_have_count(0)
    expect(yes).to_be_focused()
    assert ballots(poll) == 0

    # choose, then confirm: recorded, and the page says what was recorded
    phone.locator("#now").get_by_role("button", name="Contrario").tap()
    phone.locator(".ballot-confirm textarea").fill("Servono più fondi.")
    phone.get_by_role("button", name="Conferma").tap()
    done = phone.locator(f'[data-target="{member.public_id}"] .vote-done')
    expect(done).to_have_text("Il tuo voto è stato registrato: contrario.")
    expect(phone.locator("#now")).to_contain_text("Non si può più cambiare.")
    assert ballots(poll) == 1
    reread()
    assert db.session.scalar(select(Ballot.reason).where(Ballot.poll_id == poll)) == (
        "Servono più fondi."
    )
    expect(phone).to_have_title(title)  # nothing left to do: the title is back
    assert still_here(phone)


def test_the_ballot_is_in_the_first_screen_of_a_small_phone(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    with unit_of_work() as session:
        speakers.request(session, council.members[1], meeting.id, kind="intervention",
                         client_id="b")  # fmt: skip
        speakers.request(session, member, meeting.id, kind="intervention", client_id="a")
    prepared(council, meeting, open_=True)
    phone = member_phone(new_context, member, meeting, SMALL_PHONE)
    now = phone.locator("#now")
    for part in (
        now.locator('[data-live="current-item"]'),
        now.get_by_role("button", name="Favorevole"),
        now.get_by_role("button", name="Astenuto"),
        now.locator(".now-presence"),
        now.get_by_text("Sei il 2° iscritto a parlare."),
        now.get_by_role("button", name="Ritira"),
    ):
        expect(part).to_be_visible()
        assert in_first_screen(phone, part), part
    assert horizontal_overflow(phone) == 0
    now.get_by_role("button", name="Ritira").tap()  # the request withdrawn from the top
    expect(now.locator('[data-now="place"]')).to_be_hidden()
    expect(phone.locator('.live-panel [data-live="queue"]')).not_to_contain_text(member.name)


def test_the_floor_given_shows_the_banner_and_the_time_left(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    chair = chair_console(new_context, council, meeting)
    phone = member_phone(new_context, member, meeting)
    title = phone.title()
    now = phone.locator("#now")
    banner = now.locator('[data-now="floor"]')
    expect(banner).to_be_hidden()

    now.locator("#speak-kind").select_option("reply")
    now.get_by_role("button", name="Chiedi la parola").tap()
    expect(now).to_contain_text("Sei il 1° iscritto a parlare.")
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")

    chair.get_by_role("button", name=f"Dai la parola a {member.name}").click()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Hai la parola")
    timer = banner.locator('[data-live="timer"]')
    expect(timer).to_have_text(re.compile(r"\d+:\d\d"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=3000)  # it runs
    assert in_first_screen(phone, banner)
    expect(phone.locator("#live-alert")).to_have_text("Hai la parola.")
    expect(phone).to_have_title(f"● Hai la parola — {title}")
    expect(now.locator('[data-now="place"]')).to_be_hidden()
    accessible_at_both_widths(phone)

    chair.get_by_role("button", name="Termina l'intervento").click()
    expect(banner).to_be_hidden()
    expect(phone).to_have_title(title)


def test_a_secret_choice_is_said_back_only_on_this_page(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    poll = prepared(council, meeting, kind="secret", open_=True)
    phone = member_phone(new_context, member, meeting)
    phone.locator("#now").get_by_role("button", name="Astenuto").tap()
    expect(phone.locator(".ballot-confirm textarea")).to_have_count(0)  # no statement
    phone.get_by_role("button", name="Conferma").tap()
    done = phone.locator(".vote-done")
    expect(done).to_contain_text("Il tuo voto segreto è stato registrato.")
    expect(done).to_contain_text("Hai scelto: astenuto. Lo vedi solo su questa pagina")
    assert participations(poll) == 1
    phone.reload()
    wait_live(phone)
    expect(done).to_have_text("Il tuo voto segreto è stato registrato.")
    assert "astenuto" not in phone.locator("main").inner_text().lower().replace("astenuti", "")


def test_a_changeable_vote_shows_the_choice_that_stands(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    poll = prepared(council, meeting, open_=True, allow_change=True)
    phone = member_phone(new_context, member, meeting)
    now = phone.locator("#now")
    now.get_by_role("button", name="Favorevole").tap()
    now.get_by_role("button", name="Conferma").tap()
    expect(now.locator(".vote-done")).to_have_text("Il tuo voto è stato registrato: favorevole.")
    expect(now).to_contain_text("Puoi cambiarlo finché la votazione è aperta.")
    expect(now.get_by_role("button", name="Favorevole")).to_have_attribute("aria-pressed", "true")
    expect(now.get_by_role("button", name="Contrario")).to_have_attribute("aria-pressed", "false")
    now.get_by_role("button", name="Contrario").tap()
    now.get_by_role("button", name="Conferma").tap()
    expect(now.locator(".vote-done")).to_have_text("Il tuo voto è stato registrato: contrario.")
    expect(now.get_by_role("button", name="Contrario")).to_have_attribute("aria-pressed", "true")
    reread()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.poll_id == poll)) == "against"
    phone.reload()  # the page as the server draws it says the same
    expect(now.get_by_role("button", name="Contrario")).to_have_attribute("aria-pressed", "true")


def test_segui_in_diretta_takes_a_member_to_the_ballot(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    prepared(council, meeting, open_=True)
    phone = new_context(PHONE, has_touch=True).new_page()
    log_in(phone, member.email)
    phone.goto("/")  # the home page puts the open vote first: one tap to the ballot
    phone.locator("[data-home=vote]").get_by_role("link", name="Vota ora").tap()
    expect(phone).to_have_url(re.compile(rf"/meetings/{meeting.id}#now$"))
    wait_live(phone)
    assert in_first_screen(phone, phone.locator("#now").get_by_role("button", name="Favorevole"))
    phone.goto("/meetings")
    phone.get_by_role("link", name="Segui in diretta").first.tap()
    expect(phone).to_have_url(re.compile(rf"/meetings/{meeting.id}#now$"))
    # the projector stays one link away, and the public still gets it
    phone.get_by_role("link", name="Vista per il proiettore").tap()
    expect(phone.locator("[data-mode=projector]")).to_have_count(1)
    public = new_context(PHONE).new_page()
    public.goto(f"/meetings/{meeting.id}/live")
    expect(public.locator("[data-mode=projector]")).to_have_count(1)
    expect(public.locator(".ballot-choice")).to_have_count(0)


def test_without_javascript_the_second_tap_is_a_confirmation_page(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    poll = prepared(council, meeting, open_=True)
    phone = new_context(PHONE, java_script_enabled=False).new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}/live")
    assert in_first_screen(phone, phone.locator("#now").get_by_role("button", name="Favorevole"))
    phone.locator("#now").get_by_role("button", name="Favorevole").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Conferma il tuo voto")
    expect(phone.locator("main")).to_contain_text("Confermi: Favorevole?")
    assert ballots(poll) == 0
    assert horizontal_overflow(phone) == 0
    phone.get_by_role("link", name="Annulla").click()  # back, nothing stored
    assert ballots(poll) == 0
    phone.locator("#now").get_by_role("button", name="Contrario").click()
    phone.get_by_label("Dichiarazione di voto").fill("Non ora.")
    phone.get_by_role("button", name="Conferma").click()
    expect(phone.locator("#now .vote-done")).to_have_text(
        "Il tuo voto è stato registrato: contrario."
    )
    assert ballots(poll) == 1


def test_the_confirmation_page_is_accessible(new_context, council):
    member = council.members[0]
    meeting = running_meeting(council)
    prepared(council, meeting, open_=True)
    phone = new_context(PHONE).new_page()
    phone.route("**/static/js/live*.js", lambda route: route.abort())  # the plain forms
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    with phone.expect_navigation():
        phone.locator("#now").get_by_role("button", name="Astenuto").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Conferma il tuo voto")
    accessible_at_both_widths(phone)
