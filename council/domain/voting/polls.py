"""Polls (votazioni) in a meeting: prepare, open, close, and the decision that follows.
Ballots and conflicts of interest are in council.domain.voting.ballots (re-exported here).

Locks, always in this order: the meeting (prepare, open, close), then the poll, then (to
record a decision) the minutes its item approves, then the record's head; a ballot locks the
poll only. See docs/voting.md for the rules, exactly-once and the secret poll's threat model.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from council import markdown
from council.clock import ROME
from council.domain import permissions
from council.domain.archive import archive, minutes
from council.domain.meetings import attendance, meetings, opening
from council.domain.proposals import amendments, proposals
from council.domain.record import record
from council.domain.voting import majority, poll_queries
from council.domain.voting.ballots import BallotResult, cast_ballot, declare_conflict
from council.errors import InvalidState, NotFound, ValidationError
from council.models.base import utcnow
from council.models.meeting import MeetingState
from council.models.poll import Choice, Decision, Poll, PollKind, PollState, SecretTally
from council.models.proposal import Amendment, AmendmentState, ProposalState
from council.models.user import User

__all__ = [
    "BallotResult",
    "cast_ballot",
    "close_poll",
    "declare_conflict",
    "open_poll",
    "prepare_poll",
    "record_decision",
]
MAX_TEXT = 20_000
MAX_QUESTION = 1000


# --- prepare and open -----------------------------------------------------------------------


def prepare_poll(
    db: Session,
    actor: User,
    meeting_id: int,
    *,
    item_id: Any,
    kind: Any,
    rule: Any,
    question: Any,
    amendment_id: Any = None,
    allow_change: bool = False,
) -> Poll:
    """A poll on an agenda item of the meeting, or on an amendment of the item's proposal
    that waits for the council's vote. Raises NotAllowed, NotFound, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "poll.prepare")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState(_("The meeting is closed."))
    item = meetings.item_of(meeting, item_id)
    try:
        kind = PollKind(kind)
    except ValueError:
        raise ValidationError(_("Choose a named or a secret poll."), field="kind") from None
    try:
        rule = majority.Rule(rule)
    except ValueError:
        raise ValidationError(_("Choose the majority rule."), field="rule") from None
    question = question.strip() if isinstance(question, str) else ""
    if not question:
        raise ValidationError(_("Write the question put to the vote."), field="question")
    if len(question) > MAX_QUESTION:
        raise ValidationError(
            _("The question is too long (at most %(n)d characters).", n=MAX_QUESTION),
            field="question",
        )
    amendment = None
    if amendment_id not in (None, ""):
        amendment = db.get(Amendment, amendment_id) if isinstance(amendment_id, int) else None
        if (
            amendment is None
            or item.proposal_id is None
            or amendment.proposal_id != item.proposal_id
        ):
            raise NotFound(_("This amendment does not exist on this item's proposal."))
        if amendment.state != AmendmentState.TO_VOTE:
            raise InvalidState(_("This amendment is not waiting for the council's vote."))
    poll = Poll(meeting_id=meeting.id, item_id=item.id, amendment_id=amendment and amendment.id,
                kind=kind, rule=rule, question=question, allow_change=bool(allow_change),
                created_by_id=user.id)  # fmt: skip
    db.add(poll)
    db.flush()
    data = {"meeting": meeting.id, "item": item.id, "kind": kind.value, "rule": rule.value,
            "question": question, "allow_change": poll.allow_change}  # fmt: skip
    if amendment is not None:
        data["amendment"] = amendment.id
    poll_queries.event(db, poll, user, "poll.prepared", data)
    meeting.live_version += 1
    return poll


def _amendments_waiting(db: Session, poll: Poll) -> int:
    """Amendments of the item's proposal still to be voted: they come before the item."""
    proposal_id = poll.item.proposal_id
    if proposal_id is None:
        return 0
    return (
        db.scalar(
            select(func.count(Amendment.id)).where(
                Amendment.proposal_id == proposal_id, Amendment.state == AmendmentState.TO_VOTE
            )
        )
        or 0
        or 0
    )


