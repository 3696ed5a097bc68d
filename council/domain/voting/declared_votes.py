"""Votes declared aloud (appello nominale / voto dichiarato a voce).

In a named poll the chair or the secretary records the vote that a member present declares
aloud, for a member who votes without a device. The vote is the member's own: it is a ballot
like any other (one per member per poll, the same database constraint), cast for the member,
and it names the officer who entered it (`Ballot.entered_by_id`; `entered_by` in the record
event). The rules, as a council secretary expects them:

- named polls only: a secret vote is never said aloud;
- the member is present, or absent and represented by a present member holding their proxy
  (the holder declares the vote for them: it is recorded as the holder's, by proxy, as if
  cast from the holder's phone); a member who declared a conflict of interest has no vote;
- exactly once, both ways: a member who already voted from their own device is refused a
  declaration (even when changes are allowed: only they change their vote), and a member
  whose vote was declared is refused their own later ballot — unless the chair allowed
  changes, and then their own ballot replaces the declared one (it is their vote); a
  declared vote may be corrected by a new declaration while changes are allowed;
- a repeat with the same client id (per officer) answers the first result and changes
  nothing, as for ballots.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.meetings import attendance
from council.domain.voting import poll_queries
from council.domain.voting.ballots import BallotResult, _parse_ballot
from council.errors import InvalidState, NotFound
from council.models.base import utcnow
from council.models.meeting import Proxy
from council.models.poll import (
    Ballot,
    BallotSubmission,
    ConflictDeclaration,
    PollKind,
    PollState,
)
from council.models.user import Role, User


def _member(db: Session, public_id: Any) -> User:
    member = (
        db.scalar(select(User).where(User.public_id == public_id))
        if isinstance(public_id, str) and public_id
        else None
    )
    if member is None or not member.is_active or not member.has_role(Role.MEMBER):
        raise NotFound(_("This person is not a member of the council."))
    return member


def _voter(db: Session, poll, member: User) -> User:
    """Who casts the member's vote: the member, present; or the present holder of the
    absent member's proxy."""
    present = attendance.present_ids(db, poll.meeting)
    if member.id in present:
        return member
    holder_id = db.scalar(
        select(Proxy.to_user_id).where(
            Proxy.meeting_id == poll.meeting_id,
            Proxy.from_user_id == member.id,
            Proxy.revoked_at.is_(None),
        )
    )
    if holder_id is None or holder_id not in present:
        raise InvalidState(
            _("%(name)s is not present: only a member present can declare a vote aloud.",
              name=member.name)
        )  # fmt: skip
    return db.get_one(User, holder_id)


def declare_vote(
    db: Session, actor: Any, poll_id: int, member: Any, choice: Any, client_id: Any
) -> BallotResult:
    """Record the vote `member` (a public id) declares aloud. Raises NotAllowed (not the chair
    or the secretary), NotFound (no such poll or member), InvalidState (a secret poll, not
    open, absent, conflict declared, already voted), ValidationError (choice, client id)."""
    officer = permissions.require(actor, "ballot.declare")
    poll = poll_queries.lock_for_ballots(db, poll_id)  # meeting (shared) then poll, as every ballot
    if poll.kind == PollKind.SECRET:
        raise InvalidState(
            _("A secret vote cannot be declared aloud: each member casts it from their device.")
        )
    choice, client_id, _reason = _parse_ballot(poll.kind, choice, client_id, None)
    earlier = db.execute(
        select(BallotSubmission.choice, BallotSubmission.changed, User.public_id)
        .join(User, User.id == BallotSubmission.cast_for_id)
        .where(
            BallotSubmission.poll_id == poll.id,
            BallotSubmission.voter_id == officer.id,
            BallotSubmission.client_ballot_id == client_id,
        )
    ).first()
    if earlier is not None:
        return BallotResult(poll.id, earlier.public_id, earlier.choice.value, True, earlier.changed)
    if poll.state != PollState.OPEN:
        if poll.state == PollState.CLOSED:
            raise InvalidState(_("The poll is closed: the ballot was not counted."))
        raise InvalidState(_("The poll is not open yet."))
    target = _member(db, member)
    voter = _voter(db, poll, target)
    if db.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.poll_id == poll.id, ConflictDeclaration.member_id == target.id
        )
    ):
        raise InvalidState(
            _("%(name)s declared a conflict of interest: no vote for this member.",
              name=target.name)
        )  # fmt: skip
    ballot = db.scalar(
        select(Ballot).where(Ballot.poll_id == poll.id, Ballot.cast_for_id == target.id)
    )
    changed = ballot is not None
    if ballot is None:
        ballot = Ballot(
            poll_id=poll.id, voter_id=voter.id, cast_for_id=target.id,
            proxy_for_id=target.id if voter.id != target.id else None, choice=choice,
            reason="", client_ballot_id=client_id, entered_by_id=officer.id,
        )  # fmt: skip
        db.add(ballot)
    elif not poll.allow_change:
        raise InvalidState(
            _("%(name)s has already voted: a vote counts once and cannot be changed.",
              name=target.name)
        )  # fmt: skip
    elif ballot.entered_by_id is None:
        raise InvalidState(
            _("%(name)s has already voted from a device: only whoever cast that vote can "
              "change it.", name=target.name)
        )  # fmt: skip
    else:
        ballot.choice, ballot.client_ballot_id, ballot.changed_at = choice, client_id, utcnow()
        ballot.voter_id, ballot.entered_by_id = voter.id, officer.id
    db.add(
        BallotSubmission(
            poll_id=poll.id, voter_id=officer.id, client_ballot_id=client_id,
            cast_for_id=target.id, choice=choice, changed=changed,
        )
    )  # fmt: skip
    db.flush()
    proxy = {"for": target.public_id} if voter.id != target.id else {}
    data = {"voter": voter.public_id, **proxy, "choice": choice.value,
            "entered_by": officer.public_id}  # fmt: skip
    poll_queries.event(db, poll, officer, "ballot.changed" if changed else "ballot.cast", data)
    return BallotResult(poll.id, target.public_id, choice.value, False, changed)


def waiting(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Whose vote may still be declared in the snapshot's open named poll, by name: the
    members present and the absent ones represented by a present holder (`by`), less those
    whose vote is cast and those who declared a conflict. Empty without such a poll."""
    poll = snapshot.get("poll")
    if not poll or poll["state"] != "open" or poll["kind"] != "named":
        return []
    present = {person["id"]: person for person in snapshot["attendance"]["present"]}
    done = {ballot["member"]["id"] for ballot in poll["ballots"]}
    done |= {person["id"] for person in poll["conflicts"]}
    people = [{"member": person, "by": None} for person in present.values()]
    people += [
        {"member": proxy["from"], "by": proxy["to"]}
        for proxy in snapshot["proxies"]
        if proxy["to"]["id"] in present and proxy["from"]["id"] not in present
    ]
    people = [p for p in people if p["member"]["id"] not in done]
    return sorted(people, key=lambda p: (p["member"]["name"], p["member"]["id"]))
