"""Every phase of a live session, as the member's phone and the public projector show it: before,
in progress, a vote prepared, open and closed (rejected), suspended, closed with its summary.
The pages are loaded once and kept live; each phase's words are asserted, axe runs on the
projector at 360 and 1280 px, and nothing overflows at 360. Then actions made without a
connection: delivered once after reconnecting, or shown as not sent with a retry that works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from council.domain.meetings import attendance, live_session
from council.domain.voting import polls
from council.extensions import db
from council.models.meeting import SpeakerRequest
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.e2e.test_live_session import stays, still_here, wait_live
from tests.factories import fresh, reread
from tests.meeting_helpers import convened_meeting, make_council, run

NO_QUORUM = "numero legale non raggiunto"
ASKED = "La tua richiesta di parola"


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def visible_text(page: Page) -> str:
    """What a reader sees (hidden parts excluded)."""
    return page.locator("main").inner_text()


def projector_checks(projectors: list[Page]) -> None:
    for projector in projectors:
        axe_check(projector)
    assert horizontal_overflow(projectors[0]) == 0  # the one at 360 px


def says(pages: list[Page], text: str) -> None:
    for page in pages:
        expect(page.locator('[data-live="phase-note"]')).to_have_text(text)


def test_every_phase_is_coherent_on_the_members_page_and_the_projector(new_context, council):
    meeting = convened_meeting(council)
    member, leaving = council.members[0], council.members[1]
    phone = new_context(PHONE).new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    small, wide = new_context(PHONE).new_page(), new_context(DESKTOP).new_page()
    projectors = [small, wide]
    for page in (phone, *projectors):
        if page is not phone:
            page.goto(f"/meetings/{meeting.id}/live")
        wait_live(page)
        stays(page)
    pages = [phone, *projectors]

    # before: convened, not started
    says(pages, "La seduta non è ancora iniziata: la apre il presidente. I consiglieri possono "
                "registrare la presenza da un'ora prima dell'inizio.")  # fmt: skip
    expect(phone.locator("section.session-summary")).to_be_hidden()
    projector_checks(projectors)

    # in progress, an item under discussion, members present
    run(live_session.open_session, council.chair, meeting.id)
    run(live_session.move_to, council.chair, meeting.id, meeting.items[0].id)
    for person in council.all_members:
        run(attendance.check_in, person, meeting.id)
    says(pages, "La seduta è in corso.")
    expect(wide.locator('[data-live="quorum"]')).to_contain_text("Presenti 6 su 6")
    projector_checks(projectors)

    # a vote prepared: the meeting page lists it as not yet open (true now)
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="named", rule="simple", question="Approvare il custode sociale?")  # fmt: skip
    votes = phone.locator('section[aria-labelledby="votes-title"]')
    expect(votes).to_be_visible()
    expect(votes.locator(f'li[data-poll="{poll.id}"]')).to_contain_text("non ancora aperta")
    projector_checks(projectors)

    # the vote open
    run(polls.open_poll, council.chair, poll.id)
    says(pages, "La seduta è in corso: è aperta una votazione.")
    expect(votes.locator(f'li[data-poll="{poll.id}"]')).to_contain_text("votazione aperta")
    projector_checks(projectors)

    # the vote closed, rejected: never a stale "non ancora aperta" nor "votazione aperta"
    for person, choice in zip(council.all_members, ("against", "against", "against", "in_favour"),
                              strict=False):  # fmt: skip
        run(polls.cast_ballot, person, poll.id, choice, f"b-{person.id}")
    run(polls.close_poll, council.chair, poll.id)
    entry = votes.locator(f'li[data-poll="{poll.id}"]')
    expect(entry).to_contain_text("respinta")
    expect(entry).to_contain_text("1 favorevole · 3 contrari · 0 astenuti")
    expect(entry).not_to_contain_text("non ancora aperta")
    expect(entry).not_to_contain_text("votazione aperta")
    says(pages, "La seduta è in corso.")
    for projector in projectors:
        expect(projector.locator(".vote-outcome")).to_contain_text("respinta")
    decision = run(polls.record_decision, council.chair, poll.id)
    expect(entry).to_contain_text(f"Deliberazione n. {decision.number}")
    projector_checks(projectors)

    # suspended: what it means
    run(live_session.suspend, council.chair, meeting.id)
    says(pages, "La seduta è sospesa: nessuno ha la parola e non si possono aprire votazioni "
                "finché il presidente non la riprende. Si può comunque registrare la presenza "
                "e chiedere la parola.")  # fmt: skip
    projector_checks(projectors)
    axe_check(phone)

    # closed: who was there at the end and what was decided, no quorum warning
    run(live_session.resume, council.chair, meeting.id)
    run(attendance.check_out, leaving, meeting.id)
    run(live_session.close, council.chair, meeting.id)
    says(pages, "La seduta è chiusa. Qui sotto: chi era presente alla chiusura e che cosa è "
                "stato deciso.")  # fmt: skip
    for page in pages:
        summary = page.locator("section.session-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("Presenti alla chiusura: 5 su 6 consiglieri.")
        expect(summary.locator('[data-live="at-close"]')).to_contain_text(member.name)
        expect(summary.locator('[data-live="at-close"]')).not_to_contain_text(leaving.name)
        outcome = summary.locator(f'li[data-poll="{poll.id}"]')
        expect(outcome).to_contain_text("Approvare il custode sociale?")
        expect(outcome).to_contain_text("respinta")
        link = outcome.get_by_role("link", name=f"Deliberazione n. {decision.number}")
        expect(link).to_have_attribute("href", f"/decisions/{decision.number}")
        expect(summary).to_contain_text(
            "Il verbale sarà pubblicato qui dopo l'approvazione del consiglio."
        )
        assert NO_QUORUM not in visible_text(page)
        assert "Presenti 0 su 6" not in visible_text(page)
        assert still_here(page)
    for projector in projectors:
        expect(projector.locator(".projector-grid")).to_be_hidden()
    projector_checks(projectors)
    axe_check(phone)
    assert horizontal_overflow(phone) == 0

    # the same words without the live script: the server draws what live_phases.js drew
    drawn = {id(page): page.locator("section.session-summary").inner_text() for page in pages}
    for page in pages:
        page.reload()
        wait_live(page) if page is not phone else page.wait_for_load_state("load")
        assert page.locator("section.session-summary").inner_text() == drawn[id(page)]
        assert NO_QUORUM not in visible_text(page)
    projector_checks(projectors)


def test_the_secretary_reads_the_minutes_link_in_the_summary(new_context, council):
    meeting = convened_meeting(council)
    secretary = new_context(DESKTOP).new_page()
    log_in(secretary, council.secretary.email)
    secretary.goto(f"/meetings/{meeting.id}/live")
    wait_live(secretary)
    run(live_session.open_session, council.chair, meeting.id)
    run(live_session.close, council.chair, meeting.id)
    summary = secretary.locator("section.session-summary")
    # the chair, checked in by opening the session, was the only one there
    expect(summary).to_contain_text("Presenti alla chiusura: 1 su 6 consiglieri.")
    expect(summary).to_contain_text(council.chair.name)
    expect(summary).to_contain_text("In questa seduta non si è votato.")
    link = summary.get_by_role("link", name="Il verbale della seduta")
    expect(link).to_have_attribute("href", f"/meetings/{meeting.id}/minutes")
    # the public without JavaScript reads the same summary, drawn by the server
    plain = new_context(PHONE, java_script_enabled=False).new_page()
    plain.goto(f"/meetings/{meeting.id}/live")
    summary = plain.locator("section.session-summary")
    expect(summary).to_contain_text("Presenti alla chiusura: 1 su 6 consiglieri.")
    expect(summary).to_contain_text(council.chair.name)
    expect(summary).to_contain_text("Il verbale sarà pubblicato qui dopo l'approvazione")
    assert NO_QUORUM not in visible_text(plain)


# --- actions made without a connection --------------------------------------------------------


def requests_of(member, meeting) -> int:
    reread()
    return db.session.scalar(
        select(func.count(SpeakerRequest.id)).where(
            SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.user_id == member.id
        )
    )


def running(council):
    meeting = convened_meeting(council)
    run(live_session.open_session, council.chair, meeting.id)
    run(live_session.move_to, council.chair, meeting.id, meeting.items[0].id)
    for person in council.all_members:
        run(attendance.check_in, person, meeting.id)
    return fresh(meeting)


def test_a_request_to_speak_made_offline_reaches_the_chair_once(new_context, council):
    meeting = running(council)
    member = council.members[0]
    chair = new_context(DESKTOP).new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    phone_context = new_context(PHONE)
    phone = phone_context.new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(chair)
    wait_live(phone)
    stays(phone)

    phone_context.set_offline(True)
    phone.wait_for_function("() => !window.consiglio.socket.connected")
    phone.locator('form[data-socket="speakers.request"] button[type=submit]').click()
    waiting = phone.locator('[data-live="outbox"] li')
    expect(waiting).to_have_text(re.compile(f"^{ASKED}: in attesa di connessione\\. "))
    expect(waiting).to_contain_text("Se ricarichi la pagina, resta in attesa.")
    expect(chair.locator('[data-live="queue"]')).not_to_contain_text(member.name)
    assert requests_of(member, meeting) == 0

    phone_context.set_offline(False)
    expect(chair.locator('[data-live="queue"] > li')).to_have_count(1)
    expect(chair.locator('[data-live="queue"]')).to_contain_text(member.name)
    expect(waiting).to_have_text(f"{ASKED}: il server ha confermato.")
    expect(phone.locator('[data-live="queue"]')).to_contain_text(member.name)
    assert still_here(phone)
    phone.wait_for_timeout(1500)  # nothing else goes out later
    assert requests_of(member, meeting) == 1
    expect(chair.locator('[data-live="queue"] > li')).to_have_count(1)
    axe_check(phone)


def test_a_request_kept_across_a_reload_is_sent_once(new_context, council):
    meeting = running(council)
    member = council.members[0]
    phone = new_context(PHONE).new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(phone)
    phone.evaluate("() => window.consiglio.socket.disconnect()")
    phone.locator('form[data-socket="speakers.request"] button[type=submit]').click()
    expect(phone.locator('[data-live="outbox"] li')).to_contain_text("in attesa di connessione")
    assert requests_of(member, meeting) == 0
    phone.reload()
    wait_live(phone)
    expect(phone.locator('[data-live="outbox"] li')).to_have_text(
        f"{ASKED}: il server ha confermato."
    )
    expect(phone.locator('[data-live="queue"]')).to_contain_text(member.name)
    assert requests_of(member, meeting) == 1
    phone.reload()  # sent: nothing is kept to send again
    wait_live(phone)
    expect(phone.locator('[data-live="outbox"]')).to_have_count(0)
    assert requests_of(member, meeting) == 1


def test_an_action_that_cannot_be_resent_is_shown_as_not_sent_with_a_retry(new_context, council):
    meeting = running(council)
    context = new_context(DESKTOP)
    chair = context.new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    wait_live(chair)
    stays(chair)
    context.set_offline(True)
    chair.wait_for_function("() => !window.consiglio.socket.connected")
    chair.locator('form[data-socket="session.suspend"] button').click()
    unsent = chair.locator('[data-live="outbox"] li')
    expect(unsent).to_contain_text("invio non riuscito, manca la connessione.")
    context.set_offline(False)
    chair.wait_for_function("() => window.consiglio.socket.connected")
    chair.wait_for_timeout(1000)
    assert fresh(meeting).state == "in_progress"  # never sent by itself
    expect(unsent).to_contain_text("invio non riuscito")
    unsent.get_by_role("button", name="Riprova").click()
    expect(chair.locator('[data-live="state"] .badge-warning')).to_be_visible()
    assert fresh(meeting).state == "suspended"
    assert still_here(chair)
    axe_check(chair)


def test_a_request_whose_answer_never_came_is_sent_again_and_counts_once(new_context, council):
    """The first request to speak is lost on the way (the socket stays up): no answer in 10 s,
    the page says it will send it again, does, and the server counts it once."""
    meeting = running(council)
    member = council.members[0]
    phone = new_context(PHONE).new_page()
    log_in(phone, member.email)
    lost = []

    def relay(ws):
        server = ws.connect_to_server()

        def outgoing(message):
            if "speakers.request" in str(message) and not lost:
                lost.append(message)  # dropped: the server never sees it
                return
            server.send(message)

        ws.on_message(outgoing)
        server.on_message(lambda message: ws.send(message))

    phone.route_web_socket("**/socket.io/**", relay)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(phone)
    phone.locator('form[data-socket="speakers.request"] button[type=submit]').click()
    outbox = phone.locator('[data-live="outbox"] li')
    expect(outbox).to_contain_text(
        f"{ASKED}: ancora nessuna risposta dal server. L'invio sarà ripetuto appena possibile "
        "e conterà una volta sola.",
        timeout=15_000,
    )
    expect(outbox).to_have_text(f"{ASKED}: il server ha confermato.")
    expect(phone.locator('[data-live="queue"]')).to_contain_text(member.name)
    assert len(lost) == 1 and requests_of(member, meeting) == 1


def test_a_waiting_action_refused_on_arrival_says_why(new_context, council):
    meeting = running(council)
    member = council.members[0]
    context = new_context(PHONE)
    phone = context.new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(phone)
    context.set_offline(True)
    phone.wait_for_function("() => !window.consiglio.socket.connected")
    phone.locator('form[data-socket="speakers.request"] button[type=submit]').click()
    run(attendance.check_out, council.secretary, meeting.id, member.public_id)  # meanwhile
    context.set_offline(False)
    outbox = phone.locator('[data-live="outbox"] li')
    expect(outbox).to_have_text(re.compile(f"^{ASKED}: il server ha rifiutato\\. .+"))
    assert requests_of(member, meeting) == 0
    axe_check(phone)
