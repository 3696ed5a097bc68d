"""The list of speakers (iscrizioni a parlare): requests, the floor, the speaking timer."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.meetings import attendance, meetings
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.models.base import utcnow
from council.models.meeting import (
    LIVE_STATES,
    Meeting,
    MeetingState,
    SpeakerKind,
    SpeakerRequest,
    SpeakerState,
)
from council.models.user import User

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEFAULT_LIMIT_S = 300
MIN_LIMIT_S, MAX_LIMIT_S = 30, 3600


def speaking_limit() -> int:
    return int(current_app.config.get("SPEAKING_LIMIT_S", DEFAULT_LIMIT_S))


def queue(db: Session, meeting: Meeting) -> list[SpeakerRequest]:
    """Waiting requests on the item under discussion, in the order they will speak."""
    if meeting.current_item_id is None:
        return []
    return list(
        db.scalars(
            select(SpeakerRequest)
            .where(
                SpeakerRequest.meeting_id == meeting.id,
                SpeakerRequest.item_id == meeting.current_item_id,
                SpeakerRequest.state == SpeakerState.WAITING,
            )
            .order_by(SpeakerRequest.position, SpeakerRequest.id)
        )
    )


def current(db: Session, meeting: Meeting) -> SpeakerRequest | None:
    return db.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.state == SpeakerState.SPEAKING
        )
    )


def _renumber(order: list[SpeakerRequest]) -> None:
    for position, row in enumerate(order):
        row.position = position


def _get(db: Session, meeting: Meeting, request_id: Any) -> SpeakerRequest:
    row = (
        db.get(SpeakerRequest, request_id)
        if isinstance(request_id, int) and not isinstance(request_id, bool)
        else None
    )
    if row is None or row.meeting_id != meeting.id:
        raise NotFound(_("This request to speak does not exist."))
    return row


def _require_live(meeting: Meeting) -> None:
    if meeting.state not in LIVE_STATES:
        raise InvalidState(_("The session is not in progress."))


def request(
    db: Session, actor: User, meeting_id: int, *, kind: Any, client_id: Any
) -> SpeakerRequest:
    """Ask for the floor on the item under discussion. A point of order (mozione d'ordine)
    goes to the top, after earlier points of order. A retried request (same client_id) is
    answered with the first one, applied once. Raises NotAllowed, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "speakers.request")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValidationError(_("The request is malformed."), field="client_id")
    try:
        kind = SpeakerKind(kind)
    except ValueError:
        raise ValidationError(_("Choose how you want to speak."), field="kind") from None
    meeting = meetings.lock(db, meeting_id)
    earlier = db.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.meeting_id == meeting.id,
            SpeakerRequest.user_id == user.id,
            SpeakerRequest.client_id == client_id,
        )
    )
    if earlier is not None:
        return earlier
    _require_live(meeting)
    if meeting.current_item_id is None:
        raise InvalidState(_("No agenda item is under discussion yet."))
    if user.id not in attendance.present_ids(db, meeting):
        raise InvalidState(_("Check in first: only members present can ask to speak."))
    waiting = queue(db, meeting)
    if any(r.user_id == user.id and r.kind == kind for r in waiting):
        raise InvalidState(_("You are already on the list for this item."))
    row = SpeakerRequest(
        meeting_id=meeting.id, item_id=meeting.current_item_id, user_id=user.id, kind=kind,
        client_id=client_id, requested_at=utcnow(),
    )  # fmt: skip
    db.add(row)
    if kind == SpeakerKind.POINT_OF_ORDER:
        at = sum(1 for r in waiting if r.kind == SpeakerKind.POINT_OF_ORDER)
        waiting.insert(at, row)
    else:
        waiting.append(row)
    _renumber(waiting)
    db.flush()
    meetings.changed(db, meeting, user, "speakers.requested", {
        "member": user.public_id, "kind": str(kind), "request": row.id,
        "item": row.item_id, "position": row.position + 1,
    })  # fmt: skip
    return row


def withdraw(db: Session, actor: User, meeting_id: int, request_id: Any) -> bool:
    """Take a waiting request off the list: its author, or the chair. Idempotent. Raises
    NotAllowed, NotFound, InvalidState."""
    user = permissions.as_user(actor)
    if user is None:
        raise NotAllowed(_("Log in to do this."))
    meeting = meetings.lock(db, meeting_id)
    row = _get(db, meeting, request_id)
    if row.user_id != user.id:
        permissions.require(user, "session.run")
    if row.state == SpeakerState.WITHDRAWN:
        return False
    if row.state != SpeakerState.WAITING:
        raise InvalidState(_("This request has already had the floor."))
    row.state = SpeakerState.WITHDRAWN
    db.flush()
    _renumber(queue(db, meeting))
    data = {"member": row.user.public_id, "request": row.id}
    if row.user_id != user.id:
        data["by"] = user.public_id
    meetings.changed(db, meeting, user, "speakers.withdrawn", data)
    return True


