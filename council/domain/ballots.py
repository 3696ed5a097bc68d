"""Ballots: cast one's vote or a proxy's, exactly once; declare a conflict of interest.

A ballot locks the poll's row only (FOR UPDATE on PostgreSQL; SQLite's unit of work holds the
write lock), so ballots and the close serialise on it: a ballot either commits before the
close (and is counted) or finds the poll closed (and is refused with the reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from council.domain import attendance, permissions, polls, proposals
from council.errors import InvalidState, NotAllowed, ValidationError
from council.models.base import utcnow
from council.models.meeting import Proxy
from council.models.poll import (
    Ballot,
    BallotSubmission,
    Choice,
    ConflictDeclaration,
    Participation,
    Poll,
    PollKind,
    PollState,
    SecretTally,
)
from council.models.user import User

MAX_REASON = 500
MAX_CLIENT_ID = 64
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _reason_data(reason: str) -> dict[str, str]:
    """The statement enters the record by its SHA-256, as comments do (docs/record.md)."""
    return {"reason_sha256": proposals.sha256(reason)} if reason else {}


# --- ballots --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotResult:
    poll_id: int
    cast_for: str  # public id of the member whose vote it is
    choice: str | None  # None for a secret poll: never said back, never stored by person
    repeated: bool  # a retry of a ballot already counted: nothing changed
    changed: bool = False  # a named ballot changed (allow_change)


def _parse_ballot(poll_kind: PollKind | None, choice: Any, client_id: Any, reason: Any):
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID:
        raise ValidationError(_("This ballot has no valid identifier."), field="client_ballot_id")
    try:
        choice = Choice(choice)
    except ValueError:
        raise ValidationError(_("Choose in favour, against or abstain."), field="choice") from None
    reason = reason if isinstance(reason, str) else ""
    reason = _CONTROL.sub("", reason.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The statement is too long (at most %(n)d characters).", n=MAX_REASON),
            field="reason",
        )
    if reason and poll_kind == PollKind.SECRET:
        raise ValidationError(_("A secret ballot carries no statement."), field="reason")
    return choice, client_id, reason


def _target(db: Session, user: User, meeting_id: int, for_member: Any) -> User:
    """Whose vote this is: the voter's own, or that of a member whose proxy the voter holds."""
    if for_member in (None, "", user.public_id):
        return user
    target = db.scalar(select(User).where(User.public_id == for_member)) if isinstance(
        for_member, str
    ) else None  # fmt: skip
    held = target is not None and db.scalar(
        select(Proxy.id).where(
            Proxy.meeting_id == meeting_id,
            Proxy.from_user_id == target.id,
            Proxy.to_user_id == user.id,
            Proxy.revoked_at.is_(None),
        )
    )
    if not held:
        raise NotAllowed(_("You do not hold this member's proxy."))
    if attendance.is_present(db, meeting_id, target.id):
        raise InvalidState(_("This member is present and votes in person."))
    return target


def _repeat(db: Session, poll: Poll, user: User, client_id: str) -> BallotResult | None:
    """The first answer to a ballot already received with this client id, if any."""
    if poll.kind == PollKind.NAMED:
        sub = db.scalar(
            select(BallotSubmission).where(
                BallotSubmission.poll_id == poll.id,
                BallotSubmission.voter_id == user.id,
                BallotSubmission.client_ballot_id == client_id,
            )
        )
        if sub is None:
            return None
        return BallotResult(poll.id, sub.cast_for.public_id, sub.choice.value, True, sub.changed)
    part = db.scalar(
        select(Participation).where(
            Participation.poll_id == poll.id, Participation.client_ballot_id == client_id
        )
    )
    if part is None:
        return None
    if part.cast_for_id != user.id and not db.scalar(
        select(Proxy.id).where(
            Proxy.meeting_id == poll.meeting_id,
            Proxy.from_user_id == part.cast_for_id,
            Proxy.to_user_id == user.id,
        )
    ):
        raise InvalidState(_("This ballot identifier was already used."))
    return BallotResult(poll.id, part.cast_for.public_id, None, True)


def _received(poll: Poll, user: User, client_id: str) -> Select:
    """A ballot already received with this client id (named: from this voter)."""
    if poll.kind == PollKind.NAMED:
        return select(BallotSubmission.id).where(
            BallotSubmission.poll_id == poll.id,
            BallotSubmission.voter_id == user.id,
            BallotSubmission.client_ballot_id == client_id,
        )
    return select(Participation.id).where(
        Participation.poll_id == poll.id, Participation.client_ballot_id == client_id
    )


def _conflicted(poll: Poll, member_id: int) -> Select:
    return select(ConflictDeclaration.id).where(
        ConflictDeclaration.poll_id == poll.id, ConflictDeclaration.member_id == member_id
    )


def _cast(poll: Poll, member_id: int) -> Select:
    """The member's ballot (named) or participation (secret) in this poll."""
    if poll.kind == PollKind.NAMED:
        return select(Ballot.id).where(Ballot.poll_id == poll.id, Ballot.cast_for_id == member_id)
    return select(Participation.id).where(
        Participation.poll_id == poll.id, Participation.cast_for_id == member_id
    )


