"""The archive of decisions: each decision's search document, and its implementation status
(stato di attuazione) with the dated updates the secretariat posts (docs/archive.md).

The full-text index itself lives outside the models, per database (migration
0009_archive): on SQLite the FTS5 table `decision_search` over `decision_documents`, kept in
step by triggers; on PostgreSQL the generated tsvector column `decision_documents.document`
with its GIN index. `outside_models` names them for Alembic's comparisons.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.user import User

# The search index's own objects, created by migration 0009_archive and not by the models.
SEARCH_TABLES = frozenset(
    {"decision_search", "decision_search_data", "decision_search_idx",
     "decision_search_docsize", "decision_search_config"}
)  # fmt: skip
SEARCH_COLUMN = ("decision_documents", "document")
SEARCH_INDEX = "ix_decision_documents_document"


def outside_models(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name: False for the search index's objects, which the migration
    makes per database and the models do not describe."""
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "column":
        return (parent_names.get("table_name"), name) != SEARCH_COLUMN
    if type_ == "index":
        return name != SEARCH_INDEX
    return True


class DecisionDocument(Base):
    """What the search reads of a decision, written once when the decision is recorded: its
    title (the proposal's, or the agenda item's), its text (the decision and the question put
    to the vote) and its context (the proposal's voted text and the meeting's title)."""

    __tablename__ = "decision_documents"

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)


class ImplementationState(enum.StrEnum):
    NOT_STARTED = "not_started"  # da avviare
    IN_PROGRESS = "in_progress"  # in corso
    COMPLETED = "completed"  # completata
    SUSPENDED = "suspended"  # sospesa


class Implementation(Base):
    """The latest implementation status of an approved decision; absent until the first
    update (the decision then reads as "da avviare", with nothing reported yet)."""

    __tablename__ = "implementations"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index("ix_implementations_state_updated", "state", "updated_at"),
    )

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    state: Mapped[ImplementationState] = mapped_column(enum_type(ImplementationState, 12))
    progress: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    update_count: Mapped[int] = mapped_column(Integer, default=0)


class ImplementationUpdate(Base):
    """One dated update (aggiornamento): the state and progress it sets, and what was done."""

    __tablename__ = "implementation_updates"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index("ix_implementation_updates_decision", "decision_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    state: Mapped[ImplementationState] = mapped_column(enum_type(ImplementationState, 12))
    progress: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # markdown
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