def end_current(db: Session, meeting: Meeting, actor: User | None) -> SpeakerRequest | None:
    """End whoever has the floor (recording how long they spoke); used by the chair's actions."""
    row = current(db, meeting)
    if row is None:
        return None
    now = utcnow()
    row.state = SpeakerState.DONE
    row.ended_at = now
    row.seconds = max(0, int((now - (row.started_at or now)).total_seconds()))
    db.flush()
    meetings.changed(db, meeting, actor, "speakers.floor_ended", {
        "member": row.user.public_id, "request": row.id, "seconds": row.seconds,
    })  # fmt: skip
    return row


def give_floor(
    db: Session, actor: User, meeting_id: int, request_id: Any, *, limit_s: Any = None
) -> bool:
    """The chair gives the floor to a waiting request (ending the current speaker) and starts
    its timer. Idempotent for the speaker who already has it. Raises NotAllowed, NotFound,
    InvalidState, ValidationError."""
    user = permissions.require(actor, "session.run")
    if limit_s is None:
        limit_s = speaking_limit()
    if (
        not isinstance(limit_s, int)
        or isinstance(limit_s, bool)
        or not MIN_LIMIT_S <= limit_s <= MAX_LIMIT_S
    ):
        raise ValidationError(
            _("The speaking time must be between %(a)d and %(b)d seconds.",
              a=MIN_LIMIT_S, b=MAX_LIMIT_S),
            field="limit_s",
        )  # fmt: skip
    meeting = meetings.lock(db, meeting_id)
    row = _get(db, meeting, request_id)
    if row.state == SpeakerState.SPEAKING:
        return False
    if meeting.state != MeetingState.IN_PROGRESS:
        raise InvalidState(
            _("The session is suspended.")
            if meeting.state == MeetingState.SUSPENDED
            else _("The session is not in progress.")
        )
    if row.state != SpeakerState.WAITING or row.item_id != meeting.current_item_id:
        raise InvalidState(_("This request is no longer waiting on the item under discussion."))
    end_current(db, meeting, user)
    row.state = SpeakerState.SPEAKING
    row.started_at = utcnow()
    row.limit_s = limit_s
    db.flush()
    _renumber(queue(db, meeting))
    meetings.changed(db, meeting, user, "speakers.floor_given", {
        "member": row.user.public_id, "request": row.id, "kind": str(row.kind),
        "limit_s": limit_s,
    })  # fmt: skip
    return True


def end_floor(db: Session, actor: User, meeting_id: int, request_id: Any) -> bool:
    """The chair ends an intervention. Idempotent once ended. Raises NotAllowed, NotFound,
    InvalidState."""
    user = permissions.require(actor, "session.run")
    meeting = meetings.lock(db, meeting_id)
    row = _get(db, meeting, request_id)
    if row.state == SpeakerState.DONE:
        return False
    if row.state != SpeakerState.SPEAKING:
        raise InvalidState(_("This member does not have the floor."))
    end_current(db, meeting, user)
    return True


def reorder(db: Session, actor: User, meeting_id: int, request_id: Any, position: Any) -> bool:
    """The chair moves a waiting request to `position` (1 = next to speak). Raises
    NotAllowed, NotFound, InvalidState, ValidationError."""
    user = permissions.require(actor, "session.run")
    if not isinstance(position, int) or isinstance(position, bool):
        raise ValidationError(_("Choose a position in the list."), field="position")
    meeting = meetings.lock(db, meeting_id)
    _require_live(meeting)
    row = _get(db, meeting, request_id)
    waiting = queue(db, meeting)
    if row not in waiting:
        raise InvalidState(_("This request is no longer waiting on the item under discussion."))
    position = max(1, min(position, len(waiting)))
    if waiting.index(row) + 1 == position:
        return False
    waiting.remove(row)
    waiting.insert(position - 1, row)
    _renumber(waiting)
    db.flush()
    meetings.changed(db, meeting, user, "speakers.reordered", {
        "member": row.user.public_id, "request": row.id, "position": position,
    })  # fmt: skip
    return True


def interventions(db: Session, meeting: Meeting) -> list[SpeakerRequest]:
    """Every intervention that had the floor, in order (for the page and the minutes)."""
    return list(
        db.scalars(
            select(SpeakerRequest)
            .where(
                SpeakerRequest.meeting_id == meeting.id,
                SpeakerRequest.started_at.is_not(None),
            )
            .order_by(SpeakerRequest.started_at, SpeakerRequest.id)
        )
    )
