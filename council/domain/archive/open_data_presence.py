"""Who did not vote in a closed named poll, for the open data (Popolo): each member of the
council who neither voted nor was represented by proxy, nor declared a conflict of interest,
was either in the room at the close (present, not voting) or not (absent). Two queries for a
page of polls, whatever its size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from council.models.meeting import Attendance, AttendanceInterval
from council.models.poll import Poll
from council.models.user import AccountStatus, CouncilGroup, Role, User, UserRole


@dataclass(frozen=True)
class Member:
    id: int
    public_id: str
    name: str
    council_group: CouncilGroup | None


@dataclass
class Missing:
    """The members of the council, at the poll's close, whose vote is not in it."""

    absent: list[Member] = field(default_factory=list)
    present_not_voting: list[Member] = field(default_factory=list)


def missing(db: Session, polls: Iterable[Poll], voted: dict[int, set[int]]) -> dict[int, Missing]:
    """For each closed poll: `voted[poll.id]` holds the ids of the members whose vote was cast
    (themselves or by proxy) or who declared a conflict. The council is its active members
    whose account existed at the close."""
    polls = [poll for poll in polls if poll.closed_at is not None]
    if not polls:
        return {}
    members = db.execute(
        select(User.id, User.public_id, User.name, User.council_group, User.created_at)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.MEMBER, User.status == AccountStatus.ACTIVE)
        .order_by(User.name, User.id)
    ).all()
    spans = db.execute(
        select(Attendance.meeting_id, Attendance.user_id, AttendanceInterval.checked_in_at,
               AttendanceInterval.checked_out_at)
        .join(AttendanceInterval, AttendanceInterval.attendance_id == Attendance.id)
        .where(Attendance.meeting_id.in_({poll.meeting_id for poll in polls}))
    ).all()  # fmt: skip
    found = {}
    for poll in polls:
        closed = poll.closed_at
        assert closed is not None  # the others were left out above
        in_room = {
            user_id
            for meeting_id, user_id, came, left in spans
            if meeting_id == poll.meeting_id and came <= closed and (left is None or left > closed)
        }
        result = Missing()
        for user_id, public_id, name, group, created in members:
            if created > closed or user_id in voted.get(poll.id, set()):
                continue
            member = Member(user_id, public_id, name, group)
            (result.present_not_voting if user_id in in_room else result.absent).append(member)
        found[poll.id] = result
    return found
