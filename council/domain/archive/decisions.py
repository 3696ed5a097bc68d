"""Reading decisions (deliberazioni) for the public pages: by number, the list, the decision of
a poll or of a proposal, the amendments' polls, and the record events that make its trail.
Decisions are written by council.domain.voting.polls.record_decision."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from council.domain.meetings import meetings
from council.errors import NotFound
from council.models.meeting import Meeting
from council.models.poll import Decision, Poll
from council.models.proposal import Amendment, Proposal, ProposalState, ProposalVersion
from council.models.record import RecordEvent

PAGE_SIZE = 20
# The poll's events that tell how the decision was reached (its ballots are on the poll's page).
POLL_STEPS = ("poll.prepared", "poll.opened", "poll.closed")
OUTCOMES = frozenset({ProposalState.APPROVED, ProposalState.REJECTED})


def subject(decision: Decision) -> str:
    return f"decision:{decision.id}"


def by_number(db: Session, actor: Any, year: Any, seq: Any) -> Decision:
    """The decision numbered year/seq (2026/014). Raises NotFound."""
    decision = (
        db.scalar(select(Decision).where(Decision.year == year, Decision.seq == seq))
        if all(isinstance(n, int) and not isinstance(n, bool) for n in (year, seq))
        else None
    )
    if decision is None or not meetings.is_visible(actor, decision.poll.meeting):
        raise NotFound(_("This decision does not exist."))
    return decision


@dataclass
class DecisionPage:
    rows: list[Decision] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def listing(db: Session, page: int = 1, per_page: int = PAGE_SIZE) -> DecisionPage:
    """Every decision, newest first (by number); a page past the last shows the last."""
    total = db.scalar(select(func.count(Decision.id))) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.scalars(
        select(Decision)
        .order_by(Decision.year.desc(), Decision.seq.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(
            selectinload(Decision.proposal),
            selectinload(Decision.poll).selectinload(Poll.meeting),
            selectinload(Decision.poll).selectinload(Poll.item),
        )
    )
    return DecisionPage(list(rows), total, page, pages)


def of_poll(db: Session, poll: Poll) -> Decision | None:
    return db.scalar(select(Decision).where(Decision.poll_id == poll.id))


def of_proposal(db: Session, proposal: Proposal) -> Decision | None:
    """The decision on a proposal (there is at most one: it approves or rejects it for good)."""
    return db.scalars(
        select(Decision).where(Decision.proposal_id == proposal.id).order_by(Decision.id.desc())
    ).first()


def voted_version(db: Session, decision: Decision) -> ProposalVersion | None:
    """The version of the proposal that was put to the vote: its current one, since an
    approved or rejected proposal never gets another version."""
    proposal = decision.proposal
    if proposal is None:
        return None
    return db.scalar(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id,
            ProposalVersion.number == proposal.current_version,
        )
    )


def amendment_polls(db: Session, proposal: Proposal) -> dict[int, list[Poll]]:
    """The polls held on each amendment of the proposal (a void one may be held again)."""
    found: dict[int, list[Poll]] = defaultdict(list)
    rows = db.scalars(
        select(Poll)
        .join(Amendment, Amendment.id == Poll.amendment_id)
        .where(Amendment.proposal_id == proposal.id)
        .order_by(Poll.id)
    )
    for poll in rows:
        assert poll.amendment_id is not None  # joined on it
        found[poll.amendment_id].append(poll)
    return dict(found)


def trail(db: Session, decision: Decision) -> list[RecordEvent]:
    """The record events that made the decision, in order: the poll prepared, opened and
    closed, the proposal approved or rejected, and the decision recorded."""
    poll_subject = f"poll:{decision.poll_id}"
    wanted = [RecordEvent.subject == subject(decision),
              (RecordEvent.subject == poll_subject) & RecordEvent.kind.in_(POLL_STEPS)]  # fmt: skip
    if decision.proposal_id is not None:
        wanted.append(
            (RecordEvent.subject == f"proposal:{decision.proposal_id}")
            & (RecordEvent.kind == "proposal.state_changed")
        )
    events = db.scalars(select(RecordEvent).where(or_(*wanted)).order_by(RecordEvent.seq))
    return [
        event
        for event in events
        if event.kind != "proposal.state_changed" or json.loads(event.data).get("to") in OUTCOMES
    ]


def of_meeting(db: Session, meeting: Meeting) -> dict[int, Decision]:
    """The meeting's decisions, by poll id."""
    rows = db.scalars(
        select(Decision)
        .join(Poll, Poll.id == Decision.poll_id)
        .where(Poll.meeting_id == meeting.id)
    )
    return {decision.poll_id: decision for decision in rows}
