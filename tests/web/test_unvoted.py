"""Proposals left without a vote, over HTTP: the closed meeting's page and the proposal's page
show them, with the two ways out for the secretary and the chair; both change the proposal and
the record; refusals are clear, in Italian, and change nothing."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from council.extensions import db
from council.models.meeting import Meeting
from council.models.proposal import Proposal, ProposalState
from tests.factories import reread
from tests.meeting_helpers import events_since, head
from tests.unvoted_helpers import next_meeting, stuck_proposal


def text(response) -> str:
    """The page as a reader sees it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def state_of(proposal) -> ProposalState:
    reread()
    return db.session.get(Proposal, proposal.id).state


def agenda_of(meeting) -> list[int | None]:
    reread()
    return [item.proposal_id for item in db.session.get(Meeting, meeting.id).items]


@pytest.fixture
def stuck(council):
    return stuck_proposal(council)


def test_the_closed_meeting_shows_the_secretary_what_it_left_without_a_vote(as_, council, stuck):
    proposal, closed = stuck
    later = next_meeting(council)
    page = text(as_("secretary").get(f"/meetings/{closed.id}"))
    assert "Proposte rimaste senza voto" in page
    assert proposal.title in page
    assert "Rimanda in consultazione" in page
    assert f"Metti all'ordine del giorno della prossima seduta: «{later.title}»" in page
    for who in ("public", "member", "stakeholder"):
        assert "Proposte rimaste senza voto" not in text(as_(who).get(f"/meetings/{closed.id}"))


def test_the_proposal_page_says_it_was_left_without_a_vote(as_, council, stuck):
    proposal, _closed = stuck
    public = text(as_().get(f"/proposals/{proposal.id}"))
    assert "Rimasta senza voto" in public
    assert "La segreteria può rimandarla in consultazione" in public
    assert "Rimanda in consultazione" not in public
    chair = text(as_("chair").get(f"/proposals/{proposal.id}"))
    assert "Rimanda in consultazione" in chair
    # no next meeting yet: the button is disabled, and says why
    assert "Non c'è ancora una seduta in preparazione o convocata." in chair


def test_the_secretary_puts_it_on_the_next_agenda_from_the_meeting_page(as_, council, stuck):
    proposal, closed = stuck
    later = next_meeting(council, convene=True)
    web = as_("secretary")
    web.token(f"/meetings/{closed.id}")
    start = head()
    answer = web.post(f"/proposals/{proposal.id}/unvoted/next-agenda",
                      {"back": f"/meetings/{closed.id}#unvoted"})  # fmt: skip
    assert answer.status_code == 302 and answer.location.endswith(f"/meetings/{closed.id}#unvoted")
    assert state_of(proposal) == ProposalState.ON_AGENDA
    assert agenda_of(later)[-1] == proposal.id
    changes = [d for k, d in events_since(start, "proposal.state_changed")]
    assert [(d["to"], d["meeting"]) for d in changes] == [
        ("referred_back", closed.id), ("on_agenda", later.id),
    ]  # fmt: skip
    page = text(web.get(f"/meetings/{closed.id}"))
    assert "La proposta è all'ordine del giorno della prossima seduta." in page
    assert "Proposte rimaste senza voto" not in page


def test_the_chair_sends_it_back_to_consultation(as_, council, stuck):
    proposal, closed = stuck
    web = as_("chair")
    form = web.get(f"/proposals/{proposal.id}/unvoted/consultation?back=/meetings/{closed.id}")
    assert form.status_code == 200
    assert "Rimanda in consultazione" in text(form)
    start = head()
    answer = web.post(
        f"/proposals/{proposal.id}/unvoted/consultation",
        {"deadline_date": "2099-01-01", "deadline_time": "18:00", "back": f"/meetings/{closed.id}"},
        token_from=f"/proposals/{proposal.id}/unvoted/consultation",
    )
    # 2099 is past the 180 days a consultation may last: refused at the field, nothing done
    assert answer.status_code == 422
    assert "La consultazione può durare al massimo 180 giorni." in text(answer)
    assert head() == start and state_of(proposal) == ProposalState.ON_AGENDA
    day = (date.today() + timedelta(days=30)).isoformat()
    answer = web.post(
        f"/proposals/{proposal.id}/unvoted/consultation",
        {"deadline_date": day, "deadline_time": "18:00", "back": f"/meetings/{closed.id}"},
        token_from=f"/proposals/{proposal.id}/unvoted/consultation",
    )
    assert answer.status_code == 302 and answer.location.endswith(f"/meetings/{closed.id}")
    assert state_of(proposal) == ProposalState.CONSULTATION
    assert [d["to"] for _k, d in events_since(start, "proposal.state_changed")] == [
        "referred_back", "consultation",
    ]  # fmt: skip
    page = text(as_().get(f"/proposals/{proposal.id}"))
    assert "In consultazione" in page and "Rimasta senza voto" not in page


@pytest.mark.parametrize("who", ["member", "stakeholder"])
def test_others_are_refused_and_nothing_changes(as_, council, stuck, who):
    proposal, _closed = stuck
    next_meeting(council)
    web = as_(who)
    web.token(f"/proposals/{proposal.id}")
    start = head()
    answer = web.post(f"/proposals/{proposal.id}/unvoted/next-agenda")
    assert answer.status_code == 403
    assert "Non si dispone dell'autorizzazione per questa operazione." in text(answer)
    assert web.get(f"/proposals/{proposal.id}/unvoted/consultation").status_code == 403
    assert head() == start and state_of(proposal) == ProposalState.ON_AGENDA


def test_the_public_is_sent_to_log_in(as_, stuck):
    proposal, _closed = stuck
    answer = as_().get(f"/proposals/{proposal.id}/unvoted/consultation")
    assert answer.status_code == 302 and "/login" in answer.location


def test_no_next_meeting_is_refused_in_italian(as_, council, stuck):
    proposal, _closed = stuck
    web = as_("secretary")
    web.token(f"/proposals/{proposal.id}")
    start = head()
    answer = web.post(f"/proposals/{proposal.id}/unvoted/next-agenda")
    assert answer.status_code == 409
    assert "Non c'è ancora una prossima seduta" in text(answer)
    assert head() == start and state_of(proposal) == ProposalState.ON_AGENDA


def test_a_second_click_is_refused_in_italian(as_, council, stuck):
    proposal, _closed = stuck
    next_meeting(council)
    web = as_("secretary")
    web.token(f"/proposals/{proposal.id}")
    assert web.post(f"/proposals/{proposal.id}/unvoted/next-agenda").status_code == 302
    start = head()
    again = web.post(f"/proposals/{proposal.id}/unvoted/next-agenda")
    assert again.status_code == 409
    assert "è già all'ordine del giorno di una seduta in programma" in text(again)
    assert head() == start


def test_a_forged_request_is_refused(as_, council, stuck):
    proposal, _closed = stuck
    next_meeting(council)
    web = as_("secretary")
    answer = web.post(f"/proposals/{proposal.id}/unvoted/next-agenda", {"csrf_token": "forged"})
    assert answer.status_code == 400
    assert state_of(proposal) == ProposalState.ON_AGENDA


def test_back_never_leaves_the_site(as_, council, stuck):
    proposal, _closed = stuck
    next_meeting(council)
    web = as_("secretary")
    web.token(f"/proposals/{proposal.id}")
    answer = web.post(f"/proposals/{proposal.id}/unvoted/next-agenda",
                      {"back": "https://example.com/"})  # fmt: skip
    assert answer.status_code == 302
    assert answer.location.endswith(f"/proposals/{proposal.id}#unvoted")
