"""Factories for the meeting tests: the council's people, meetings at each stage, the record;
run(), a domain operation in its own unit of work, for every test."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from council.domain.meetings import agenda, attendance, live_session, meetings
from council.extensions import db
from council.models.base import utcnow
from council.models.meeting import Meeting
from council.models.record import RecordEvent
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.factories import fresh, reread


@dataclass
class Council:
    chair: User
    secretary: User
    members: list[User]
    stakeholder: User
    admin: User
    everyone: list[User] = field(default_factory=list)

    @property
    def all_members(self) -> list[User]:
        """Everyone counted for the quorum: the chair and the secretary are members too."""
        return [self.chair, self.secretary, *self.members]


def run(operation, *args, **kwargs):
    """Run a domain operation in its own unit of work."""
    with unit_of_work() as session:
        return operation(session, *args, **kwargs)


def make_council(make_user, members: int = 4) -> Council:
    chair = make_user("chair", "member", name="Teresa Presidente")
    secretary = make_user("secretary", "member", name="Pietro Segretario")
    people = [make_user("member", name=f"Consigliere {n}") for n in range(1, members + 1)]
    return Council(
        chair=chair,
        secretary=secretary,
        members=people,
        stakeholder=make_user("stakeholder", name="Portatrice di interesse"),
        admin=make_user("admin", name="Amministratrice"),
    )


def detach(council: Council) -> Council:
    """For tests that also make HTTP requests (each request ends the thread's session): the
    people stay usable as plain loaded objects, never expired or refreshed."""
    for person in [*council.all_members, council.stakeholder, council.admin]:
        db.session.expunge(person)
    return council


def new_meeting(secretary: User, *, items: int = 2, starts_in=timedelta(minutes=30), **kw):
    with unit_of_work() as session:
        meeting = meetings.create(
            session,
            secretary,
            title=kw.pop("title", "Seduta ordinaria di novembre"),
            starts_at=utcnow() + starts_in,
            place=kw.pop("place", "Sala dei Giudici, Palazzo della Loggia"),
            **kw,
        )
        for n in range(1, items + 1):
            agenda.add_item(session, secretary, meeting.id, title=f"Punto numero {n}")
    return meeting


def convened_meeting(council: Council, **kw) -> Meeting:
    meeting = new_meeting(council.secretary, **kw)
    with unit_of_work() as session:
        meetings.convene(session, council.secretary, meeting.id)
    return meeting


def running_meeting(council: Council, *, present: list[User] | None = None, **kw) -> Meeting:
    """Convened, opened by the chair, first item under discussion, these people checked in."""
    meeting = convened_meeting(council, **kw)
    with unit_of_work() as session:
        live_session.open_session(session, council.chair, meeting.id)
        live_session.move_to(session, council.chair, meeting.id, meeting.items[0].id)
    for person in council.all_members if present is None else present:
        with unit_of_work() as session:
            attendance.check_in(session, person, meeting.id)
    return fresh(meeting)


def head() -> int:
    reread()
    return db.session.scalar(select(func.max(RecordEvent.seq))) or 0


def events_since(seq: int, kind_prefix: str = "") -> list[tuple[str, dict]]:
    reread()
    rows = db.session.scalars(
        select(RecordEvent).where(RecordEvent.seq > seq).order_by(RecordEvent.seq)
    )
    return [(e.kind, json.loads(e.data)) for e in rows if e.kind.startswith(kind_prefix)]


def state(meeting: Meeting) -> dict:
    reread()
    return live_session.state(db.session, db.session.get(Meeting, meeting.id))
