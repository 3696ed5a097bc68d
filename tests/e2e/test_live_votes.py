"""Live votes in Chromium: a member votes from a phone with a tap and a confirming tap (and for
the member whose proxy they hold), the projector sees the tally move and the result, the chair
prepares, opens and closes from the console, and a secret poll's screens never show a choice
by person. Every state of each page passes axe and fits 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from council.domain.meetings import attendance
from council.domain.voting import polls, proxies
from council.extensions import db
from council.models.poll import Ballot, Participation, Poll
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.e2e.test_live_session import stays, still_here, wait_live
from tests.factories import reread
from tests.meeting_helpers import make_council, running_meeting
from tests.poll_helpers import run


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=5)


def poll_on(council, meeting, *, kind="named", open_=True, **kw) -> int:
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind=kind, rule=kw.pop("rule", "simple"),
               question=kw.pop("question", "Approvare il custode sociale?"), **kw)  # fmt: skip
    if open_:
        run(polls.open_poll, council.chair, poll.id)
    return poll.id


def count(table, poll_id: int) -> int:
    reread()
    return db.session.scalar(select(func.count(table.id)).where(table.poll_id == poll_id))


def phone_of(new_context, person, meeting) -> Page:
    page = new_context(PHONE, has_touch=True).new_page()
    log_in(page, person.email)
    page.goto(f"/meetings/{meeting.id}")
    wait_live(page)
    return page


def accessible(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0


def confirm(page: Page) -> None:
    """The second tap: the choice made is confirmed."""
    page.locator(".ballot-confirm").get_by_role("button", name="Conferma").tap()


def test_a_member_votes_with_a_confirmed_tap_and_for_the_proxy_held(new_context, council):
    a, b, *_rest, f = council.members
    meeting = running_meeting(council)
    run(proxies.grant, f, meeting.id, a.public_id)
    run(attendance.check_out, f, meeting.id)
    poll = poll_on(council, meeting)
    phone = phone_of(new_context, a, meeting)
    stays(phone)
    expect(phone.locator("#now")).to_contain_text("Votazione palese")
    expect(phone.locator(".vote-panel")).to_contain_text("Che cosa si conserva")
    mine = phone.locator(f'[data-target="{a.public_id}"]')
    yes = mine.get_by_role("button", name="Favorevole")
    expect(yes).to_be_visible()
    box = yes.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 48
    accessible(phone)

    yes.tap()
    assert count(Ballot, poll) == 0  # the first tap only chooses
    confirm(phone)
    done = mine.locator(".vote-done")
    expect(done).to_have_text("Il tuo voto è stato registrato: favorevole.")
    expect(done).to_be_focused()
    assert count(Ballot, poll) == 1

    proxy = phone.locator(f'[data-target="{f.public_id}"]')
    expect(proxy).to_contain_text(f"Voto per delega di {f.name}")
    proxy.get_by_role("button", name="Contrario").tap()
    proxy.locator("textarea").fill("Come concordato con la cooperativa.")
    confirm(phone)
    expect(proxy.locator(".vote-done")).to_have_text(
        f"Il voto per delega di {f.name} è stato registrato: contrario."
    )
    assert count(Ballot, poll) == 2 and still_here(phone)
    table = phone.locator(".vote-table")
    expect(table).to_contain_text(f.name)
    expect(table).to_contain_text("Come concordato con la cooperativa.")
    accessible(phone)

    # after a reload the page remembers, from the server, what was already cast
    phone.reload()
    wait_live(phone)
    expect(mine.locator(".vote-done")).to_have_text("Il tuo voto è stato registrato: favorevole.")
    expect(phone.locator(".ballot-form")).to_have_count(0)

    # another member declares a conflict of interest instead of voting
    other = phone_of(new_context, b, meeting)
    other.get_by_role("button", name="Dichiaro un conflitto di interessi").tap()
    expect(other.locator('[data-live="my-vote"]')).to_contain_text(
        "Hai dichiarato un conflitto di interessi"
    )
    expect(phone.locator(".vote-conflicts")).to_contain_text(b.name)


def test_a_changed_vote_when_the_chair_allows_it(new_context, council):
    a = council.members[0]
    meeting = running_meeting(council)
    poll = poll_on(council, meeting, allow_change=True)
    phone = phone_of(new_context, a, meeting)
    phone.get_by_role("button", name="Contrario").tap()
    confirm(phone)
    expect(phone.locator(".vote-done")).to_contain_text("contrario")
    expect(phone.locator("legend", has_text="Cambia il tuo voto")).to_be_visible()
    phone.get_by_role("button", name="Favorevole").tap()
    confirm(phone)
    expect(phone.locator(".vote-done")).to_contain_text("favorevole")
    reread()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.poll_id == poll)) == "in_favour"


def test_the_projector_sees_the_tally_move_and_the_result(new_context, council):
    meeting = running_meeting(council)
    poll = poll_on(council, meeting)
    projector = new_context(DESKTOP).new_page()
    projector.goto(f"/meetings/{meeting.id}/live")
    wait_live(projector)
    stays(projector)
    numbers = projector.locator(".vote-numbers")
    expect(numbers.locator(".vote-in_favour dd")).to_have_text("0")
    accessible(projector)
    for person, choice in zip(council.members, ("in_favour", "in_favour", "against"), strict=False):
        run(polls.cast_ballot, person, poll, choice, f"p-{person.id}")
    expect(numbers.locator(".vote-in_favour dd")).to_have_text("2")
    expect(numbers.locator(".vote-against dd")).to_have_text("1")
    expect(projector.locator(".vote-progress")).to_have_text("Hanno votato 3 di 7")
    expect(projector.locator(".vote-table")).to_contain_text(council.members[2].name)

    run(polls.close_poll, council.chair, poll)
    outcome = projector.locator(".vote-outcome")
    expect(outcome).to_contain_text("approvata")
    expect(outcome).to_contain_text("Regola applicata: maggioranza semplice")
    expect(projector.locator(".vote-counts")).to_contain_text("Voti favorevoli necessari")
    expect(projector.locator("#live-announcer")).to_contain_text("approvata")
    assert still_here(projector)
    accessible(projector)


def test_the_chair_prepares_opens_and_closes_from_the_console(new_context, council):
    meeting = running_meeting(council)
    chair = new_context(DESKTOP).new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    wait_live(chair)
    stays(chair)
    accessible(chair)
    chair.get_by_text("Prepara una votazione", exact=True).click()  # one step away
    expect(chair.locator("#poll-item")).to_have_value(str(meeting.items[0].id))
    chair.locator("label[for=poll-kind-secret]").click()
    chair.locator("#poll-rule").select_option("absolute_present")
    chair.locator("#poll-question").fill("Nominare la rappresentante ai tavoli di zona?")
    chair.get_by_role("button", name="Prepara la votazione").click()
    entry = chair.locator('[data-live="poll-list"] > li').first
    expect(entry).to_contain_text("Nominare la rappresentante")
    expect(chair.locator('[data-live="poll"]')).to_contain_text("Votazione segreta")
    expect(chair.locator("#poll-question")).to_have_value("")
    accessible(chair)

    entry.get_by_role("button", name="Apri la votazione").click()
    expect(entry).to_contain_text("votazione aperta")
    reread()
    poll = db.session.scalar(select(Poll.id).order_by(Poll.id.desc()))
    for person in council.members[:4]:
        run(polls.cast_ballot, person, poll, "in_favour", f"c-{person.id}")
    expect(chair.locator(".vote-progress")).to_have_text("Hanno votato 4 di 7")
    accessible(chair)
    entry.get_by_role("button", name="Chiudi la votazione").click()
    expect(chair.locator(".vote-outcome")).to_contain_text("approvata")
    expect(entry.get_by_role("button", name="Registra la deliberazione")).to_be_visible()
    entry.get_by_role("button", name="Registra la deliberazione").click()
    done = chair.locator('[data-live="poll-list"][data-polls="done"] > li').first
    expect(done).to_contain_text("Deliberazione n.")  # done: among the polls concluded
    assert still_here(chair)
    accessible(chair)


def test_a_secret_poll_never_shows_a_choice_by_person(new_context, council):
    a, b = council.members[:2]
    meeting = running_meeting(council)
    poll = poll_on(council, meeting, kind="secret")
    phone = phone_of(new_context, a, meeting)
    projector = new_context(PHONE).new_page()
    projector.goto(f"/meetings/{meeting.id}/live")
    wait_live(projector)
    expect(phone.locator("#now")).to_contain_text("Votazione segreta")
    expect(phone.locator(".vote-panel")).to_contain_text("non per la piattaforma")
    phone.get_by_role("button", name="Contrario").tap()
    expect(phone.locator(".ballot-form textarea")).to_have_count(0)  # no statement
    confirm(phone)
    # said back to the voter on this page only (not by the server: see the reload below)
    echo = "Hai scelto: contrario. Lo vedi solo su questa pagina"
    expect(phone.locator(".vote-done")).to_contain_text("Il tuo voto segreto è stato registrato.")
    expect(phone.locator(".vote-done")).to_contain_text(echo)
    run(polls.cast_ballot, b, poll, "in_favour", "b-secret")
    for screen in (phone, projector):
        expect(screen.locator(".vote-progress")).to_have_text("Hanno votato 2 di 7")
        expect(screen.locator(".vote-numbers")).to_have_count(0)
        expect(screen.locator(".vote-table")).to_have_count(0)
        panel = screen.locator(".vote-panel").inner_text().lower()
        assert "contrario" not in panel and "favorevole" not in panel
        now = screen.locator("#now")
        mine = now.inner_text().lower().replace(echo.lower(), "") if now.count() else ""
        assert "contrario" not in mine and "favorevole" not in mine
        accessible(screen)
    phone.reload()  # the server never says the choice back
    wait_live(phone)
    expect(phone.locator(".vote-done")).to_have_text("Il tuo voto segreto è stato registrato.")
    assert "contrario" not in phone.locator("#now").inner_text().lower()
    run(polls.close_poll, council.chair, poll)
    for screen in (phone, projector):
        expect(screen.locator(".vote-numbers .vote-against dd")).to_have_text("1")
        expect(screen.locator(".vote-table")).to_have_count(0)
        expect(screen.locator(".vote-people-box summary")).to_have_text("Chi ha partecipato (2)")
        accessible(screen)
    assert count(Participation, poll) == 2
    phone.locator(".vote-panel").get_by_role(
        "link", name="Come funziona il voto segreto"
    ).click()  # the link drawn again by live_polls.js from the close's snapshot
    expect(phone.get_by_role("heading", level=1)).to_have_text("Come funziona il voto segreto")
    accessible(phone)


def test_a_poll_without_quorum_does_not_open_and_the_chair_reads_why(new_context, council):
    meeting = running_meeting(council, present=council.all_members[:2])
    poll = poll_on(council, meeting, open_=False)
    chair = new_context(DESKTOP).new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    wait_live(chair)
    opener = chair.get_by_role("button", name="Apri la votazione")
    expect(opener).to_be_disabled()  # the reason beside it, before anyone tries
    reason = chair.locator(f"#poll-reason-{poll}")
    expect(reason).to_have_text("Manca il numero legale: la votazione non può essere aperta.")
    expect(opener).to_have_attribute("aria-describedby", f"poll-reason-{poll}")
    accessible(chair)
    for person in council.all_members[2:4]:  # the quorum arrives: the button can work
        run(attendance.check_in, person, meeting.id)
    expect(opener).to_be_enabled()
    expect(reason).to_have_count(0)
    opener.click()
    expect(chair.get_by_role("button", name="Chiudi la votazione")).to_be_visible()
    reread()
    assert db.session.get(Poll, poll).state == "open"
    accessible(chair)
