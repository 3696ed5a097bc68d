"""Comments (commenti) on proposals: threaded, with a stance, edits kept, moderation visible."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.proposal import ProposalVersion
from council.models.user import User


class Stance(enum.StrEnum):
    IN_FAVOUR = "in_favour"  # favorevole
    AGAINST = "against"  # contrario
    NEUTRAL = "neutral"  # neutrale


class CommentState(enum.StrEnum):
    VISIBLE = "visible"
    DELETED = "deleted"  # by its author: a placeholder stays
    HIDDEN = "hidden"  # by moderation, with a public reason


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_proposal_root", "proposal_id", "root_id", "id"),
        Index("ix_comments_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("proposal_versions.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    # The top-level comment of the thread (None for a top-level comment itself).
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[Stance | None] = mapped_column(enum_type(Stance, 10))
    # Index of the paragraph of the version this comment is anchored to, if any.
    paragraph: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[CommentState] = mapped_column(
        enum_type(CommentState, 10), default=CommentState.VISIBLE
    )
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    version: Mapped[ProposalVersion] = relationship()
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", order_by="CommentRevision.id", cascade="all"
    )


class CommentRevision(Base):
    """An earlier text of an edited comment: edits are kept as visible history."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    stance: Mapped[Stance | None] = mapped_column(enum_type(Stance, 10))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship(back_populates="revisions")
