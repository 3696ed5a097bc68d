"""Render user text: python-markdown, then nh3 with an allow-list; the only path to HTML."""

from __future__ import annotations

import html as html_lib
import queue
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody",
    "tr", "th", "td", "del", "ins", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]

_FENCE = re.compile(r"^(```|~~~)")


_idle: queue.SimpleQueue[md.Markdown] = queue.SimpleQueue()


@contextmanager
def _converter() -> Iterator[md.Markdown]:
    """A Markdown converter to oneself, taken from the idle ones and given back reset:
    building one (loading its extensions) costs more than converting a comment, and one must
    not be shared by two conversions at once. A pool rather than one per thread: under gevent
    every request is a new greenlet, which would build a converter each time."""
    try:
        converter = _idle.get_nowait()
    except queue.Empty:
        converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
    try:
        yield converter
    finally:
        converter.reset()
        _idle.put(converter)


def render(text: str) -> Markup:
    """Markdown to safe HTML: no script, no event handler, no javascript: link, no style.

    Raw HTML in the source is escaped by the sanitizer's allow-list; headings start at h2
    because the page owns h1; links get rel="nofollow noopener noreferrer". Results are
    cached by text: the same text always renders the same (bench/proposal_page.py).
    """
    return Markup(_render(text or ""))


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    with _converter() as converter:
        html = converter.convert(text)
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )
    return clean


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


def plain(text: str, limit: int = 240) -> str:
    """A plain-text excerpt (for lists, notifications, feeds)."""
    with _converter() as converter:
        html = converter.convert(text or "")
    words = " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"
