"""In-app notifications (the bell), each person's preferences, and the e-mail digest state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow


class EmailFrequency(enum.StrEnum):
    NEVER = "never"
    IMMEDIATE = "immediate"  # subito
    DAILY = "daily"  # riepilogo giornaliero
    WEEKLY = "weekly"  # riepilogo settimanale


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # reply, new_version, state_changed, …
    subject: Mapped[str] = mapped_column(String(80))  # proposal:12, comment:40
    # JSON of the values the message is rendered from, in the reader's language.
    params: Mapped[str] = mapped_column(Text, default="{}")
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class NotificationSettings(Base):
    """What a person wants to hear about, and how often by e-mail."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    replies: Mapped[bool] = mapped_column(default=True)
    new_versions: Mapped[bool] = mapped_column(default=True)
    state_changes: Mapped[bool] = mapped_column(default=True)
    new_comments: Mapped[bool] = mapped_column(default=False)  # on proposals one follows
    new_proposals: Mapped[bool] = mapped_column(default=True)  # in followed zones/topics
    email: Mapped[EmailFrequency] = mapped_column(
        enum_type(EmailFrequency, 10), default=EmailFrequency.DAILY
    )
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
