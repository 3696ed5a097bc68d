"""Minutes (verbale) of a closed meeting: drafted from its rows, edited by the secretary,
approved by a vote at a later meeting, and then public for good (docs/minutes.md)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.meeting import AgendaItem, Meeting
from council.models.poll import Decision, Poll
from council.models.user import User


class MinutesState(enum.StrEnum):
    DRAFT = "draft"  # bozza: the secretary's, read by the office (and members once on an agenda)
    APPROVED = "approved"  # approvato: approved by the council's vote, hence published


class Minutes(Base):
    """One per meeting. The body is markdown in the council's language (Italian); once approved
    it never changes, and the record's head at the approval (anchor_seq, anchor_hash) is printed
    on every copy, so that a copy proves which history it belongs to."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    state: Mapped[MinutesState] = mapped_column(
        enum_type(MinutesState, 10), default=MinutesState.DRAFT
    )
    body: Mapped[str] = mapped_column(Text)  # markdown
    # SHA-256 of the body as stored (UTF-8): the draft's now, the approved text once approved
    body_sha256: Mapped[str] = mapped_column(String(64))
    # Bumped by every change of the body: an edit based on an older one is refused.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The agenda item of a later meeting whose vote approves them, while one is set.
    approval_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), unique=True
    )
    approval_poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id"))
    approval_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anchor_seq: Mapped[int | None] = mapped_column(Integer)
    anchor_hash: Mapped[str | None] = mapped_column(String(64))

    meeting: Mapped[Meeting] = relationship()
    generated_by: Mapped[User] = relationship(foreign_keys=[generated_by_id])
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    approval_item: Mapped[AgendaItem | None] = relationship()
    approval_poll: Mapped[Poll | None] = relationship()
    approval_decision: Mapped[Decision | None] = relationship()

    @property
    def approved(self) -> bool:
        return self.state == MinutesState.APPROVED
