"""Proposals left without a vote: on the agenda of a meeting that closed before voting them,
and on the agenda of no meeting still to come. The secretary or the chair sends such a
proposal back to consultation, or onto the agenda of the next meeting; either way the
council's rinvio is recorded first (on the agenda → referred back, naming the closed meeting),
then where it goes (→ in consultation with its new deadline, or → on the agenda naming the
next meeting, whose agenda gains the item), each a `proposal.state_changed` event."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.meetings import agenda
from council.domain.proposals import proposals
from council.domain.record.record import format_at
from council.errors import InvalidState
from council.models.base import utcnow
from council.models.meeting import AgendaItem, Meeting, MeetingState
from council.models.proposal import Proposal, ProposalState
from council.models.user import User

# Where a proposal left without a vote may go: meetings not started yet.
NEXT_STATES = (MeetingState.SCHEDULED, MeetingState.CONVENED)


def _still_to_come():
    """Ids of the proposals on the agenda of a meeting not closed yet."""
    return (
        select(AgendaItem.proposal_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.state != MeetingState.CLOSED, AgendaItem.proposal_id.is_not(None))
    )


def left_by(db: Session, proposal: Proposal) -> Meeting | None:
    """The closed meeting that left the proposal on the agenda without a vote (the latest),
    or None when the proposal is not waiting for anyone: not on the agenda, or on the agenda
    of a meeting to come."""
    if proposal.state != ProposalState.ON_AGENDA:
        return None
    return db.scalar(
        select(Meeting)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(
            AgendaItem.proposal_id == proposal.id,
            Meeting.state == MeetingState.CLOSED,
            AgendaItem.proposal_id.not_in(_still_to_come()),
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


def left_in(db: Session, meeting: Meeting) -> list[Proposal]:
    """The proposals of this closed meeting's agenda it left without a vote (one query)."""
    ids = [item.proposal_id for item in meeting.items if item.proposal_id is not None]
    if meeting.state != MeetingState.CLOSED or not ids:
        return []
    return list(
        db.scalars(
            select(Proposal)
            .where(
                Proposal.id.in_(ids),
                Proposal.state == ProposalState.ON_AGENDA,
                Proposal.id.not_in(_still_to_come()),
            )
            .order_by(Proposal.title, Proposal.id)
        )
    )


def next_meeting(db: Session, now: datetime | None = None) -> Meeting | None:
    """The first meeting still to start, in preparation or convened."""
    return db.scalar(
        select(Meeting)
        .where(Meeting.state.in_(NEXT_STATES), Meeting.starts_at > (now or utcnow()))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )


def _refer_back(db: Session, actor: User, proposal: Proposal) -> tuple[User, Meeting]:
    """Check who acts and that the proposal was left without a vote, then record the rinvio.
    Raises NotAllowed, InvalidState."""
    user = permissions.require(actor, "proposal.refer_back", proposal)
    proposals.lock(db, proposal)
    left = left_by(db, proposal)
    if left is None:
        if proposal.state == ProposalState.ON_AGENDA:
            raise InvalidState(
                _("This proposal is already on the agenda of a meeting to come: it is not stuck.")
            )
        raise InvalidState(
            _("Only a proposal left on the agenda of a closed meeting, without a vote, can be "
              "sent back or carried over.")
        )  # fmt: skip
    return user, left


def back_to_consultation(
    db: Session, actor: User, proposal: Proposal, *, deadline: datetime,
    now: datetime | None = None,
) -> Proposal:  # fmt: skip
    """Send a proposal a closed meeting left without a vote back to consultation, open until
    `deadline`. Raises NotAllowed, InvalidState, ValidationError (deadline)."""
    user, left = _refer_back(db, actor, proposal)
    deadline = proposals.check_deadline(deadline, now)
    proposals.move(db, user, proposal, ProposalState.REFERRED_BACK, meeting=left.id,
                   without_vote=True)  # fmt: skip
    proposal.consultation_deadline = deadline
    proposals.move(db, user, proposal, ProposalState.CONSULTATION, deadline=format_at(deadline))
    return proposal


def onto_next_agenda(
    db: Session, actor: User, proposal: Proposal, *, now: datetime | None = None
) -> Meeting:
    """Put a proposal a closed meeting left without a vote on the agenda of the next meeting
    (in preparation or convened; a convened one is marked changed and its members told).
    Returns that meeting. Raises NotAllowed, InvalidState (no next meeting, its agenda
    full)."""
    user, left = _refer_back(db, actor, proposal)
    meeting = next_meeting(db, now)
    if meeting is None:
        raise InvalidState(
            _("There is no next meeting yet: create it (in preparation or convened), then put "
              "the proposal on its agenda.")
        )  # fmt: skip
    proposals.move(db, user, proposal, ProposalState.REFERRED_BACK, meeting=left.id,
                   without_vote=True)  # fmt: skip
    proposals.move(db, user, proposal, ProposalState.ON_AGENDA, meeting=meeting.id)
    agenda.carry_over(db, user, meeting.id, proposal)
    return meeting
