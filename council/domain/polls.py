"""Shared by the voting operations: locking a poll, its record events, and reading its
numbers (ballots, participation, the tally, the counts the rule is applied to)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council.domain import attendance, majority, meetings, record
from council.errors import NotFound
from council.models.meeting import Meeting, Proxy
from council.models.poll import (
    Ballot,
    Choice,
    ConflictDeclaration,
    Participation,
    Poll,
    PollKind,
    SecretTally,
)
from council.models.user import User


def subject(poll: Poll) -> str:
    return f"poll:{poll.id}"


def event(db: Session, poll: Poll, actor: User | None, kind: str, data: dict[str, Any]) -> None:
    poll.version += 1
    record.append(db, kind=kind, actor=actor, subject=subject(poll), data=data)


def lock(db: Session, poll_id: Any) -> Poll:
    """The poll, re-read and row-locked for this transaction. Raises NotFound."""
    poll = (
        db.get(Poll, poll_id, with_for_update=True, populate_existing=True)
        if isinstance(poll_id, int) and not isinstance(poll_id, bool)
        else None
    )
    if poll is None:
        raise NotFound(_("This poll does not exist."))
    return poll


def locked(db: Session, poll_id: Any) -> tuple[Meeting, Poll]:
    """Meeting then poll, locked in that order."""
    poll = db.get(Poll, poll_id) if isinstance(poll_id, int) and poll_id is not True else None
    if poll is None:
        raise NotFound(_("This poll does not exist."))
    meeting = meetings.lock(db, poll.meeting_id)
    return meeting, lock(db, poll.id)


def participants(db: Session, poll: Poll) -> int:
    """How many votes were cast (one per member voted for, proxies included)."""
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return db.scalar(select(func.count(table.id)).where(table.poll_id == poll.id)) or 0


def participant_ids(db: Session, poll: Poll) -> list[str]:
    """Public ids of the members whose vote was cast, sorted (the list published at close)."""
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return sorted(
        db.scalars(
            select(User.public_id)
            .join(table, table.cast_for_id == User.id)
            .where(table.poll_id == poll.id)
        )
    )


def has_voted(db: Session, poll: Poll, user: User) -> bool:
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return (
        db.scalar(select(table.id).where(table.poll_id == poll.id, table.cast_for_id == user.id))
        is not None
    )


def tally(db: Session, poll: Poll) -> dict[Choice, int]:
    """Votes per choice, from the ballots (named) or the counters (secret)."""
    result = dict.fromkeys(Choice, 0)
    if poll.kind == PollKind.SECRET:
        rows = db.execute(
            select(SecretTally.choice, SecretTally.count).where(SecretTally.poll_id == poll.id)
        )
    else:
        rows = db.execute(
            select(Ballot.choice, func.count(Ballot.id))
            .where(Ballot.poll_id == poll.id)
            .group_by(Ballot.choice)
        )
    for choice, count in rows:
        result[Choice(choice)] = count
    return result


def represented(db: Session, meeting: Meeting, present: set[int]) -> int:
    """Absent members whose proxy is held by a member present."""
    return db.scalar(
        select(func.count(Proxy.id)).where(
            Proxy.meeting_id == meeting.id,
            Proxy.revoked_at.is_(None),
            Proxy.to_user_id.in_(present or {0}),
            Proxy.from_user_id.not_in(present or {0}),
        )
    )


def conflicts(db: Session, poll: Poll) -> int:
    return db.scalar(
        select(func.count(ConflictDeclaration.id)).where(ConflictDeclaration.poll_id == poll.id)
    )


def counts(db: Session, poll: Poll) -> majority.Counts:
    """The counts the rule is applied to, as they stand now (at close: the result)."""
    votes = tally(db, poll)
    present = attendance.present_ids(db, poll.meeting)
    return majority.Counts(
        yes=votes[Choice.IN_FAVOUR],
        no=votes[Choice.AGAINST],
        abstain=votes[Choice.ABSTAIN],
        present=len(present),
        members=meetings.member_count(db),
        represented=represented(db, poll.meeting, present),
        conflict=conflicts(db, poll),
    )
