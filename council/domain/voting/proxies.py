"""Proxies (deleghe): a member delegates the vote for one meeting to a member present."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.meetings import attendance, meetings
from council.errors import InvalidState, NotFound, ValidationError
from council.models.base import utcnow
from council.models.meeting import Meeting, MeetingState, Proxy
from council.models.poll import Poll, PollState
from council.models.user import AccountStatus, Role, User

OPEN_STATES = frozenset({MeetingState.CONVENED, MeetingState.IN_PROGRESS, MeetingState.SUSPENDED})


def max_per_member() -> int:
    return int(current_app.config.get("MAX_PROXIES_PER_MEMBER", 1))


def active(db: Session, meeting: Meeting) -> list[Proxy]:
    return list(
        db.scalars(
            select(Proxy)
            .where(Proxy.meeting_id == meeting.id, Proxy.revoked_at.is_(None))
            .order_by(Proxy.granted_at, Proxy.id)
        )
    )


def grant(db: Session, actor: User, meeting_id: int, to: Any) -> bool:
    """Delegate one's vote for this meeting to a present member. Granting the same proxy
    again changes nothing. No chains: a delegator holds none, a holder delegates not; a member
    holds at most MAX_PROXIES_PER_MEMBER. Raises NotAllowed, NotFound, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "proxy.grant")
    if not isinstance(to, str) or not to:
        raise ValidationError(_("Choose the member who will vote for you."), field="to")
    meeting = meetings.lock(db, meeting_id)
    holder = db.scalar(select(User).where(User.public_id == to))
    if holder is None or holder.status != AccountStatus.ACTIVE or not holder.has_role(Role.MEMBER):
        raise NotFound(_("This member does not exist."))
    if meeting.state not in OPEN_STATES:
        raise InvalidState(_("Proxies can be given only for a convened meeting not yet closed."))
    if holder.id == user.id:
        raise ValidationError(_("You cannot delegate to yourself."), field="to")
    proxies = active(db, meeting)
    mine = next((p for p in proxies if p.from_user_id == user.id), None)
    if mine is not None:
        if mine.to_user_id == holder.id:
            return False
        raise InvalidState(_("You have already delegated your vote: revoke that proxy first."))
    if any(p.to_user_id == user.id for p in proxies):
        raise InvalidState(_("You hold a proxy: a delegate cannot delegate in turn."))
    if any(p.from_user_id == holder.id for p in proxies):
        raise InvalidState(_("This member has delegated their own vote and cannot hold one."))
    if holder.id not in attendance.present_ids(db, meeting):
        raise InvalidState(_("You can delegate only to a member present at the meeting."))
    if sum(1 for p in proxies if p.to_user_id == holder.id) >= max_per_member():
        raise InvalidState(_("This member already holds as many proxies as allowed."))
    db.add(Proxy(meeting_id=meeting.id, from_user_id=user.id, to_user_id=holder.id))
    db.flush()
    meetings.changed(db, meeting, user, "proxy.granted",
                     {"from": user.public_id, "to": holder.public_id})  # fmt: skip
    return True


def revoke(db: Session, actor: User, meeting_id: int) -> bool:
    """Take one's proxy back, until the meeting's first poll opens: from then on the proxies
    of the meeting are fixed (a member who comes back votes in person all the same).
    Idempotent. Raises NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "proxy.grant")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState(_("The meeting is closed."))
    proxy = db.scalar(
        select(Proxy).where(
            Proxy.meeting_id == meeting.id,
            Proxy.from_user_id == user.id,
            Proxy.revoked_at.is_(None),
        )
    )
    if proxy is None:
        return False
    if db.scalar(
        select(Poll.id)
        .where(Poll.meeting_id == meeting.id, Poll.state != PollState.PREPARED)
        .limit(1)
    ):
        raise InvalidState(
            _("A vote has opened in this meeting: the proxy can no longer be revoked.")
        )
    proxy.revoked_at = utcnow()
    db.flush()
    meetings.changed(db, meeting, user, "proxy.revoked",
                     {"from": user.public_id, "to": proxy.to_user.public_id})  # fmt: skip
    return True
