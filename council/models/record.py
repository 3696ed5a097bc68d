"""The public record (registro): append-only, hash-chained events. See docs/record.md."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from council.db import Base


class RecordEvent(Base):
    """One event of the record. `at` and `data` are stored exactly as they were hashed."""

    __tablename__ = "record_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(80), index=True)
    data: Mapped[str] = mapped_column(Text)
    # unique: two events can never claim the same predecessor, so the chain cannot fork
    prev: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
