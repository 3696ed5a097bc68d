"""Demo meetings: a past session with its whole history (agenda tied to proposals, attendance,
interventions, a proxy, the votes and decisions of votes.py, outcomes), an upcoming one,
convened, and one convened for the day the demo is loaded, which the chair can open at once
(README.md, "Prova una seduta dal vivo"). Everything goes through the
domain operations, so the record tells their story, at the story's times (council/clock.py);
the rows' times are then set to the minute on that afternoon, with realistic lengths of speech."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council import clock
from council.clock import ROME
from council.demo import votes
from council.domain.meetings import agenda, attendance, live_session, meetings, speakers
from council.domain.voting import proxies
from council.models.base import utcnow
from council.models.meeting import (
    AgendaItem,
    Attendance,
    AttendanceInterval,
    Meeting,
    MeetingDocument,
    Proxy,
    SpeakerRequest,
)
from council.models.proposal import Proposal, ProposalState
from council.models.user import Role, User, UserRole

PLACE = "Sala dei Giudici, Palazzo della Loggia, piazza della Loggia 1, Brescia"
PAST_DAYS = 5  # after the consultation that it votes on closed (votes.prepare)
OPENED_AFTER = timedelta(minutes=5)
ITEM_STARTS = [2, 14, 32, 57, 74]  # minutes into the session; the votes are at 50-85
TODAY_STARTS_IN = timedelta(minutes=30)  # within attendance.CHECK_IN_OPENS: open at once
TODAY_TITLE = "Seduta di prova: il Consiglio dal vivo"
# checked in before the opening: with the chair and consigliere1, 13 of 25, the quorum
TODAY_EARLY = [f"consigliere{n}@example.org" for n in range(2, 13)]


def _with_role(db: Session, role: Role) -> User:
    return db.scalars(select(User).join(UserRole).where(UserRole.role == role).limit(1)).one()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME).astimezone(UTC)


def _scheduled_proposal(db: Session) -> Proposal | None:
    return db.scalars(
        select(Proposal).where(Proposal.state == ProposalState.ON_AGENDA).order_by(Proposal.id)
    ).first()


def load_meetings(db: Session) -> None:
    """Runs inside the demo's transaction, after the people and the proposals."""
    secretary, chair = _with_role(db, Role.SECRETARY), _with_role(db, Role.CHAIR)
    members = meetings.members(db)
    proposal = _scheduled_proposal(db)
    _past_meeting(db, secretary, chair, members, proposal)
    _upcoming_meeting(db, secretary, proposal)
    _todays_meeting(db, secretary)


