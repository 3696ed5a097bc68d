"""User text rendered once, when it is written: the sanitized HTML and the plain text of a
markdown source, found by the source's SHA-256 (council/markdown.py). Pages, feeds, e-mails
and the PDF read it instead of converting the markdown again on every request."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from council.db import Base
from council.models.base import UTCDateTime, utcnow


class RenderedText(Base):
    __tablename__ = "rendered_texts"

    digest: Mapped[bytes] = mapped_column(
        LargeBinary(32), primary_key=True
    )  # SHA-256 of the source
    renderer: Mapped[int] = mapped_column(Integer)  # council.markdown.RENDERER when rendered
    html: Mapped[str] = mapped_column(Text)
    plain: Mapped[str] = mapped_column(Text)  # the whole text without markup, for excerpts
    # the work its conversion cost (council/markdown_guard.py); NULL: over the budget, so the
    # html is the text as typed (a text stored before the budget existed)
    units: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
