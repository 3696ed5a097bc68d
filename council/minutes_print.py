"""The sanitized HTML of a text (council/markdown.py), made fit for fpdf2's write_html, which
raises on some HTML a browser shows without complaint:

- a link whose address the sanitizer refused (`javascript:`, `data:`) is an `<a>` without
  href (KeyError), one to `#…` a destination the PDF does not have: both print as their text;
- lists and quotes nested deeper than MAX_DEPTH leave no room on the line ("Not enough
  horizontal space"): deeper levels print as the level above, their items as dashes;
- a table of more than MAX_COLUMNS columns leaves no room for a character in each: it
  prints as lines, its cells separated by bars;
- control characters (a markdown placeholder typed by hand) have no glyph.

Everything the page shows is printed; only the layout gives way.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from council import plain_text

MAX_DEPTH = 6
MAX_COLUMNS = 8
_TABLE = re.compile(r"<table>.*?</table>", re.S)
_ROW_BREAKS = [
    (re.compile(r"</t[dh]>\s*<t[dh][^>]*>"), " | "),
    (re.compile(r"<tr>"), "<p>"),
    (re.compile(r"</tr>"), "</p>"),
    (re.compile(r"</?(table|thead|tbody|th|td)[^>]*>"), ""),
]
NESTING = {"ul", "ol", "blockquote"}


class _Printable(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, printed) of the nesting tags
        self.links: list[bool] = []  # printed or not, for each <a> open

    def _depth(self) -> int:
        return sum(1 for _tag, printed in self.open if printed)

    def _flattened(self) -> bool:
        return any(not printed for _tag, printed in self.open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in NESTING:
            printed = self._depth() < MAX_DEPTH and not self._flattened()
            self.open.append((tag, printed))
            if printed:
                self.out.append(f"<{tag}>")
            return
        if tag == "li" and self._flattened():
            self.out.append("<br>\u2013 ")
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            printed = bool(href) and not href.startswith("#")
            self.links.append(printed)
            if printed:
                self.out.append(f'<a href="{escape(href)}">')
            return
        kept = "".join(f' {name}="{escape(value or "")}"' for name, value in attrs)
        self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in NESTING:
            if self.open:
                _tag, printed = self.open.pop()
                if printed:
                    self.out.append(f"</{tag}>")
            return
        if tag == "li" and self._flattened():
            return
        if tag == "a":
            if self.links and self.links.pop():
                self.out.append("</a>")
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(plain_text.clean(data), quote=False))


def _as_lines(table: re.Match[str]) -> str:
    found = table.group(0)
    header = found[: found.find("</tr>")]
    if header.count("<th") + header.count("<td") <= MAX_COLUMNS:
        return found
    for pattern, replacement in _ROW_BREAKS:
        found = pattern.sub(replacement, found)
    return found


def printable(html: str) -> str:
    parser = _Printable()
    parser.feed(_TABLE.sub(_as_lines, html))
    parser.close()
    return "".join(parser.out)