def open_poll(db: Session, actor: User, poll_id: int) -> bool:
    """Open a prepared poll on the item under discussion; needs the quorum (every rule of a
    meeting does), no other poll open, and the item's amendments voted first. Opening it
    again changes nothing (returns False). Raises NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "poll.run")
    meeting, poll = poll_queries.locked(db, poll_id)
    if poll.state == PollState.OPEN:
        return False
    other = db.scalar(
        select(Poll.id).where(Poll.meeting_id == meeting.id, Poll.state == PollState.OPEN)
    )
    proposal = poll.item.proposal
    present = attendance.present_count(db, meeting)
    members = meetings.member_count(db)
    refusal = opening.poll_refusal(
        closed=poll.state == PollState.CLOSED,
        in_progress=meeting.state == MeetingState.IN_PROGRESS,
        on_current_item=meeting.current_item_id == poll.item_id,
        other_open=other is not None,
        amendment=poll.amendment_id is not None,
        amendments_waiting=_amendments_waiting(db, poll) if poll.amendment_id is None else 0,
        amendment_to_vote=poll.amendment is not None
        and poll.amendment.state == AmendmentState.TO_VOTE,
        proposal_on_agenda=proposal is None or proposal.state == ProposalState.ON_AGENDA,
        quorum=attendance.has_quorum(present, members),
    )
    if refusal is not None:
        raise InvalidState(str(opening.POLL_REFUSALS[refusal]))
    poll.state, poll.opened_at = PollState.OPEN, utcnow()
    if poll.kind == PollKind.SECRET:
        db.add_all(SecretTally(poll_id=poll.id, choice=c, count=0) for c in Choice)
    db.flush()
    poll_queries.event(db, poll, user, "poll.opened", {"present": present, "members": members})
    meeting.live_version += 1
    return True


# --- close and decide -----------------------------------------------------------------------


def close_poll(db: Session, actor: User, poll_id: int) -> bool:
    """Close an open poll: the result is computed by its rule from the stored ballots or
    counters and kept with the counts. Closing again changes nothing (False). Raises
    NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "poll.run")
    meeting, poll = poll_queries.locked(db, poll_id)
    if poll.state == PollState.CLOSED:
        return False
    if poll.state != PollState.OPEN:
        raise InvalidState(_("This poll is not open."))
    counts = poll_queries.counts(db, poll)
    outcome = majority.evaluate(poll.rule, counts)
    poll.state, poll.closed_at = PollState.CLOSED, utcnow()
    poll.yes, poll.no, poll.abstain = counts.yes, counts.no, counts.abstain
    poll.present, poll.represented = counts.present, counts.represented
    poll.members, poll.conflict = counts.members, counts.conflict
    poll.needed, poll.approved, poll.valid = outcome.needed, outcome.approved, outcome.valid
    db.flush()
    data: dict[str, Any] = {
        "kind": poll.kind.value, "rule": poll.rule.value,
        "in_favour": counts.yes, "against": counts.no, "abstain": counts.abstain,
        "present": counts.present, "represented": counts.represented,
        "members": counts.members, "conflict": counts.conflict,
        "needed": outcome.needed, "approved": outcome.approved, "valid": outcome.valid,
    }  # fmt: skip
    if poll.kind == PollKind.SECRET:
        data["participants"] = poll_queries.participant_ids(db, poll)
        # Rewrite the counters in this transaction: on PostgreSQL a row version carries the id
        # of the transaction that wrote it (xmin), which would otherwise name the last voter
        # of each choice (docs/voting.md, threat model).
        db.execute(
            update(SecretTally)
            .where(SecretTally.poll_id == poll.id)
            .values(count=SecretTally.count + 0)
        )
    poll_queries.event(db, poll, user, "poll.closed", data)
    meeting.live_version += 1
    return True


def _next_seq(db: Session, year: int) -> int:
    return (db.scalar(select(func.max(Decision.seq)).where(Decision.year == year)) or 0) + 1


def record_decision(db: Session, actor: User, poll_id: int, text: Any = None) -> Decision | None:
    """The decision that follows a closed, valid poll. On an agenda item: a numbered decision
    (2026/014, per year of the vote), and the item's proposal approved or rejected. On an
    amendment: the amendment's outcome (a new version when approved), no number; returns
    None. Raises NotAllowed, NotFound, InvalidState, ValidationError."""
    user = permissions.require(actor, "decision.record")
    meeting, poll = poll_queries.locked(db, poll_id)
    tied = minutes.lock_tied(db, poll)  # the minutes the item approves, before the record
    if poll.state != PollState.CLOSED:
        raise InvalidState(_("The poll is not closed yet."))
    if not poll.valid:
        raise InvalidState(_("The vote was void for lack of quorum: nothing is decided."))
    meeting.live_version += 1  # the room shows the outcome (and the decision's number)
    poll_queries.live_changed(db, meeting.id)
    if poll.amendment_id is not None:
        amendment = poll.amendment
        assert amendment is not None
        if amendment.state != AmendmentState.TO_VOTE:
            raise InvalidState(_("The outcome of this amendment is already recorded."))
        amendments.record_amendment_outcome(db, permissions.SYSTEM, amendment, bool(poll.approved))
        return None
    if db.scalar(select(Decision.id).where(Decision.poll_id == poll.id)) is not None:
        raise InvalidState(_("The decision on this poll is already recorded."))
    text = text.strip() if isinstance(text, str) else ""
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long."), field="text")
    text = text or poll.question
    markdown.check(text, "text")
    proposal = poll.item.proposal
    if proposal is not None:  # raises InvalidState when no longer on the agenda
        proposals.record_outcome(db, permissions.SYSTEM, proposal, poll=poll)
    assert poll.closed_at is not None  # closed, checked above
    decided_on: date = poll.closed_at.astimezone(ROME).date()
    # Two decisions of the same year recorded at once: the unique (year, seq) lets one win;
    # the other takes the next number.
    for _attempt in range(5):
        decision = Decision(year=decided_on.year, seq=_next_seq(db, decided_on.year),
                            poll_id=poll.id, proposal_id=proposal and proposal.id, text=text,
                            decided_on=decided_on, recorded_by_id=user.id)  # fmt: skip
        try:
            with db.begin_nested():
                db.add(decision)
        except IntegrityError:
            continue
        break
    else:
        raise InvalidState(_("The decision could not be numbered: try again."))
    data = {"number": decision.number, "poll": poll.id, "approved": bool(poll.approved),
            "decided_on": decided_on.isoformat()}  # fmt: skip
    if proposal is not None:
        data["proposal"] = proposal.id
    record.append(db, kind="decision.recorded", actor=user, subject=f"decision:{decision.id}",
                  data=data)  # fmt: skip
    archive.index_decision(db, decision)
    if tied is not None:
        minutes.vote_recorded(db, tied, poll, decision)
    return decision
