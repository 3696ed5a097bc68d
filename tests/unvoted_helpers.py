"""Factories for proposals left without a vote: a proposal put on the agenda of a meeting that
was convened, opened and closed by the chair without any vote."""

from __future__ import annotations

from datetime import timedelta

from council.domain.meetings import agenda, live_session, meetings
from council.models.meeting import Meeting
from council.models.proposal import Proposal
from council.unit_of_work import unit_of_work
from tests.factories import make_proposal
from tests.meeting_helpers import Council, new_meeting


def closed_without_vote(council: Council, *proposals: Proposal, **kw) -> Meeting:
    """A meeting with these proposals on its agenda, convened, opened and closed; no vote."""
    meeting = new_meeting(council.secretary, items=1, **kw)
    with unit_of_work() as session:
        for proposal in proposals:
            agenda.add_item(session, council.secretary, meeting.id, title=proposal.title,
                            proposal_id=proposal.id)  # fmt: skip
        meetings.convene(session, council.secretary, meeting.id)
    with unit_of_work() as session:
        live_session.open_session(session, council.chair, meeting.id)
    with unit_of_work() as session:
        live_session.close(session, council.chair, meeting.id)
    return meeting


def stuck_proposal(council: Council, title: str = "Orti condivisi in ogni quartiere"):
    """(the proposal, the closed meeting that left it on the agenda without a vote)."""
    proposal = make_proposal(council.stakeholder, title=title)
    return proposal, closed_without_vote(council, proposal)


def next_meeting(council: Council, *, convene: bool = False, days: int = 14) -> Meeting:
    meeting = new_meeting(council.secretary, items=1, title="Seduta ordinaria di gennaio",
                          starts_in=timedelta(days=days))  # fmt: skip
    if convene:
        with unit_of_work() as session:
            meetings.convene(session, council.secretary, meeting.id)
    return meeting
