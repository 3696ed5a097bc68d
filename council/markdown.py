"""Render user text: python-markdown within a work budget, then nh3 with an allow-list; the
only path to HTML.

A text is rendered once, when it is written (council/rendered_texts.py keeps the HTML and the
plain text by the source's SHA-256); reading finds it in this process's memory, else in the
database, and converts only what is in neither (a preview, a part of the minutes). No text
costs more than the budget of council/markdown_guard.py: one that would is refused when
written (`check`), and shown as plain paragraphs if it was stored before the budget existed.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import nh3
from flask import has_app_context
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.errors import ValidationError
from council.extensions import db
from council.markdown_guard import BUDGET, GuardedMarkdown, TooComplex
from council.models.rendered_text import RenderedText

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody",
    "tr", "th", "td", "del", "ins", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Bumped when what a text renders to changes (the allow-list, the extensions): rows rendered
# before are then read as missing, and `flask --app app texts render` renders them again.
RENDERER = 1

_FENCE = re.compile(r"^(```|~~~)")
_H1 = re.compile(r"<(/?)h1>")


class Rendering(NamedTuple):
    html: str  # sanitized
    plain: str  # the words without markup, for excerpts
    units: int | None  # the work it cost (council/markdown_guard.py); None: over the budget,
    # shown as typed (stored before the budget existed, or a derived text)


_idle: queue.SimpleQueue[GuardedMarkdown] = queue.SimpleQueue()


@contextmanager
def _converter() -> Iterator[GuardedMarkdown]:
    """A converter to oneself, taken from the idle ones and given back reset: building one
    (loading its extensions) costs more than converting a comment, and one must not be shared
    by two conversions at once. A pool rather than one per thread: under gevent every request
    is a new greenlet. One stopped half-way (over budget) is not given back."""
    try:
        converter = _idle.get_nowait()
    except queue.Empty:
        converter = GuardedMarkdown()
    yield converter
    converter.reset()
    _idle.put(converter)


class _Kept:
    """The renderings this process has read or made, least recently used first out, bounded
    by their total size (a long text weighs more than a short one)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._items: OrderedDict[bytes, Rendering] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, digest: bytes) -> Rendering | None:
        with self._lock:
            found = self._items.get(digest)
            if found is not None:
                self._items.move_to_end(digest)
            return found

    def put(self, digest: bytes, rendering: Rendering) -> None:
        size = len(rendering.html) + len(rendering.plain)
        if size > self.max_chars:
            return
        with self._lock:
            previous = self._items.pop(digest, None)
            if previous is not None:
                self._chars -= len(previous.html) + len(previous.plain)
            self._items[digest] = rendering
            self._chars += size
            while self._chars > self.max_chars:
                _digest, dropped = self._items.popitem(last=False)
                self._chars -= len(dropped.html) + len(dropped.plain)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0


kept = _Kept(max_chars=16_000_000)


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def convert(text: str, budget: int = BUDGET) -> Rendering:
    """Markdown to safe HTML and plain text; TooComplex past the budget.

    No script, no event handler, no javascript: link, no style; raw HTML is dropped by the
    sanitizer's allow-list; headings start at h2 because the page owns h1; links get
    rel="nofollow noopener noreferrer"."""
    with _converter() as converter:
        html, units = converter.convert_within(text, budget)
    clean = nh3.clean(
        _H1.sub(r"<\1h2>", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return Rendering(clean, _words(clean), units)


def _words(clean_html: str) -> str:
    return " ".join(html_lib.unescape(nh3.clean(clean_html, tags=set())).split())


def as_paragraphs(text: str) -> Rendering:
    """A text too complex to convert, as it was typed: escaped paragraphs and line breaks."""
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    html = "".join(
        "<p>" + "<br>\n".join(html_lib.escape(line) for line in b.strip("\n").split("\n")) + "</p>"
        for b in blocks
    )
    return Rendering(html, " ".join(text.split()), None)


def rendering(text: str) -> Rendering:
    """The HTML and plain text of a markdown text: kept in memory, stored when written, or
    converted now (and, if too complex, its escaped paragraphs)."""
    text = text or ""
    key = digest(text)
    found = kept.get(key)
    if found is None:
        found = _stored([key]).get(key)
    if found is None:
        try:
            found = convert(text)
        except TooComplex:
            found = as_paragraphs(text)
    kept.put(key, found)
    return found


def render(text: str | None) -> Markup:
    return Markup(rendering(text or "").html)


def plain(text: str | None, limit: int = 240) -> str:
    """A plain-text excerpt (for lists, notifications, feeds)."""
    words = rendering(text or "").plain
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


def check(text: str, field: str = "body", budget: int = BUDGET) -> None:
    """Refuse a text whose conversion would cost more than the budget (ValidationError on
    `field`); the rendering of one accepted is kept for the write that follows."""
    key = digest(text)
    found = kept.get(key)
    if found is not None:
        if found.units is None or found.units > budget:
            raise refusal(field)
        return
    try:
        kept.put(key, convert(text, budget))
    except TooComplex:
        raise refusal(field) from None


def refusal(field: str) -> ValidationError:
    return ValidationError(
        _(
            "This text is too complex to lay out: too many links, emphasis, nested lists or "
            "quotes, or table cells. Simplify it or split it into parts, then try again."
        ),
        field=field,
    )


def _stored(digests: list[bytes]) -> dict[bytes, Rendering]:
    """Renderings in the database, when there is one to ask (not in a bench or a script)."""
    if not digests or not has_app_context():
        return {}
    return stored(db.session, digests)


def stored(session: Session, digests: Iterable[bytes]) -> dict[bytes, Rendering]:
    wanted = list(dict.fromkeys(digests))
    found: dict[bytes, Rendering] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(
                RenderedText.digest, RenderedText.html, RenderedText.plain, RenderedText.units
            ).where(
                RenderedText.digest.in_(wanted[start : start + 500]),
                RenderedText.renderer == RENDERER,
            )
        )
        found.update({row.digest: Rendering(row.html, row.plain, row.units) for row in rows})
    return found


def prefetch(session: Session, texts: Iterable[str | None]) -> None:
    """Bring the stored renderings of many texts into memory with one query (a list page)."""
    missing = [key for key in {digest(t or "") for t in texts} if kept.get(key) is None]
    for key, found in stored(session, missing).items():
        kept.put(key, found)


def paragraphs(text: str) -> list[str]:
    """Split markdown into blocks at blank lines (not inside fenced code): the units that
    comments can be anchored to."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


# A block that is only headings (or rules): not a paragraph one comments on or numbers.
_NOT_A_PARAGRAPH = re.compile(r"\A\s*(?:<(h[2-6])>.*?</\1>\s*|<hr\s*/?>\s*)+\Z", re.S)


def paragraph_numbers(blocks: list[str]) -> list[int | None]:
    """The number (§ 1, § 2…) of each block of `paragraphs()`: the blocks of text counted in
    order; a heading or a rule gets none, and cannot be commented on."""
    numbers: list[int | None] = []
    counted = 0
    for block in blocks:
        if _NOT_A_PARAGRAPH.match(rendering(block).html):
            numbers.append(None)
        else:
            counted += 1
            numbers.append(counted)
    return numbers
