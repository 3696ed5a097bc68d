"""Live votes without JavaScript: the chair prepares, opens and closes from the console's
forms, members vote from the meeting page's forms (for themselves and by proxy, with a
statement, a change when allowed, a conflict of interest), everyone reads the tally; refused,
forged, repeated or misdirected forms change nothing."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from council.domain.meetings import attendance
from council.domain.proposals import amendments
from council.domain.voting import polls, proxies
from council.extensions import db
from council.models.poll import Ballot, ConflictDeclaration, Decision, Participation, Poll
from tests.factories import BODY, make_proposal, reread
from tests.meeting_helpers import detach, head, make_council, running_meeting
from tests.poll_helpers import run, voting_meeting
from tests.web.test_meetings import post, text


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user, members=5))


def ballot_ids(page: str) -> dict[str, str]:
    """The client ballot id of each ballot form on a page, by the member voted for."""
    found = {}
    for form in re.findall(r'<form[^>]*class="ballot-form".*?</form>', page, re.S):
        client = re.search(r'name="client_ballot_id" value="([^"]+)"', form).group(1)
        member = re.search(r'name="for_member" value="([^"]+)"', form)
        found[member.group(1) if member else "me"] = client
    return found


def without_labels(response) -> str:
    """The page's text without the words handed to the script (every choice's name is there)."""
    return html.unescape(
        re.sub(r'data-(vote-|phase-)?labels="[^"]*"', "", response.get_data(as_text=True))
    )


def count(table, poll_id: int) -> int:
    reread()
    return db.session.scalar(select(func.count(table.id)).where(table.poll_id == poll_id))


def latest_poll() -> Poll:
    reread()
    return db.session.scalar(select(Poll).order_by(Poll.id.desc()))


def test_a_named_vote_through_the_plain_forms(as_, council):
    a, b, c, _d, f = council.members
    present = [p for p in council.all_members if p is not f]
    meeting = running_meeting(council, present=[*present, f])
    run(proxies.grant, f, meeting.id, a.public_id)
    run(attendance.check_out, f, meeting.id)
    item, page = meeting.items[0].id, f"/meetings/{meeting.id}"
    console = f"{page}/console"
    chair, member_a, member_b, member_c = (as_(p) for p in (council.chair, a, b, c))

    form = text(chair.get(console))
    assert "Prepara una votazione" in form and 'name="allow_change"' in form
    assert "Maggioranza assoluta dei presenti" in form or "maggioranza assoluta" in form.lower()
    response = post(chair, f"{page}/polls", {
        "item": str(item), "amendment": "", "kind": "named", "rule": "simple",
        "question": "Approvare il punto di ascolto?", "allow_change": "1", "next": console,
    }, page=console)  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith("/console")
    poll = latest_poll()
    assert poll.allow_change and poll.question == "Approvare il punto di ascolto?"

    shown = text(member_a.get(page))
    assert "Votazione palese" in shown and "Non ancora aperta" in shown
    assert 'class="ballot-form"' not in shown  # nothing to vote before it opens
    assert post(chair, f"{page}/polls/{poll.id}/open", {"next": console},
                page=console).status_code == 302  # fmt: skip

    shown = text(member_a.get(page))
    assert "Il tuo voto" in shown and f"Voto per delega di {f.name}" in shown
    ids = ballot_ids(shown)
    assert 'name="reason"' not in shown  # the statement is asked with the confirmation
    # the first tap asks to confirm, with the statement of vote; nothing is stored yet
    check = member_a.post(f"{page}/polls/{poll.id}/ballot", {
        "choice": "in_favour", "client_ballot_id": ids["me"]}, token_from=page)  # fmt: skip
    assert check.status_code == 200
    check = text(check)
    assert "Confermi: Favorevole?" in check and 'name="reason"' in check
    assert f'name="client_ballot_id" value="{ids["me"]}"' in check
    assert 'name="confirm" value="1"' in check and count(Ballot, poll.id) == 0
    for _twice in range(2):  # a double tap, or the form sent again: one ballot
        response = member_a.post(f"{page}/polls/{poll.id}/ballot", {
            "choice": "in_favour", "client_ballot_id": ids["me"], "confirm": "1",
            "reason": "Serve ai quartieri lontani.",
        }, token_from=page)  # fmt: skip
        assert response.status_code == 302
    assert "Il tuo voto è stato registrato: favorevole." in text(member_a.get(page))
    member_a.post(f"{page}/polls/{poll.id}/ballot", {
        "choice": "against", "client_ballot_id": ids[f.public_id], "for_member": f.public_id,
        "confirm": "1",
    }, token_from=page)  # fmt: skip
    after = text(member_a.get(page))
    assert f"Il voto per delega di {f.name} è stato registrato: contrario." in after
    assert count(Ballot, poll.id) == 2

    # b votes, then changes the vote: allowed by the chair for this poll
    post(member_b, f"{page}/polls/{poll.id}/ballot",
         {"choice": "against", "client_ballot_id": ballot_ids(text(member_b.get(page)))["me"],
          "confirm": "1"}, page=page)  # fmt: skip
    again = ballot_ids(text(member_b.get(page)))["me"]
    changing = text(member_b.get(page))
    assert (
        "Cambia il tuo voto" in changing
        and "Puoi cambiarlo finché la votazione è aperta." in changing
    )
    assert re.search(r'value="against" aria-pressed="true"', changing)  # the choice that stands
    assert re.search(r'value="abstain" aria-pressed="false"', changing)
    post(member_b, f"{page}/polls/{poll.id}/ballot",
         {"choice": "abstain", "client_ballot_id": again, "confirm": "1"}, page=page)  # fmt: skip
    assert "Il tuo voto è stato registrato: astenuto." in text(member_b.get(page))

    assert post(member_c, f"{page}/polls/{poll.id}/conflict", page=page).status_code == 302
    shown = text(member_c.get(page))
    assert "Hai dichiarato un conflitto di interessi" in shown
    assert 'class="ballot-form"' not in shown

    live = text(as_().get(f"{page}/live"))  # the public view: who voted what, live
    assert "Hanno votato 3 di" in live
    for person in (a, b, f):
        assert person.name in live
    assert "Serve ai quartieri lontani." in live and f"per delega: espresso da {a.name}" in live
    assert "Conflitti di interessi" in live and c.name in live

    assert post(chair, f"{page}/polls/{poll.id}/close", {"next": console},
                page=console).status_code == 302  # fmt: skip
    live = text(as_().get(f"{page}/live"))
    assert "approvata" in live and "Voti favorevoli necessari" in live
    assert "Regola applicata: maggioranza semplice" in live
    secretary = as_(council.secretary)
    desk = text(secretary.get(console))
    assert "Registra la deliberazione" in desk and "Prepara una votazione" not in desk
    response = post(secretary, f"{page}/polls/{poll.id}/decision",
                    {"text": "Il Consiglio approva.", "next": console}, page=console)  # fmt: skip
    assert response.status_code == 302
    reread()
    decision = db.session.scalar(select(Decision).where(Decision.poll_id == poll.id))
    assert decision.text == "Il Consiglio approva."
    assert f"Deliberazione n. {decision.number}" in text(as_().get(f"{page}/live"))
    assert count(Ballot, poll.id) == 3 and count(ConflictDeclaration, poll.id) == 1


def test_a_secret_poll_never_shows_a_choice_by_person(as_, council):
    meeting = running_meeting(council)
    a, b = council.members[:2]
    page = f"/meetings/{meeting.id}"
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="secret", rule="simple", question="Nominare il rappresentante?")  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    member = as_(a)
    shown = text(member.get(page))
    assert "Votazione segreta" in shown and "non si può cambiare" in shown
    assert 'name="reason"' not in shown  # a secret ballot carries no statement
    post(member, f"{page}/polls/{poll.id}/ballot",
         {"choice": "against", "client_ballot_id": ballot_ids(shown)["me"], "confirm": "1"},
         page=page)  # fmt: skip
    mine = without_labels(member.get(page))
    assert re.findall(r'class="vote-done"[^>]*>([^<]*)<', mine) == [
        "Il tuo voto segreto è stato registrato."
    ]
    assert "contrario" not in mine.lower()  # the choice is never said back
    run(polls.cast_ballot, b, poll.id, "in_favour", "b-1")
    live = without_labels(as_().get(f"{page}/live"))
    assert "Hanno votato 2 di 7" in live
    assert 'class="vote-numbers"' not in live and "contrario" not in live.lower()
    run(polls.close_poll, council.chair, poll.id)
    live = text(as_().get(f"{page}/live"))
    assert 'class="vote-numbers"' in live and "Chi ha partecipato (2)" in live
    assert 'class="table vote-table"' not in live
    assert count(Participation, poll.id) == 2


def test_refused_vote_forms_change_nothing(as_, council):
    meeting = running_meeting(council, present=council.all_members[:-1])
    other = running_meeting(council, title="Altra seduta")
    a, absent = council.members[0], council.members[-1]
    item, page = meeting.items[0].id, f"/meetings/{meeting.id}"
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=item, kind="named",
               rule="simple", question="Approvare?")  # fmt: skip
    member, chair = as_(a), as_(council.chair)
    before = head()
    ballot = {"choice": "in_favour", "client_ballot_id": "f-1", "confirm": "1"}
    for tap in (ballot, ballot | {"confirm": ""}):  # refused at once, not after confirming
        response = post(member, f"{page}/polls/{poll.id}/ballot", tap, page=page)
        assert response.status_code == 409 and "non è ancora aperta" in text(response)
    run(polls.open_poll, council.chair, poll.id)
    before = head()
    assert post(member, f"{page}/polls/{poll.id}/close", page=page).status_code == 403
    assert post(member, f"{page}/polls", {"item": str(item), "kind": "named",
                "rule": "simple", "question": "x"}, page=page).status_code == 403  # fmt: skip
    response = post(member, f"{page}/polls/{poll.id}/ballot", ballot | {"choice": "forse"},
                    page=page)  # fmt: skip
    assert response.status_code == 422
    assert post(as_(absent), f"{page}/polls/{poll.id}/ballot", ballot,
                page=page).status_code == 409  # fmt: skip
    response = post(member, f"/meetings/{other.id}/polls/{poll.id}/ballot", ballot,
                    page=f"/meetings/{other.id}")  # fmt: skip
    assert response.status_code == 404
    assert post(chair, f"/meetings/{other.id}/polls/{poll.id}/close",
                page=f"/meetings/{other.id}").status_code == 404  # fmt: skip
    response = post(chair, f"{page}/polls", {"item": str(item),
                    "kind": "named", "rule": "forte", "question": "x"}, page=page)  # fmt: skip
    assert response.status_code == 422 and "Scegli la maggioranza richiesta." in text(response)
    forged = member.client.post(f"{page}/polls/{poll.id}/ballot", data=ballot | {
        "csrf_token": "forged"})  # fmt: skip
    assert forged.status_code == 400
    anonymous = as_().post(f"{page}/polls/{poll.id}/ballot", ballot, token_from=page)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert head() == before and count(Ballot, poll.id) == 0

    assert post(member, f"{page}/polls/{poll.id}/ballot", ballot, page=page).status_code == 302
    second = {"choice": "against", "client_ballot_id": "f-2", "confirm": "1"}
    response = post(member, f"{page}/polls/{poll.id}/ballot", second, page=page)
    assert response.status_code == 409 and "non può essere cambiato" in text(response)
    assert post(member, f"{page}/polls/{poll.id}/conflict", page=page).status_code == 409
    reread()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.poll_id == poll.id)) == (
        "in_favour"
    )


def test_the_console_offers_the_amendments_waiting_for_the_vote(as_, council):
    proposal = make_proposal(council.stakeholder)
    amendment = run(amendments.propose, council.members[0], proposal, body=f"{BODY}\n\nAggiunta.",
                    reason="Una verifica.")  # fmt: skip
    run(amendments.send_to_vote, council.stakeholder, amendment)
    amendment_id = amendment.id
    meeting = voting_meeting(council, proposal=proposal)
    console = text(as_(council.chair).get(f"/meetings/{meeting.id}/console"))
    assert f'<option value="{amendment_id}"' in console and "Emendamento n. 1" in console
    assert "Gli emendamenti di un punto si votano prima del punto" in console
