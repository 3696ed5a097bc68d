"""The live session: the chair opens, suspends, resumes and closes it and moves through the
agenda; `state()` builds the one snapshot that pages, joins and broadcasts all use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from council.db import shared
from council.domain import permissions
from council.domain.meetings import attendance, meetings, opening, speakers
from council.domain.record.record import format_at
from council.domain.voting import live_polls
from council.errors import InvalidState
from council.models.base import utcnow
from council.models.meeting import (
    LIVE_STATES,
    AgendaItem,
    Attendance,
    AttendanceInterval,
    Meeting,
    MeetingState,
    Proxy,
    SpeakerRequest,
    SpeakerState,
)
from council.models.proposal import Proposal
from council.models.user import User


def _quorum_data(db: Session, meeting: Meeting) -> dict[str, Any]:
    present = attendance.present_count(db, meeting)
    members = meetings.member_count(db)
    return {
        "present": present,
        "members": members,
        "quorum_needed": attendance.quorum_needed(members),
        "quorum": attendance.has_quorum(present, members),
    }


def open_session(db: Session, actor: User, meeting_id: int) -> Meeting:
    """Open the session of a convened meeting (from one hour before its start); the chair who
    opens it, a member, is checked in with it. Raises NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "session.run")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state in LIVE_STATES:
        raise InvalidState(_("The session is already open."))
    if meeting.state != MeetingState.CONVENED:
        raise InvalidState(_("Only a convened meeting can be opened."))
    if utcnow() < opening.session_opens_at(meeting.starts_at):
        raise InvalidState(_("The session can be opened from one hour before the start."))
    attendance.check_in_opener(db, meeting, user)
    meeting.state = MeetingState.IN_PROGRESS
    meeting.opened_at = utcnow()
    meetings.changed(db, meeting, user, "meeting.opened", _quorum_data(db, meeting))
    return meeting


def suspend(db: Session, actor: User, meeting_id: int) -> Meeting:
    """Suspend the session (the speaker, if any, stops). Raises NotAllowed, NotFound,
    InvalidState."""
    user = permissions.require(actor, "session.run")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state != MeetingState.IN_PROGRESS:
        raise InvalidState(_("Only a session in progress can be suspended."))
    speakers.end_current(db, meeting, user)
    meeting.state = MeetingState.SUSPENDED
    meetings.changed(db, meeting, user, "meeting.suspended", {})
    return meeting


def resume(db: Session, actor: User, meeting_id: int) -> Meeting:
    """Raises NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "session.run")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state != MeetingState.SUSPENDED:
        raise InvalidState(_("Only a suspended session can be resumed."))
    meeting.state = MeetingState.IN_PROGRESS
    meetings.changed(db, meeting, user, "meeting.resumed", _quorum_data(db, meeting))
    return meeting


def close(db: Session, actor: User, meeting_id: int) -> Meeting:
    """Close the session: the speaker stops, every attendance interval ends. Raises
    NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "session.run")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state not in LIVE_STATES:
        raise InvalidState(_("Only an open session can be closed."))
    speakers.end_current(db, meeting, user)
    meeting.closed_at = utcnow()
    # the intervals end at the close's own moment: the snapshot finds who was there by it
    present = attendance.close_all(db, meeting, meeting.closed_at)
    meeting.state = MeetingState.CLOSED
    meeting.current_item_id = None
    meetings.changed(db, meeting, user, "meeting.closed", {"present_at_close": present})
    return meeting


def move_to(db: Session, actor: User, meeting_id: int, item_id: Any) -> bool:
    """Bring an agenda item under discussion (the speaker, if any, stops). Idempotent for the
    current item. Raises NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "session.run")
    meeting = meetings.lock(db, meeting_id)
    item = meetings.item_of(meeting, item_id)
    if meeting.state != MeetingState.IN_PROGRESS:
        raise InvalidState(_("The session is not in progress."))
    if meeting.current_item_id == item.id:
        return False
    speakers.end_current(db, meeting, user)
    meeting.current_item_id = item.id
    if item.started_at is None:
        item.started_at = utcnow()
    meetings.changed(db, meeting, user, "agenda.item_started",
                     {"item": item.id, "number": item.position + 1})  # fmt: skip
    return True


# --- the snapshot -----------------------------------------------------------------------------


def _person(public_id: str, name: str) -> dict[str, str]:
    return {"id": public_id, "name": name}


def _proxies() -> Select:
    """The meeting's active proxies (parameter `meeting`), as granted: giver, holder."""
    giver, holder = aliased(User, name="giver"), aliased(User, name="holder")
    return (
        select(giver.public_id, giver.name, holder.public_id, holder.name)
        .select_from(Proxy)
        .join(giver, giver.id == Proxy.from_user_id)
        .join(holder, holder.id == Proxy.to_user_id)
        .where(Proxy.meeting_id == bindparam("meeting"), Proxy.revoked_at.is_(None))
        .order_by(Proxy.granted_at, Proxy.id)
    )


# Made once, whole (a new alias per snapshot costs SQLAlchemy ~2 ms to adapt its columns,
# bench/README.md); council.db.shared says why whole.
PROXIES = shared(_proxies())