def _past_meeting(db, secretary, chair, members, proposal) -> None:
    start = _at((datetime.now(ROME) - timedelta(days=PAST_DAYS)).date(), 17, 30)
    to_vote = votes.prepare(db, start)
    clock.set_story(start - timedelta(days=14))
    meeting = meetings.create(
        db, secretary, title="Seduta ordinaria del Consiglio di indirizzo",
        starts_at=start, ends_at=start + timedelta(hours=2), place=PLACE,
        description="Seduta ordinaria. I documenti sono allegati ai punti all'ordine del giorno.",
    )  # fmt: skip
    m = meeting.id
    items = [
        agenda.add_item(db, secretary, m, title="Comunicazioni della presidente"),
        agenda.add_item(
            db, secretary, m,
            title=f"Proposta: {proposal.title}" if proposal else "Welfare di prossimità",
            description="Presentazione della proposta e prima discussione.",
            proposal_id=proposal.id if proposal else None,
        ),
    ]  # fmt: skip
    if to_vote is not None:
        items += [
            agenda.add_item(db, secretary, m, title=f"Proposta: {to_vote.transport.title}",
                            description="Voto sull'emendamento e sulla proposta.",
                            proposal_id=to_vote.transport.id),
            agenda.add_item(db, secretary, m, title=f"Proposta: {to_vote.registry.title}",
                            proposal_id=to_vote.registry.id),
            agenda.add_item(db, secretary, m, title="Designazione del rappresentante al Tavolo "
                            "di sistema del Piano di Zona", description="Votazione segreta."),
        ]  # fmt: skip
    agenda.add_document(db, secretary, m, title="Relazione annuale dei Punti di comunità",
                        link="https://www.comune.brescia.it/", item_id=items[0].id)  # fmt: skip
    clock.set_story(start - timedelta(days=10))
    meetings.convene(db, secretary, m)
    clock.set_story(start + OPENED_AFTER)
    live_session.open_session(db, chair, m)
    others = [p for p in members if p.id not in (chair.id, secretary.id)]
    present = [chair, secretary, *others[:16]]
    for person in present[:12]:
        attendance.check_in(db, person, m)
    for person in present[12:]:  # the secretary's roll call for those without a phone
        attendance.check_in(db, secretary, m, person.public_id)
    speeches = []
    for n_item, (item, speakers_on_item) in enumerate(
        zip(items, ([chair], present[2:5], present[5:7]), strict=False)
    ):
        clock.set_story(start + OPENED_AFTER + timedelta(minutes=ITEM_STARTS[n_item]))
        live_session.move_to(db, chair, m, item.id)
        for n, person in enumerate(speakers_on_item):
            kind = "reply" if n == 2 else "intervention"
            row = speakers.request(db, person, m, kind=kind, client_id=f"demo-{item.id}-{n}")
            speeches.append(row)
        for row in list(speeches[-len(speakers_on_item) :]):
            clock.set_story(clock.now() + timedelta(minutes=1))
            speakers.give_floor(db, chair, m, row.id)
            clock.set_story(clock.now() + timedelta(minutes=4))
            speakers.end_floor(db, chair, m, row.id)
    clock.set_story(start + OPENED_AFTER + timedelta(minutes=40))
    absent = others[16]
    proxies.grant(db, absent, m, present[3].public_id)
    outcomes = ["Presa d'atto.", "Discussione avviata; il voto è rinviato alla prossima seduta."]
    if to_vote is not None:
        opened = start + OPENED_AFTER
        room = votes.Room(chair, secretary, m, present, present[3], absent,
                               lambda minutes: opened + timedelta(minutes=minutes))  # fmt: skip
        decided = votes.hold(db, room, items, to_vote, leaving=present[10])
        outcomes += votes.outcomes(decided, to_vote)
    else:
        attendance.check_out(db, present[10], m)
    clock.set_story(start + timedelta(minutes=95))
    live_session.close(db, chair, m)
    clock.set_story(start + timedelta(minutes=110))
    for item, outcome in zip(items, outcomes, strict=True):
        agenda.update_item(db, secretary, m, item.id, outcome=outcome)
    db.flush()
    _move_back(db, meeting, start, left_early={present[10].id})
    clock.set_story(None)


def _upcoming_meeting(db, secretary, proposal) -> None:
    day = (datetime.now(ROME) + timedelta(days=10)).date()
    clock.set_story(utcnow() - timedelta(days=3))  # convened three days ago
    meeting = meetings.create(
        db, secretary, title="Seduta ordinaria: voto sulle proposte in agenda",
        starts_at=_at(day, 17, 30), ends_at=_at(day, 19, 30), place=PLACE,
        link="https://meet.example.org/consiglio-welfare",
        description="Si vota la proposta discussa nella seduta precedente.",
    )  # fmt: skip
    m = meeting.id
    agenda.add_item(db, secretary, m, title="Approvazione del verbale della seduta precedente")
    agenda.add_item(
        db, secretary, m,
        title=f"Proposta: {proposal.title} (voto)" if proposal else "Welfare di prossimità (voto)",
        proposal_id=proposal.id if proposal else None,
    )  # fmt: skip
    agenda.add_item(db, secretary, m, title="Varie ed eventuali")
    meetings.convene(db, secretary, m)
    clock.set_story(None)


