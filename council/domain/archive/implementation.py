"""The implementation status (stato di attuazione) of approved decisions: the secretariat
posts dated updates (state, progress 0-100, what was done); the public reads, per decision
and as a list, what was decided and what was done since. Each update is recorded as
`implementation.updated` with the SHA-256 of its text."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from council import markdown, plain_text, public_paths
from council.domain import permissions
from council.domain.notifications import notifications
from council.domain.record import record
from council.errors import InvalidState, NotFound, ValidationError
from council.models.archive import Implementation, ImplementationState, ImplementationUpdate
from council.models.base import utcnow
from council.models.poll import Decision
from council.models.proposal import FollowTarget
from council.models.user import User

MIN_TEXT, MAX_TEXT = 5, 5_000
# The progress a state implies, where it implies one.
FIXED_PROGRESS = {ImplementationState.NOT_STARTED: 0, ImplementationState.COMPLETED: 100}


def of_decision(db: Session, decision: Decision) -> Implementation | None:
    return db.get(Implementation, decision.id)


def updates(db: Session, decision: Decision) -> list[ImplementationUpdate]:
    """The decision's updates, oldest first, with their authors."""
    return list(
        db.scalars(
            select(ImplementationUpdate)
            .where(ImplementationUpdate.decision_id == decision.id)
            .order_by(ImplementationUpdate.id)
            .options(selectinload(ImplementationUpdate.author))
        )
    )


def can_have(decision: Decision) -> bool:
    """Only an approved decision has something to implement."""
    return bool(decision.poll.approved)


def _state(value: Any) -> ImplementationState:
    try:
        return ImplementationState(value)
    except ValueError:
        raise ValidationError(_("Choose one of the states."), field="state") from None


def _progress(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise ValidationError(_("The progress is a number from 0 to 100."), field="progress")
    return value


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    text = plain_text.clean(text).strip()
    if len(text) < MIN_TEXT:
        raise ValidationError(_("Say what was done (at least 5 characters)."), field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long (at most 5,000 characters)."), field="text")
    markdown.check(text, "text")
    return text


def post_update(
    db: Session, actor: User, decision_id: Any, *, state: Any, progress: Any, text: Any
) -> ImplementationUpdate:
    """A dated update of an approved decision's implementation. A completed implementation is
    at 100%, one not yet started at 0%. Raises NotAllowed, NotFound, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "implementation.update")
    decision = (
        db.scalar(select(Decision).where(Decision.id == decision_id).with_for_update())
        if isinstance(decision_id, int) and not isinstance(decision_id, bool)
        else None
    )
    if decision is None:
        raise NotFound(_("This decision does not exist."))
    if not can_have(decision):
        raise InvalidState(_("A rejected decision has nothing to implement."))
    state, progress, text = _state(state), _progress(progress), _text(text)
    fixed = FIXED_PROGRESS.get(state)
    if fixed is not None and progress != fixed:
        raise ValidationError(
            _("With this state the progress is %(num)d%%.", num=fixed), field="progress"
        )
    now = utcnow()
    current = _current(db, decision, state, progress)
    current.state, current.progress, current.updated_at = state, progress, now
    current.update_count += 1
    update = ImplementationUpdate(decision_id=decision.id, state=state, progress=progress,
                                  text=text, author_id=user.id, created_at=now)  # fmt: skip
    db.add(update)
    db.flush()
    record.append(
        db, kind="implementation.updated", actor=user, subject=f"decision:{decision.id}",
        data={"number": decision.number, "state": str(state), "progress": progress,
              "text_sha256": plain_text.sha256(text)},
    )  # fmt: skip
    if decision.proposal is not None:
        proposal = decision.proposal
        notifications.notify(
            db, notifications.followers(db, FollowTarget.PROPOSAL, proposal.id),
            kind="implementation_updated", subject=f"decision:{decision.id}",
            url=public_paths.decision(decision, "implementation"),
            params={"title": proposal.title, "state": str(state), "progress": progress},
            actor=user,
        )  # fmt: skip
    return update


def _current(db: Session, decision: Decision, state, progress) -> Implementation:
    """The decision's status row, locked, created on the first update (race-safe: the decision's
    row lock already serialises its updates; the primary key settles any other writer)."""
    found = db.get(Implementation, decision.id, with_for_update=True, populate_existing=True)
    if found is not None:
        return found
    found = Implementation(decision_id=decision.id, state=state, progress=progress,
                           update_count=0)  # fmt: skip
    try:
        with db.begin_nested():
            db.add(found)
    except IntegrityError:
        found = db.get(Implementation, decision.id, with_for_update=True, populate_existing=True)
        if found is None:
            raise InvalidState(_("The update could not be saved: try again.")) from None
    return found


def latest_updates(db: Session, decision_ids: list[int]) -> dict[int, ImplementationUpdate]:
    """The latest update of each of these decisions that has one."""
    if not decision_ids:
        return {}
    latest = (
        select(func.max(ImplementationUpdate.id))
        .where(ImplementationUpdate.decision_id.in_(decision_ids))
        .group_by(ImplementationUpdate.decision_id)
    )
    rows = db.scalars(select(ImplementationUpdate).where(ImplementationUpdate.id.in_(latest)))
    return {row.decision_id: row for row in rows}
