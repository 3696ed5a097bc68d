"""Demo minutes (verbali): the past meeting's minutes drafted from its rows and approved two days
ago by a short extraordinary session's named vote (so the public can open an approved PDF with
its record anchor); that session's own minutes drafted and tied to the upcoming meeting's item
"Approvazione del verbale della seduta precedente". Everything goes through the domain
operations, at the story's times (council/clock.py); the rows' times are then set to the minute
on that afternoon, before each draft is written, so that the text tells those times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council import clock
from council.clock import ROME
from council.demo.votes import _backdate as backdate_poll
from council.domain.archive import minutes
from council.domain.meetings import agenda, attendance, live_session, meetings
from council.domain.voting import polls
from council.models.meeting import AgendaItem, Attendance, AttendanceInterval, Meeting, MeetingState
from council.models.minutes import Minutes
from council.models.user import Role, User, UserRole

PLACE = "Sala dei Giudici, Palazzo della Loggia, piazza della Loggia 1, Brescia"
DAYS_AGO = 2
ABSTENTION = "Mi astengo: ho lasciato la seduta prima della sua conclusione."


def _with_role(db: Session, role: Role) -> User:
    return db.scalars(select(User).join(UserRole).where(UserRole.role == role).limit(1)).one()


def _meeting_where(db: Session, *where) -> Meeting | None:
    return db.scalars(select(Meeting).where(*where).order_by(Meeting.starts_at.desc())).first()


def load_minutes(db: Session) -> None:
    """Runs inside the demo's transaction, after the meetings (meetings.py)."""
    past = _meeting_where(db, Meeting.state == MeetingState.CLOSED)
    upcoming = _meeting_where(db, Meeting.state == MeetingState.CONVENED)
    if past is None:
        return
    assert past.closed_at is not None
    secretary, chair = _with_role(db, Role.SECRETARY), _with_role(db, Role.CHAIR)
    clock.set_story(past.closed_at + timedelta(hours=20))
    done = minutes.draft(db, secretary, past.id)
    done.generated_at = past.closed_at + timedelta(hours=20)
    session = _approving_session(db, secretary, chair, past)
    assert session.closed_at is not None
    clock.set_story(session.closed_at + timedelta(hours=3))
    draft = minutes.draft(db, secretary, session.id)
    draft.generated_at = session.closed_at + timedelta(hours=3)
    if upcoming is not None:
        item = next((i for i in upcoming.items if "verbale" in i.title.lower()), None)
        minutes.put_on_agenda(db, secretary, session.id, target_meeting_id=upcoming.id,
                              item_id=item.id if item else None)  # fmt: skip
    clock.set_story(None)
    db.flush()


def _approving_session(db: Session, secretary: User, chair: User, past: Meeting) -> Meeting:
    """A short extraordinary session, DAYS_AGO days ago, whose named vote approves the past
    meeting's minutes; then closed and dated on that afternoon."""
    assert past.closed_at is not None
    day = (datetime.now(ROME) - timedelta(days=DAYS_AGO)).date()
    start = datetime.combine(day, time(18, 0), tzinfo=ROME).astimezone(UTC)
    clock.set_story(past.closed_at + timedelta(hours=22))
    session = meetings.create(
        db, secretary, title="Seduta straordinaria del Consiglio di indirizzo",
        starts_at=start, ends_at=start + timedelta(hours=1), place=PLACE,
        description="Approvazione del verbale e calendario dei lavori.",
    )  # fmt: skip
    approval = minutes.put_on_agenda(db, secretary, past.id, target_meeting_id=session.id)
    calendar = agenda.add_item(db, secretary, session.id,
                               title="Calendario delle sedute del primo semestre")  # fmt: skip
    clock.set_story(past.closed_at + timedelta(hours=23))
    meetings.convene(db, secretary, session.id)
    clock.set_story(start + timedelta(minutes=3))
    live_session.open_session(db, chair, session.id)
    others = [p for p in meetings.members(db) if p.id not in (chair.id, secretary.id)]
    present = [chair, secretary, *others[:14]]
    for person in present:
        attendance.check_in(db, person, session.id)
    clock.set_story(start + timedelta(minutes=5))
    live_session.move_to(db, chair, session.id, approval.id)
    day_of_past = past.starts_at.astimezone(ROME)
    poll = polls.prepare_poll(
        db, chair, session.id, item_id=approval.id, kind="named", rule="simple",
        question=f"Approvare il verbale della seduta del {day_of_past:%d/%m/%Y}?",
    )  # fmt: skip
    polls.open_poll(db, chair, poll.id)
    leaving_early = others[8]  # left the past meeting before its end (meetings.py)
    for n, person in enumerate(present):
        choice, reason = ("abstain", ABSTENTION) if person is leaving_early else ("in_favour", None)
        polls.cast_ballot(db, person, poll.id, choice, f"demo-minutes-{n}", reason=reason)
    closed_at = start + timedelta(minutes=14)
    clock.set_story(closed_at)
    polls.close_poll(db, chair, poll.id)
    backdate_poll(db, poll, closed_at)  # before the decision, which takes the poll's day
    clock.set_story(closed_at + timedelta(minutes=1))
    decision = polls.record_decision(
        db, secretary, poll.id,
        f"Il Consiglio di indirizzo del welfare approva il verbale della seduta del "
        f"{day_of_past:%d/%m/%Y} nel testo depositato dalla segreteria.",
    )  # fmt: skip
    assert decision is not None  # an item's poll ends in a decision
    decision.recorded_at = closed_at + timedelta(minutes=1)
    approved = db.scalars(select(Minutes).where(Minutes.meeting_id == past.id)).one()
    approved.approved_at = decision.recorded_at
    clock.set_story(start + timedelta(minutes=17))
    live_session.move_to(db, chair, session.id, calendar.id)
    clock.set_story(start + timedelta(minutes=25))
    live_session.close(db, chair, session.id)
    outcome = f"Verbale approvato (deliberazione n. {decision.number})."
    agenda.update_item(db, secretary, session.id, approval.id, outcome=outcome)
    agenda.update_item(db, secretary, session.id, calendar.id, outcome="Presa d'atto.")
    _backdate_session(db, session, start)
    return session


def _backdate_session(db: Session, session: Meeting, start: datetime) -> None:
    session.created_at = start - timedelta(hours=44)
    session.convened_at = start - timedelta(hours=43)
    session.starts_at, session.ends_at = start, start + timedelta(hours=1)
    session.opened_at = start + timedelta(minutes=3)
    session.closed_at = start + timedelta(minutes=25)
    items = db.scalars(select(AgendaItem).where(AgendaItem.meeting_id == session.id)
                       .order_by(AgendaItem.position))  # fmt: skip
    for n, item in enumerate(items):
        item.created_at = session.created_at
        item.started_at = session.opened_at + timedelta(minutes=2 + 15 * n)
    rows = db.scalars(select(Attendance).where(Attendance.meeting_id == session.id))
    for k, row in enumerate(rows):
        row.first_in_at = start - timedelta(minutes=10) + timedelta(seconds=25 * k)
        spans = select(AttendanceInterval).where(AttendanceInterval.attendance_id == row.id)
        for span in db.scalars(spans):
            span.checked_in_at, span.checked_out_at = row.first_in_at, session.closed_at
    db.flush()