def _facts(db: Session, poll: Poll, user: User, client_id: str):
    """(received, present, conflicted, cast) for one's own ballot, in one query: sixty
    ballots in a batch ask them one after another (realtime/group_commit.py)."""
    questions = (_received(poll, user, client_id), attendance.presence(poll.meeting_id, user.id),
                 _conflicted(poll, user.id), _cast(poll, user.id))  # fmt: skip
    return db.execute(select(*(q.limit(1).scalar_subquery() for q in questions))).one()


def cast_ballot(
    db: Session,
    actor: User,
    poll_id: int,
    choice: Any,
    client_ballot_id: Any,
    for_member: Any = None,
    reason: Any = None,
) -> BallotResult:
    """Cast one's ballot, or that of the member whose proxy one holds, exactly once: the
    same client_ballot_id again answers with the first result. Raises NotAllowed, NotFound,
    InvalidState (not open, absent, already voted, conflict declared), ValidationError."""
    user = permissions.require(actor, "ballot.cast")
    poll = polls.lock(db, poll_id)
    choice, client_id, reason = _parse_ballot(poll.kind, choice, client_ballot_id, reason)
    received, present, conflicted, cast = _facts(db, poll, user, client_id)
    repeated = _repeat(db, poll, user, client_id) if received else None
    if repeated is not None:
        return repeated
    if poll.state != PollState.OPEN:
        if poll.state == PollState.CLOSED:
            raise InvalidState(_("The poll is closed: the ballot was not counted."))
        raise InvalidState(_("The poll is not open yet."))
    if not present:
        raise InvalidState(_("Only members present at the meeting can vote."))
    target = _target(db, user, poll.meeting_id, for_member)
    if target is not user:  # by proxy: the same questions of the member represented
        conflicted, cast = (
            db.scalar(_conflicted(poll, target.id)),
            db.scalar(_cast(poll, target.id)),
        )
    if conflicted:
        raise InvalidState(_("A conflict of interest was declared: no ballot for this member."))
    proxy_data = {"for": target.public_id} if target.id != user.id else {}
    if poll.kind == PollKind.SECRET:
        if cast:
            raise InvalidState(_("This vote was already cast: a secret ballot cannot be changed."))
        return _cast_secret(db, poll, user, target, choice, client_id)
    ballot = db.get(Ballot, cast) if cast else None
    if ballot is not None:
        if not poll.allow_change:
            raise InvalidState(_("This vote was already cast and cannot be changed."))
        ballot.choice, ballot.reason, ballot.changed_at = choice, reason, utcnow()
        ballot.voter_id, ballot.client_ballot_id = user.id, client_id
        _submitted(db, poll, user, client_id, target, choice, changed=True)
        db.flush()
        data = {"voter": user.public_id, **proxy_data, "choice": choice.value}
        polls.event(db, poll, user, "ballot.changed", data | _reason_data(reason))
        return BallotResult(poll.id, target.public_id, choice.value, False, True)
    db.add(Ballot(poll_id=poll.id, voter_id=user.id, cast_for_id=target.id,
                  proxy_for_id=target.id if target.id != user.id else None,
                  choice=choice, reason=reason, client_ballot_id=client_id))  # fmt: skip
    _submitted(db, poll, user, client_id, target, choice, changed=False)
    db.flush()
    data = {"voter": user.public_id, **proxy_data, "choice": choice.value}
    polls.event(db, poll, user, "ballot.cast", data | _reason_data(reason))
    return BallotResult(poll.id, target.public_id, choice.value, False)


def _submitted(db: Session, poll: Poll, user: User, client_id: str, target: User,
               choice: Choice, *, changed: bool) -> None:  # fmt: skip
    db.add(BallotSubmission(poll_id=poll.id, voter_id=user.id, client_ballot_id=client_id,
                            cast_for_id=target.id, choice=choice, changed=changed))  # fmt: skip


def _cast_secret(
    db: Session, poll: Poll, user: User, target: User, choice: Choice, client_id: str
) -> BallotResult:
    """Participation and the counter move in one transaction; nothing ties the two. The
    record says only how many have voted, with no actor."""
    db.add(Participation(poll_id=poll.id, cast_for_id=target.id, client_ballot_id=client_id))
    db.execute(
        update(SecretTally)
        .where(SecretTally.poll_id == poll.id, SecretTally.choice == choice)
        .values(count=SecretTally.count + 1)
    )
    db.flush()
    polls.event(db, poll, None, "poll.participated", {"count": polls.participants(db, poll)})
    return BallotResult(poll.id, target.public_id, None, False)


def declare_conflict(db: Session, actor: User, poll_id: int) -> bool:
    """A member declares a conflict of interest and takes no part in the poll (recorded as
    such, not as an absence). Again changes nothing (False). Raises NotAllowed, NotFound,
    InvalidState (closed, already voted)."""
    user = permissions.require(actor, "ballot.cast")
    poll = polls.lock(db, poll_id)
    if poll.state == PollState.CLOSED:
        raise InvalidState(_("This poll is closed."))
    if db.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.poll_id == poll.id, ConflictDeclaration.member_id == user.id
        )
    ):
        return False
    if polls.has_voted(db, poll, user):
        raise InvalidState(_("You have already voted in this poll."))
    db.add(ConflictDeclaration(poll_id=poll.id, member_id=user.id))
    db.flush()
    polls.event(db, poll, user, "poll.conflict_declared", {"member": user.public_id})
    return True