def todays_start(now: datetime) -> datetime:
    """Half an hour from now, to the minute; late in the evening, the day's last minute (the
    meeting stays on the day the demo is loaded) if still ahead. Either way within the hour
    from which the session can be opened."""
    start = (now + TODAY_STARTS_IN).replace(second=0, microsecond=0)
    last = _at(now.astimezone(ROME).date(), 23, 59)
    return last if start > last > now + timedelta(minutes=1) else start


def _todays_meeting(db: Session, secretary: User) -> Meeting:
    """Convened for today and startable at once: the live session anyone can try, the chair
    at the console and a member on a phone (README.md). Its items have no proposal, so that
    a vote on any of them can be prepared and held."""
    start = todays_start(utcnow())
    meeting = meetings.create(
        db, secretary, title=TODAY_TITLE, starts_at=start, ends_at=start + timedelta(hours=2),
        place=PLACE, link="https://meet.example.org/consiglio-welfare",
        description="Seduta dimostrativa, convocata per oggi: la presidente può aprirla subito "
        "dalla console; i consiglieri registrano la presenza, chiedono la parola e votano dal "
        "telefono.",
    )  # fmt: skip
    m = meeting.id
    agenda.add_item(db, secretary, m, title="Comunicazioni della presidente")
    agenda.add_item(
        db, secretary, m, title="Calendario delle feste di quartiere nei Punti di comunità",
        description="Parere del Consiglio sul calendario proposto dalle realtà delle 5 zone.",
    )  # fmt: skip
    agenda.add_item(db, secretary, m, title="Varie ed eventuali")
    meetings.convene(db, secretary, m)
    early = db.scalars(select(User).where(User.email.in_(TODAY_EARLY)).order_by(User.id))
    for person in early:  # in the room already: the chair and one member make the quorum
        attendance.check_in(db, person, m)
    return meeting


def _move_back(db: Session, meeting: Meeting, start: datetime, *, left_early: set[int]) -> None:
    """Set the session's rows on a past afternoon, with realistic lengths of speech."""
    meeting.created_at = start - timedelta(days=14)
    meeting.convened_at = start - timedelta(days=10)
    meeting.starts_at, meeting.ends_at = start, start + timedelta(hours=2)
    meeting.opened_at = start + OPENED_AFTER
    meeting.closed_at = start + timedelta(minutes=95)
    items = list(db.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)))
    for n, item in enumerate(sorted(items, key=lambda i: i.position)):
        item.created_at = meeting.created_at
        item.started_at = meeting.opened_at + timedelta(minutes=ITEM_STARTS[n])
    documents = select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id)
    for document in db.scalars(documents):
        document.added_at = meeting.created_at
    rows = db.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    for k, row in enumerate(rows):
        row.first_in_at = meeting.opened_at - timedelta(minutes=5) + timedelta(seconds=20 * k)
        for interval in db.scalars(
            select(AttendanceInterval).where(AttendanceInterval.attendance_id == row.id)
        ):
            interval.checked_in_at = row.first_in_at
            interval.checked_out_at = (
                meeting.opened_at + timedelta(minutes=60)
                if row.user_id in left_early
                else meeting.closed_at
            )
    lengths = [240, 310, 185, 95, 420, 260]
    talks = db.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id)
        .order_by(SpeakerRequest.id)
    )
    starts = {item.id: item.started_at for item in items if item.started_at is not None}
    for k, talk in enumerate(talks):
        begin = starts[talk.item_id] + timedelta(minutes=1)
        talk.requested_at = begin - timedelta(minutes=1)
        talk.started_at = begin
        talk.seconds = lengths[k % len(lengths)]
        talk.ended_at = ended = begin + timedelta(seconds=talk.seconds)
        starts[talk.item_id] = ended + timedelta(seconds=30)
    for proxy in db.scalars(select(Proxy).where(Proxy.meeting_id == meeting.id)):
        proxy.granted_at = meeting.opened_at + timedelta(minutes=40)
    db.flush()
