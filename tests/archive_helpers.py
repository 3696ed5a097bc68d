"""Factories for the archive: decisions straight from the models (a meeting, its item, a closed
poll, the decision and its search document through archive.index_decision), many at once and
fast; tests/poll_helpers.py runs whole votes through the domain when the path matters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from council.domain.archive import archive
from council.models.meeting import AgendaItem, Meeting, MeetingState
from council.models.organisation import Organisation, Zone
from council.models.poll import Decision, Poll, PollKind, PollState
from council.models.proposal import Proposal, ProposalState, ProposalVersion, Topic
from council.models.user import User
from council.unit_of_work import unit_of_work


@dataclass
class Archived:
    decision_id: int
    number: str
    year: int
    seq: int
    meeting_id: int
    proposal_id: int | None


def archived(
    author: User,
    *,
    title: str = "Punti di ascolto per gli anziani",
    body: str = "Un punto di ascolto in ogni quartiere.",
    text: str = "Il Consiglio approva la proposta.",
    question: str = "Approvare la proposta?",
    meeting_title: str = "Seduta ordinaria di marzo",
    meeting: int | None = None,
    meeting_state: MeetingState = MeetingState.CLOSED,
    year: int = 2026,
    approved: bool = True,
    zones: list[Zone] | None = None,
    topic: Topic | None = None,
    organisation: Organisation | None = None,
    with_proposal: bool = True,
) -> Archived:
    """A decision numbered year/next, decided in `meeting` (or a new one) on a proposal
    (unless told otherwise) with these title, body, zones, topic and organisation."""
    day = date(year, 3, 12)
    at = datetime(year, 3, 12, 18, 0, tzinfo=UTC)
    with unit_of_work() as session:
        if meeting is None:
            row = Meeting(title=meeting_title, starts_at=at - timedelta(hours=1), ends_at=at,
                          state=meeting_state, created_by_id=author.id)  # fmt: skip
            session.add(row)
            session.flush()
            meeting = row.id
        proposal = None
        if with_proposal:
            proposal = Proposal(
                title=title, state=ProposalState.APPROVED if approved else ProposalState.REJECTED,
                author_id=author.id,
                organisation_id=(organisation or author.organisation).id
                if (organisation or author.organisation) else None,
                topic_id=topic.id if topic else None, current_version=1, submitted_at=at,
                created_at=at, last_activity_at=at, zones=list(zones or []),
            )  # fmt: skip
            session.add(proposal)
            session.flush()
            session.add(ProposalVersion(proposal_id=proposal.id, number=1, title=title, body=body,
                                        author_id=author.id))  # fmt: skip
        item = AgendaItem(meeting_id=meeting, title=title, proposal_id=proposal and proposal.id)
        session.add(item)
        session.flush()
        poll = Poll(meeting_id=meeting, item_id=item.id, kind=PollKind.NAMED, rule="simple",
                    question=question, state=PollState.CLOSED, created_by_id=author.id,
                    opened_at=at, closed_at=at, yes=8 if approved else 2, no=2 if approved else 8,
                    abstain=0, present=10, represented=0, members=12, conflict=0, needed=3,
                    approved=approved, valid=True)  # fmt: skip
        session.add(poll)
        session.flush()
        seq = (session.scalar(select(func.max(Decision.seq)).where(Decision.year == year))
               or 0) + 1  # fmt: skip
        decision = Decision(year=year, seq=seq, poll_id=poll.id, text=text, decided_on=day,
                            proposal_id=proposal and proposal.id,
                            recorded_by_id=author.id)  # fmt: skip
        session.add(decision)
        archive.index_decision(session, decision)
        return Archived(decision.id, decision.number, year, seq, meeting,
                        proposal and proposal.id)  # fmt: skip
