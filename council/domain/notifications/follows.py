"""Following (seguire) a proposal, a zone or a topic, to be notified of what happens there.

Who follows what is a private preference: it is not written to the public record.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from council.db import rowcount
from council.domain import permissions
from council.errors import NotFound, ValidationError
from council.models.organisation import Zone
from council.models.proposal import Follow, FollowTarget, Proposal, Topic
from council.models.user import User

TARGET_MODELS: dict[FollowTarget, type[Proposal] | type[Zone] | type[Topic]] = {
    FollowTarget.PROPOSAL: Proposal,
    FollowTarget.ZONE: Zone,
    FollowTarget.TOPIC: Topic,
}


def _target(value: FollowTarget | str) -> FollowTarget:
    try:
        return FollowTarget(value)
    except ValueError:
        raise NotFound(_("Not found.")) from None


def _check_exists(db: Session, user: User, target: FollowTarget, target_id: int) -> None:
    obj = db.get(TARGET_MODELS[target], target_id) if isinstance(target_id, int) else None
    if obj is None:
        raise NotFound(_("Not found."))
    # A draft is visible only to those who may read it: others cannot even learn it exists.
    # (A proposal is public once submitted: the rule of proposal_queries.visible.)
    if (
        isinstance(obj, Proposal)
        and obj.submitted_at is None
        and not permissions.can(user, "proposal.read_draft", obj)
    ):
        raise NotFound(_("Not found."))


def is_following(
    db: Session, user: User | None, target: FollowTarget | str, target_id: int
) -> bool:
    person = permissions.as_user(user)
    if person is None:
        return False
    return (
        db.scalar(
            select(Follow.id).where(
                Follow.user_id == person.id,
                Follow.target == _target(target),
                Follow.target_id == target_id,
            )
        )
        is not None
    )


def add(db: Session, user: User, target: FollowTarget | str, target_id: int) -> Follow:
    """Make `user` follow the thing, without asking permissions.py: for operations that
    subscribe people themselves (the author follows their proposal). Idempotent, race-safe."""
    target = _target(target)
    query = select(Follow).where(
        Follow.user_id == user.id, Follow.target == target, Follow.target_id == target_id
    )
    existing = db.scalar(query)
    if existing is not None:
        return existing
    row = Follow(user_id=user.id, target=target, target_id=target_id)
    try:
        with db.begin_nested():  # a concurrent identical request may have won the race
            db.add(row)
    except IntegrityError:
        return db.scalars(query).one()
    return row


def follow(db: Session, actor: User, target: FollowTarget | str, target_id: int) -> Follow:
    """Follow a proposal, zone or topic; following twice is the same as once.

    Raises NotAllowed (the public), NotFound (no such thing, or a draft one may not read).
    """
    user = permissions.require(actor, "follow")
    target = _target(target)
    _check_exists(db, user, target, target_id)
    return add(db, user, target, target_id)


def unfollow(db: Session, actor: User, target: FollowTarget | str, target_id: int) -> bool:
    """Stop following; True if something was followed. Raises NotAllowed for the public."""
    user = permissions.require(actor, "follow")
    result = db.execute(
        delete(Follow).where(
            Follow.user_id == user.id,
            Follow.target == _target(target),
            Follow.target_id == target_id,
        )
    )
    return bool(rowcount(result))


def followed_ids(db: Session, user: User, target: FollowTarget | str) -> set[int]:
    return set(
        db.scalars(
            select(Follow.target_id).where(
                Follow.user_id == user.id, Follow.target == _target(target)
            )
        )
    )


def set_followed(
    db: Session, actor: User, target: FollowTarget | str, target_ids: Iterable[int], *, field: str
) -> tuple[set[int], set[int]]:
    """Make the zones (or topics) one follows exactly `target_ids`; returns (added, removed).

    Raises ValidationError on `field` when an id names nothing.
    """
    user = permissions.require(actor, "follow")
    target = _target(target)
    if target == FollowTarget.PROPOSAL:
        raise ValueError("proposals are followed one by one")
    wanted = set(target_ids)
    model = TARGET_MODELS[target]
    known = set(db.scalars(select(model.id).where(model.id.in_(wanted)))) if wanted else set()
    if known != wanted:
        raise ValidationError(_("Choose among the options shown."), field=field)
    current = followed_ids(db, user, target)
    for target_id in sorted(wanted - current):
        follow(db, user, target, target_id)
    for target_id in sorted(current - wanted):
        unfollow(db, user, target, target_id)
    return wanted - current, current - wanted
