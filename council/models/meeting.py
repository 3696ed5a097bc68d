"""Meetings (sedute): agenda, documents, attendance, the list of speakers and proxies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.proposal import Proposal
from council.models.user import User


class MeetingState(enum.StrEnum):
    SCHEDULED = "scheduled"  # programmata: being prepared, not public yet
    CONVENED = "convened"  # convocata
    IN_PROGRESS = "in_progress"  # in corso
    SUSPENDED = "suspended"  # in corso, sospesa
    CLOSED = "closed"  # chiusa


LIVE_STATES = frozenset({MeetingState.IN_PROGRESS, MeetingState.SUSPENDED})
PUBLIC_STATES = frozenset(
    {MeetingState.CONVENED, MeetingState.IN_PROGRESS, MeetingState.SUSPENDED, MeetingState.CLOSED}
)


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_state_starts", "state", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # markdown
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # for remote attendance
    state: Mapped[MeetingState] = mapped_column(
        enum_type(MeetingState, 12), default=MeetingState.SCHEDULED
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    convened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last change after the convocation (members were told), if any.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SEQUENCE of the calendar invitation: bumped on every change sent to members.
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped in the same transaction by every operation that changes the live state.
    live_version: Mapped[int] = mapped_column(Integer, default=0)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "agenda_items.id",
            use_alter=True,
            name="fk_meetings_current_item",
            ondelete="SET NULL",
        )
    )
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        order_by="(AgendaItem.position, AgendaItem.id)",
        cascade="all, delete-orphan",
        foreign_keys="AgendaItem.meeting_id",
    )
    documents: Mapped[list[MeetingDocument]] = relationship(
        order_by="MeetingDocument.id", cascade="all, delete-orphan"
    )


class AgendaItem(Base):
    """A point of the ordine del giorno, optionally about a proposal."""

    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_meeting_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # markdown
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    changed_after_convocation: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(500), default="")  # esito, after discussion
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first under discussion

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    proposal: Mapped[Proposal | None] = relationship()


class MeetingDocument(Base):
    """A document of the meeting, as a link (to the city's site, a shared folder…)."""

    __tablename__ = "meeting_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    """A member's attendance at a meeting: one row per member, with its intervals."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    present: Mapped[bool] = mapped_column(default=False)
    first_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    intervals: Mapped[list[AttendanceInterval]] = relationship(
        back_populates="attendance", order_by="AttendanceInterval.id", cascade="all"
    )


class AttendanceInterval(Base):
    """From when to when a member was present (the minutes say who was there when)."""

    __tablename__ = "attendance_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("attendances.id", ondelete="CASCADE"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who marked it when not the member (the secretary); None: the member themself.
    in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    out_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    attendance: Mapped[Attendance] = relationship(back_populates="intervals")


class SpeakerKind(enum.StrEnum):
    POINT_OF_ORDER = "point_of_order"  # mozione d'ordine: goes to the top
    INTERVENTION = "intervention"  # intervento
    REPLY = "reply"  # replica


class SpeakerState(enum.StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class SpeakerRequest(Base):
    """A request to speak on an agenda item; once given the floor, the intervention itself."""

    __tablename__ = "speaker_requests"
    __table_args__ = (
        # a retried request (same client id) is answered with the first, never applied twice
        UniqueConstraint("meeting_id", "user_id", "client_id"),
        Index(
            "uq_speaker_requests_one_waiting",
            "meeting_id", "item_id", "user_id", "kind",
            unique=True,
            sqlite_where=text("state = 'waiting'"),
            postgresql_where=text("state = 'waiting'"),
        ),
        Index(
            "uq_speaker_requests_one_speaking",
            "meeting_id",
            unique=True,
            sqlite_where=text("state = 'speaking'"),
            postgresql_where=text("state = 'speaking'"),
        ),
        Index("ix_speaker_requests_queue", "meeting_id", "item_id", "state", "position"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[SpeakerKind] = mapped_column(enum_type(SpeakerKind, 16))
    state: Mapped[SpeakerState] = mapped_column(
        enum_type(SpeakerState, 10), default=SpeakerState.WAITING
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    client_id: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    limit_s: Mapped[int | None] = mapped_column(Integer)  # the speaking time given
    seconds: Mapped[int | None] = mapped_column(Integer)  # how long it lasted

    user: Mapped[User] = relationship()


class Proxy(Base):
    """A delega: a member delegates the vote for one meeting to a present member."""

    __tablename__ = "proxies"
    __table_args__ = (
        Index(
            "uq_proxies_one_active",
            "meeting_id", "from_user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_proxies_holder", "meeting_id", "to_user_id"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_user: Mapped[User] = relationship(foreign_keys=[from_user_id])
    to_user: Mapped[User] = relationship(foreign_keys=[to_user_id])
