"""Ballots: cast one's vote or a proxy's, exactly once; declare a conflict of interest.

A ballot locks the poll's row only (FOR UPDATE on PostgreSQL; SQLite's unit of work holds the
write lock), so ballots and the close serialise on it: a ballot either commits before the
close (and is counted) or finds the poll closed (and is refused with the reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from council import plain_text
from council.domain import permissions
from council.domain.voting import poll_queries
from council.errors import DomainError, InvalidState, NotAllowed, ValidationError
from council.i18n import speaking
from council.models.base import utcnow
from council.models.meeting import Attendance, Proxy
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


def _reason_data(reason: str) -> dict[str, str]:
    """The statement enters the record by its SHA-256, as comments do (docs/record.md)."""
    return {"reason_sha256": plain_text.sha256(reason)} if reason else {}


# --- ballots --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotResult:
    poll_id: int
    cast_for: str  # public id of the member whose vote it is
    choice: str | None  # None for a secret poll: never said back, never stored by person
    repeated: bool  # a retry of a ballot already counted: nothing changed
    changed: bool = False  # a named ballot changed (allow_change)
    # accepted: how many record events of its batch up to its own (its place in the batch's
    # versions: cast_ballots); None for a repeat, which changed nothing
    step: int | None = None


def _parse_ballot(poll_kind: PollKind | None, choice: Any, client_id: Any, reason: Any):
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID:
        raise ValidationError(_("This ballot has no valid identifier."), field="client_ballot_id")
    try:
        choice = Choice(choice)
    except ValueError:
        raise ValidationError(_("Choose in favour, against or abstain."), field="choice") from None
    reason = reason if isinstance(reason, str) else ""
    reason = plain_text.clean(reason).strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The statement is too long (at most %(n)d characters).", n=MAX_REASON),
            field="reason",
        )
    if reason and poll_kind == PollKind.SECRET:
        raise ValidationError(_("A secret ballot carries no statement."), field="reason")
    return choice, client_id, reason


@dataclass(frozen=True)
class BallotRequest:
    """One submission of a ballot, as cast_ballot takes it; `language`, of its refusal."""

    actor: Any
    choice: Any
    client_ballot_id: Any
    for_member: Any = None
    reason: Any = None
    language: str | None = None


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
    permissions.require(actor, "ballot.cast")  # not_allowed before not_found
    request = BallotRequest(actor, choice, client_ballot_id, for_member, reason)
    (outcome,) = cast_ballots(db, poll_queries.lock(db, poll_id), [request])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def cast_ballots(
    db: Session, poll: Poll, requests: list[BallotRequest]
) -> list[BallotResult | DomainError]:
    """The ballots of one poll, which the caller locked for this transaction (poll_queries.lock, or
    poll_queries.lock_for_ballots for a burst's batch: realtime/ballot_writer.py), in order, each as
    cast_ballot would cast it after the ones before: its result, or the refusal that changed
    nothing. What the rules ask (received before, present, proxies, conflicts, already cast)
    is read for the whole list in a few queries and kept up to date in memory as each ballot
    is accepted; the accepted ones are written together, one statement per table."""
    outcomes: list[BallotResult | DomainError | None] = [None] * len(requests)
    parsed: list[tuple[int, User, Choice, str, str, Any]] = []
    for n, request in enumerate(requests):
        with speaking(request.language):
            try:
                user = permissions.require(request.actor, "ballot.cast")
                choice, client_id, reason = _parse_ballot(
                    poll.kind, request.choice, request.client_ballot_id, request.reason
                )
                parsed.append((n, user, choice, client_id, reason, request.for_member))
            except DomainError as refusal:
                outcomes[n] = refusal
    if parsed:
        batch = _Batch(db, poll, parsed)
        with db.no_autoflush:
            for n, user, choice, client_id, reason, for_member in parsed:
                with speaking(requests[n].language):
                    try:
                        outcomes[n] = batch.cast(user, choice, client_id, reason, for_member)
                    except DomainError as refusal:
                        outcomes[n] = refusal
        batch.write()
    return outcomes  # type: ignore[return-value]  # the loops above filled every slot


class _Batch:
    """What the rules of a list of ballots ask of one locked poll, read at once, and what the
    accepted ones write. The poll's lock keeps the rows read here current until the commit;
    presence and conflicts do not change in a ballot."""

    def __init__(self, db: Session, poll: Poll, parsed: list[tuple]) -> None:
        self.db, self.poll = db, poll
        voters = {user.id for _n, user, *_rest in parsed}
        client_ids = {client_id for _n, _u, _c, client_id, *_rest in parsed}
        names = {
            for_member
            for _n, user, *_rest, for_member in parsed
            if isinstance(for_member, str) and for_member not in ("", user.public_id)
        }
        represented: Iterable[User] = (
            db.scalars(select(User).where(User.public_id.in_(names))) if names else []
        )
        self.members = {member.public_id: member for member in represented}
        everyone = voters | {member.id for member in self.members.values()}
        present = select(Attendance.user_id).where(
            Attendance.meeting_id == poll.meeting_id,
            Attendance.user_id.in_(everyone),
            Attendance.present.is_(True),
        )
        self.present = set(db.scalars(present))
        conflicted = select(ConflictDeclaration.member_id).where(
            ConflictDeclaration.poll_id == poll.id, ConflictDeclaration.member_id.in_(everyone)
        )
        self.conflicted = set(db.scalars(conflicted))
        self._proxies: dict[bool, set[tuple[int, int]]] | None = None
        self.happened: list[tuple[User | None, str, dict]] = []
        self.votes: dict[Choice, int] = {}  # secret: the counters' increments
        self.new_ballots: dict[int, dict] = {}  # by the member voted for
        self.submissions: list[dict] = []
        self.new_participations: list[dict] = []
        if poll.kind == PollKind.SECRET:
            rows = db.execute(
                select(Participation.client_ballot_id, Participation.cast_for_id, User.public_id)
                .join(User, User.id == Participation.cast_for_id)
                .where(
                    Participation.poll_id == poll.id,
                    or_(
                        Participation.cast_for_id.in_(everyone),
                        Participation.client_ballot_id.in_(client_ids),
                    ),
                )
            ).all()
            self.participated = {row.cast_for_id for row in rows}
            self.participations = {
                row.client_ballot_id: (row.cast_for_id, row.public_id) for row in rows
            }
            self.count = poll_queries.participants(db, poll)
            return
        cast = select(Ballot).where(Ballot.poll_id == poll.id, Ballot.cast_for_id.in_(everyone))
        self.ballots: dict[int, Ballot | dict] = {b.cast_for_id: b for b in db.scalars(cast)}
        earlier = db.execute(
            select(
                BallotSubmission.voter_id,
                BallotSubmission.client_ballot_id,
                User.public_id,
                BallotSubmission.choice,
                BallotSubmission.changed,
            )
            .join(User, User.id == BallotSubmission.cast_for_id)
            .where(
                BallotSubmission.poll_id == poll.id,
                BallotSubmission.voter_id.in_(voters),
                BallotSubmission.client_ballot_id.in_(client_ids),
            )
        ).all()
        self.submitted = {
            (row.voter_id, row.client_ballot_id): BallotResult(
                poll.id, row.public_id, row.choice.value, True, row.changed
            )
            for row in earlier
        }

    def proxies(self, *, revoked: bool = False) -> set[tuple[int, int]]:
        """(giver, holder) of the meeting's proxies held now (`revoked`: ever held), asked only
        by a ballot by proxy or a repeat of another's secret ballot."""
        if self._proxies is None:
            rows = self.db.execute(
                select(Proxy.from_user_id, Proxy.to_user_id, Proxy.revoked_at).where(
                    Proxy.meeting_id == self.poll.meeting_id
                )
            ).all()
            self._proxies = {
                False: {(giver, holder) for giver, holder, gone in rows if gone is None},
                True: {(giver, holder) for giver, holder, _gone in rows},
            }
        return self._proxies[revoked]

    def _repeat(self, user: User, client_id: str) -> BallotResult | None:
        """The first answer to a ballot already received with this client id, if any."""
        if self.poll.kind == PollKind.NAMED:
            return self.submitted.get((user.id, client_id))
        if client_id not in self.participations:
            return None
        member_id, member = self.participations[client_id]
        if member_id != user.id and (member_id, user.id) not in self.proxies(revoked=True):
            raise InvalidState(_("This ballot identifier was already used."))
        return BallotResult(self.poll.id, member, None, True)

    def _target(self, user: User, for_member: Any) -> User:
        """Whose vote this is: the voter's own, or that of a member whose proxy the voter
        holds."""
        if for_member in (None, "", user.public_id):
            return user
        target = self.members.get(for_member) if isinstance(for_member, str) else None
        if target is None or (target.id, user.id) not in self.proxies():
            raise NotAllowed(_("You do not hold this member's proxy."))
        if target.id in self.present:
            raise InvalidState(_("This member is present and votes in person."))
        return target

    def cast(
        self, user: User, choice: Choice, client_id: str, reason: str, for_member: Any
    ) -> BallotResult:
        poll = self.poll
        repeated = self._repeat(user, client_id)
        if repeated is not None:
            return repeated
        if poll.state != PollState.OPEN:
            if poll.state == PollState.CLOSED:
                raise InvalidState(_("The poll is closed: the ballot was not counted."))
            raise InvalidState(_("The poll is not open yet."))
        if user.id not in self.present:
            raise InvalidState(_("Only members present at the meeting can vote."))
        target = self._target(user, for_member)
        if target.id in self.conflicted:
            raise InvalidState(_("A conflict of interest was declared: no ballot for this member."))
        if poll.kind == PollKind.SECRET:
            return self._secret(target, choice, client_id)
        ballot = self.ballots.get(target.id)
        changed = ballot is not None
        if ballot is None:
            self.ballots[target.id] = self.new_ballots[target.id] = {
                "poll_id": poll.id, "voter_id": user.id, "cast_for_id": target.id,
                "proxy_for_id": target.id if target.id != user.id else None,
                "choice": choice, "reason": reason, "client_ballot_id": client_id,
                "changed_at": None, "entered_by_id": None,
            }  # fmt: skip
        elif not poll.allow_change:
            self._refuse_again(ballot)
        else:  # the member's own ballot replaces one declared for them (declared_votes.py)
            again = {"choice": choice, "reason": reason, "changed_at": utcnow(),
                     "voter_id": user.id, "client_ballot_id": client_id,
                     "entered_by_id": None}  # fmt: skip
            if isinstance(ballot, dict):  # cast earlier in this batch
                ballot.update(again)
            else:
                for name, value in again.items():
                    setattr(ballot, name, value)
        self.submissions.append({"poll_id": poll.id, "voter_id": user.id, "changed": changed,
                                 "client_ballot_id": client_id, "cast_for_id": target.id,
                                 "choice": choice})  # fmt: skip
        proxy_data = {"for": target.public_id} if target.id != user.id else {}
        data = {"voter": user.public_id, **proxy_data, "choice": choice.value}
        kind = "ballot.changed" if changed else "ballot.cast"
        self.happened.append((user, kind, data | _reason_data(reason)))
        result = BallotResult(poll.id, target.public_id, choice.value, False, changed,
                              step=len(self.happened))  # fmt: skip
        self.submitted[(user.id, client_id)] = replace(result, repeated=True, step=None)
        return result

    def _refuse_again(self, ballot: Ballot | dict) -> None:
        """A second ballot where changes are not allowed; a vote declared aloud says by whom
        it was entered (appello nominale: declared_votes.py)."""
        entered_by = ballot.entered_by_id if isinstance(ballot, Ballot) else None
        if entered_by is not None:
            officer = self.db.get(User, entered_by)
            raise InvalidState(
                _("This vote was already declared aloud and entered by %(name)s: it cannot be "
                  "changed.", name=officer.name if officer else "")
            )  # fmt: skip
        raise InvalidState(_("This vote was already cast and cannot be changed."))

    def _secret(self, target: User, choice: Choice, client_id: str) -> BallotResult:
        """Participation and the counter move in one transaction; nothing ties the two. The
        record says only how many have voted, with no actor."""
        if target.id in self.participated:
            raise InvalidState(_("This vote was already cast: a secret ballot cannot be changed."))
        self.participated.add(target.id)
        self.participations[client_id] = (target.id, target.public_id)
        self.new_participations.append(
            {"poll_id": self.poll.id, "cast_for_id": target.id, "client_ballot_id": client_id}
        )
        self.votes[choice] = self.votes.get(choice, 0) + 1
        self.count += 1
        self.happened.append((None, "poll.participated", {"count": self.count}))
        return BallotResult(self.poll.id, target.public_id, None, False, step=len(self.happened))

    def write(self) -> None:
        """The accepted ballots' rows (one statement per table, the ids not read back),
        counters and record events."""
        for model, rows in ((Ballot, list(self.new_ballots.values())),
                            (BallotSubmission, self.submissions),
                            (Participation, self.new_participations)):  # fmt: skip
            if rows:
                self.db.execute(insert(model), rows)
        for choice, votes in self.votes.items():
            self.db.execute(
                update(SecretTally)
                .where(SecretTally.poll_id == self.poll.id, SecretTally.choice == choice)
                .values(count=SecretTally.count + votes)
            )
        poll_queries.events_of(self.db, self.poll, self.happened)
        self.db.flush()


def declare_conflict(db: Session, actor: User, poll_id: int) -> bool:
    """A member declares a conflict of interest and takes no part in the poll (recorded as
    such, not as an absence). Again changes nothing (False). Raises NotAllowed, NotFound,
    InvalidState (closed, already voted)."""
    user = permissions.require(actor, "ballot.cast")
    poll = poll_queries.lock(db, poll_id)
    if poll.state == PollState.CLOSED:
        raise InvalidState(_("This poll is closed."))
    if db.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.poll_id == poll.id, ConflictDeclaration.member_id == user.id
        )
    ):
        return False
    if poll_queries.has_voted(db, poll, user):
        raise InvalidState(_("You have already voted in this poll."))
    db.add(ConflictDeclaration(poll_id=poll.id, member_id=user.id))
    db.flush()
    poll_queries.event(db, poll, user, "poll.conflict_declared", {"member": user.public_id})
    return True
