"""Attendance (presenze) at a meeting and the quorum (numero legale) computed from it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.meetings import meetings
from council.errors import InvalidState, NotFound
from council.models.base import utcnow
from council.models.meeting import (
    LIVE_STATES,
    Attendance,
    AttendanceInterval,
    Meeting,
    MeetingState,
)
from council.models.user import AccountStatus, Role, User

# Members may check in from this long before the announced start.
CHECK_IN_OPENS = timedelta(hours=1)


def quorum_needed(members: int) -> int:
    """The council's rule for the numero legale: more than half of the members."""
    return members // 2 + 1


def has_quorum(present: int, members: int) -> bool:
    return members > 0 and present >= quorum_needed(members)


def present_count(db: Session, meeting: Meeting) -> int:
    return len(present_ids(db, meeting))


def present_ids(db: Session, meeting: Meeting) -> set[int]:
    return set(
        db.scalars(
            select(Attendance.user_id).where(
                Attendance.meeting_id == meeting.id, Attendance.present.is_(True)
            )
        )
    )


def presence(meeting_id: int, user_id: int) -> Select:
    """The attendance row of this person if checked in now (one indexed lookup, for the
    ballot's path, which asks it together with its other questions: ballots.py)."""
    return select(Attendance.id).where(
        Attendance.meeting_id == meeting_id,
        Attendance.user_id == user_id,
        Attendance.present.is_(True),
    )


def is_present(db: Session, meeting_id: int, user_id: int) -> bool:
    """Whether this person is checked in now."""
    return db.scalar(presence(meeting_id, user_id)) is not None


def _row(db: Session, meeting: Meeting, user: User) -> Attendance | None:
    return db.scalar(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == user.id)
    )


def _open_interval(row: Attendance) -> AttendanceInterval | None:
    return next((i for i in row.intervals if i.checked_out_at is None), None)


def is_open(meeting: Meeting) -> bool:
    """Whether members can check in now: the session open, or convened and starting within
    the hour."""
    if meeting.state in LIVE_STATES:
        return True
    return meeting.state == MeetingState.CONVENED and utcnow() >= meeting.starts_at - CHECK_IN_OPENS


def _check_open(meeting: Meeting) -> None:
    if is_open(meeting):
        return
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState(_("The meeting is closed."))
    raise InvalidState(_("Attendance opens one hour before the meeting starts."))


def _target(db: Session, actor: Any, member_public_id: Any) -> tuple[User, User, User | None]:
    """(acting user, who is checked in or out, who marked them if not themself): the actor,
    or the member named, when the actor is the secretary or the chair."""
    user = permissions.as_user(actor)
    if member_public_id in (None, "") or (user and member_public_id == user.public_id):
        user = permissions.require(actor, "attendance.self")
        return user, user, None
    user = permissions.require(actor, "attendance.manage")
    member = (
        db.scalar(select(User).where(User.public_id == member_public_id))
        if isinstance(member_public_id, str)
        else None
    )
    if member is None or member.status != AccountStatus.ACTIVE:
        raise NotFound(_("This member does not exist."))
    if not member.has_role(Role.MEMBER):
        raise InvalidState(_("Only council members take part in the attendance."))
    return user, member, user


def check_in(db: Session, actor: User, meeting_id: int, member: Any = None) -> bool:
    """Mark a member present (themself, or by the secretary or chair). Idempotent: checking in
    twice keeps one row and records nothing more. Returns whether anything changed.
    Raises NotAllowed, NotFound, InvalidState."""
    user, target, by = _target(db, actor, member)
    meeting = meetings.lock(db, meeting_id)
    _check_open(meeting)
    return _enter(db, meeting, user, target, by)


def check_in_opener(db: Session, meeting: Meeting, user: User) -> bool:
    """The chair who opens the session is in the room: checked in with the opening, in its
    transaction and before it (present at the opening), if a council member and not present
    yet. Recorded like any check-in. Returns whether anything changed."""
    if not permissions.can(user, "attendance.self"):
        return False
    return _enter(db, meeting, user, user, None)


def _enter(db: Session, meeting: Meeting, user: User, target: User, by: User | None) -> bool:
    row = _row(db, meeting, target)
    if row is not None and row.present:
        return False
    now = utcnow()
    if row is None:
        row = Attendance(meeting_id=meeting.id, user_id=target.id, first_in_at=now)
        db.add(row)
    row.present = True
    row.intervals.append(AttendanceInterval(checked_in_at=now, in_by_id=by.id if by else None))
    db.flush()
    data = {"member": target.public_id}
    if by is not None:
        data["by"] = by.public_id
    meetings.changed(db, meeting, user, "attendance.checked_in", data)
    return True


def already_present(db: Session, actor: User, meeting_id: Any, member: Any = None) -> bool:
    """Whether check_in would change nothing, the member being present already: read without
    a lock or a write transaction, so that a check-in sent again (a phone reconnecting, or a
    flood) costs no meeting lock. Raises what check_in raises for who may not do it."""
    _user, target, _by = _target(db, actor, member)
    return isinstance(meeting_id, int) and is_present(db, meeting_id, target.id)


def check_out(db: Session, actor: User, meeting_id: int, member: Any = None) -> bool:
    """Mark a member gone. Idempotent. Returns whether anything changed. Raises NotAllowed,
    NotFound, InvalidState."""
    user, target, by = _target(db, actor, member)
    meeting = meetings.lock(db, meeting_id)
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState(_("The meeting is closed."))
    row = _row(db, meeting, target)
    if row is None or not row.present:
        return False
    row.present = False
    interval = _open_interval(row)
    if interval is not None:
        interval.checked_out_at = utcnow()
        interval.out_by_id = by.id if by else None
    db.flush()
    data = {"member": target.public_id}
    if by is not None:
        data["by"] = by.public_id
    meetings.changed(db, meeting, user, "attendance.checked_out", data)
    return True


def close_all(db: Session, meeting: Meeting, now: datetime | None = None) -> int:
    """At the close of the session every open interval ends, at `now` (the meeting.closed
    event says so); returns how many members were still present."""
    now = now or utcnow()
    rows = list(
        db.scalars(
            select(Attendance).where(
                Attendance.meeting_id == meeting.id, Attendance.present.is_(True)
            )
        )
    )
    for row in rows:
        row.present = False
        interval = _open_interval(row)
        if interval is not None:
            interval.checked_out_at = now
    db.flush()
    return len(rows)


def history(db: Session, meeting: Meeting) -> list[tuple[User, list[AttendanceInterval]]]:
    """Who was present when, for the page of a past meeting and the minutes."""
    rows = db.scalars(
        select(Attendance)
        .where(Attendance.meeting_id == meeting.id)
        .join(User, User.id == Attendance.user_id)
        .order_by(User.name, User.id)
    )
    return [(row.user, list(row.intervals)) for row in rows]
