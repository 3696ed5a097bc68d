"""Online consultations (consultazioni online): asynchronous polls with a closing date.

A response is one row per person (unique), its choices one row per option chosen, with the
option's place for a ranking: multiple choice and rankings are stored exactly, and the totals
are one GROUP BY on `consultation_answers` (indexed by consultation and option). At the close
the totals are written on the options, so a closed consultation's results are read, not
counted again. See docs/voting.md, "Online consultations".
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow


class Audience(enum.StrEnum):
    MEMBERS = "members"  # consiglieri
    STAKEHOLDERS = "stakeholders"  # portatori di interesse


class ConsultationKind(enum.StrEnum):
    SINGLE = "single"  # una scelta
    MULTIPLE = "multiple"  # scelta multipla, fino a max_choices
    RANKING = "ranking"  # ordinamento di tutte le opzioni


class ConsultationState(enum.StrEnum):
    DRAFT = "draft"  # bozza
    OPEN = "open"  # aperta
    CLOSED = "closed"  # chiusa


MIN_OPTIONS, MAX_OPTIONS = 2, 20


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_state_closes_at", "state", "closes_at"),
        CheckConstraint("audience = 'members' OR NOT binding", name="binding_members_only"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # markdown
    audience: Mapped[Audience] = mapped_column(enum_type(Audience, 12))
    binding: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[ConsultationKind] = mapped_column(enum_type(ConsultationKind, 10))
    max_choices: Mapped[int | None] = mapped_column(Integer)  # multiple choice only
    results_hidden_until_close: Mapped[bool] = mapped_column(default=False)
    state: Mapped[ConsultationState] = mapped_column(
        enum_type(ConsultationState, 10), default=ConsultationState.DRAFT
    )
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was opened
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: on time
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every change of the consultation itself (edit, open, close).
    version: Mapped[int] = mapped_column(Integer, default=1)
    respondents: Mapped[int | None] = mapped_column(Integer)  # stored at close

    options: Mapped[list[ConsultationOption]] = relationship(
        back_populates="consultation",
        cascade="all, delete-orphan",
        order_by="ConsultationOption.position",
        lazy="selectin",
    )


class ConsultationOption(Base):
    __tablename__ = "consultation_options"
    __table_args__ = (UniqueConstraint("consultation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, … as shown
    label: Mapped[str] = mapped_column(String(200))
    # Stored at close: how many chose it (or ranked it), and its Borda points (ranking).
    count: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int | None] = mapped_column(Integer)

    consultation: Mapped[Consultation] = relationship(back_populates="options")


class ConsultationResponse(Base):
    """One person's response; changed in place until the close."""

    __tablename__ = "consultation_responses"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[ConsultationAnswer]] = relationship(
        back_populates="response",
        cascade="all, delete-orphan",
        order_by="ConsultationAnswer.id",
        lazy="selectin",
    )


class ConsultationAnswer(Base):
    """An option chosen in a response; `rank` is its place (1 = first) in a ranking."""

    __tablename__ = "consultation_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "option_id"),
        UniqueConstraint("response_id", "rank"),
        Index("ix_consultation_answers_tally", "consultation_id", "option_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_responses.id", ondelete="CASCADE")
    )
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("consultation_options.id"))
    rank: Mapped[int | None] = mapped_column(Integer)

    response: Mapped[ConsultationResponse] = relationship(back_populates="answers")