# Meetings closed before close() ended the intervals at the close's own moment had them ended
# a few milliseconds earlier: for those, an interval ended this close to the close ended with
# it, as the minutes read it (minutes_text.WITH_THE_CLOSE).
CLOSE_WINDOW = timedelta(seconds=2)


def _present_at_close(db: Session, meeting: Meeting) -> list[dict[str, str]]:
    """Who was present when the session closed, sorted by name: those whose interval close()
    ended, at the close's own moment (or, for a meeting closed before it did so, within
    CLOSE_WINDOW of it)."""
    if meeting.closed_at is None:
        return []
    rows = db.execute(
        select(User.public_id, User.name, AttendanceInterval.checked_out_at)
        .join(Attendance, Attendance.user_id == User.id)
        .join(AttendanceInterval, AttendanceInterval.attendance_id == Attendance.id)
        .where(
            Attendance.meeting_id == meeting.id,
            AttendanceInterval.checked_out_at.between(
                meeting.closed_at - CLOSE_WINDOW, meeting.closed_at
            ),
        )
        .order_by(User.name, User.public_id)
    ).all()
    exact = [row for row in rows if row.checked_out_at == meeting.closed_at]
    people = {row.public_id: row.name for row in exact or rows}
    return [_person(public_id, name) for public_id, name in people.items()]


def state(db: Session, meeting: Meeting) -> dict[str, Any]:
    """The full live state of a meeting (everything but presence, which the realtime layer
    adds), versioned by live_polls.version (the meeting's counter plus its polls'). A fixed
    handful of queries, whatever the size."""
    rows = db.execute(
        select(AgendaItem, Proposal.title)
        .outerjoin(Proposal, Proposal.id == AgendaItem.proposal_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    agenda = [
        {
            "id": item.id,
            "number": number,
            "title": item.title,
            "proposal": {"id": item.proposal_id, "title": title} if item.proposal_id else None,
            "changed": item.changed_after_convocation,
            "outcome": item.outcome,
            "current": item.id == meeting.current_item_id,
        }
        for number, (item, title) in enumerate(rows, start=1)
    ]
    present = [
        _person(public_id, name)
        for public_id, name in db.execute(
            select(User.public_id, User.name)
            .join(Attendance, Attendance.user_id == User.id)
            .where(Attendance.meeting_id == meeting.id, Attendance.present.is_(True))
            .order_by(User.name, User.id)
        )
    ]
    members = meetings.member_count(db)
    talk = db.execute(
        select(SpeakerRequest, User.public_id, User.name)
        .join(User, User.id == SpeakerRequest.user_id)
        .where(
            SpeakerRequest.meeting_id == meeting.id,
            or_(
                SpeakerRequest.state == SpeakerState.SPEAKING,
                and_(
                    SpeakerRequest.state == SpeakerState.WAITING,
                    SpeakerRequest.item_id == meeting.current_item_id,
                ),
            ),
        )
        .order_by(SpeakerRequest.position, SpeakerRequest.id)
    ).all()
    speaking = None
    waiting = []
    for row, public_id, name in talk:
        if row.state == SpeakerState.SPEAKING:
            speaking = {
                "request": row.id,
                "user": _person(public_id, name),
                "kind": str(row.kind),
                "started_at": format_at(row.started_at) if row.started_at else None,
                "limit_s": row.limit_s,
            }
        else:
            waiting.append(
                {"request": row.id, "user": _person(public_id, name), "kind": str(row.kind)}
            )
    proxies = [
        {"from": _person(f_id, f_name), "to": _person(t_id, t_name)}
        for f_id, f_name, t_id, t_name in db.execute(PROXIES, {"meeting": meeting.id})
    ]
    current = next((entry for entry in agenda if entry["current"]), None)
    at_close = _present_at_close(db, meeting) if meeting.state == MeetingState.CLOSED else []
    here = {person["id"] for person in present}
    represented = sum(1 for p in proxies if p["to"]["id"] in here and p["from"]["id"] not in here)
    quorum = attendance.has_quorum(len(present), members)
    voting = live_polls.section(db, meeting, represented, len(present), quorum=quorum)
    return {
        "version": meeting.live_version + voting["versions"],
        "server_time": format_at(utcnow()),
        "meeting": {
            "id": meeting.id,
            "title": meeting.title,
            "state": str(meeting.state),
            "starts_at": format_at(meeting.starts_at),
            # from when the chair can open the session (opening.session_opens_at)
            "opens_at": format_at(opening.session_opens_at(meeting.starts_at)),
            "place": meeting.place,
            "link": meeting.link,
        },
        "current_item": current,
        "agenda": agenda,
        "attendance": {
            "present": present,
            "count": len(present),
            "members": members,
            "quorum_needed": attendance.quorum_needed(members),
            "quorum": quorum,
            "at_close": at_close,
        },
        "presence": {"connected": 0, "members_connected": []},
        "speakers": {"current": speaking, "queue": waiting},
        "proxies": proxies,
        "polls": voting["polls"],
        "poll": voting["poll"],
    }


version = live_polls.version
