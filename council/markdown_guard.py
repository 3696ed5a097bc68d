"""python-markdown with a work budget: no text, however hostile, costs more than a few tens of
milliseconds to convert (docs/architecture.md, "User text"; bench/markdown_worst.py).

python-markdown's cost grows faster than the text on some inputs (20,000 characters of `[a](`
took 19 s: every link opener scanned the rest of the paragraph for its closing parenthesis;
`<a ` alike in the raw-HTML block parser; backtick runs; each inline match rebuilds its
paragraph's string). The converter here

- charges every step it takes to a meter (each text node's inline pass, each pattern tried,
  each match with the string it rebuilds, each block, each character walked one by one in
  Python) and stops with `TooComplex` once the budget is spent, before the work is done: the
  same text is always accepted or always refused, whatever the machine's load;
- bounds the one scan that had no bound (a link's destination);
- does not parse raw HTML blocks (the sanitizer drops them; inline tags are still read),
  nor images (the sanitizer drops them too: `![a](b)` shows as typed, not as nothing);
- refuses nesting deeper than MAX_DEPTH (lists, quotes: each level parses its text again);
- and, as a backstop for a pathology the meter does not know, stops when the thread's CPU
  time for the conversion passes CPU_CAP_S.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import markdown as md
from markdown.inlinepatterns import BacktickInlineProcessor, LinkInlineProcessor

EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]

# Work units: about a microsecond each on the reference machine; BUDGET is about 50 ms.
# The costs were fitted by bench/markdown_worst.py over the hostile corpus (bench/README.md).
BUDGET = 85_000
TEXT_CHARS_PER_UNIT = 4  # the whole text, read by the preprocessors and the block parser
NODE_COST = 25  # a text node's inline pass: every pattern is tried on it
APPLY_COST = 5  # one pattern tried on one string
MATCH_COST = 25  # an inline match: stashing, placeholders
REBUILD_CHARS_PER_UNIT = 200  # a string rebuilt or searched again around each match
BLOCK_COST = 10
BLOCK_CHARS_PER_UNIT = 20  # a block's text, tested by every block processor's expression
CELL_COST = 12  # a table cell made (every row has as many as the header, even if empty)
SCAN_CHARS_PER_UNIT = 2  # characters walked one by one in Python (a link, a code span)
BRACKET_UNITS_PER_CHAR = 2  # the closing bracket of every `[`, found again for each string
SANITIZE_UNITS_PER_MARK = 3  # a tag or an entity in the HTML: nh3 reads it twice, then unescape
MAX_DEPTH = 30  # nested lists and quotes
MAX_LINK_DESTINATION = 2_000  # characters between a link's ( and ): a longer one is text
CPU_CAP_S = 1.0  # a backstop: well above the budget, so a collection of garbage never trips it


class TooComplex(Exception):
    """The text would cost more than the budget to convert."""


class Meter:
    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.spent = self.last = 0
        self.depth = 0
        self.text_length = 0
        self._cpu_start = time.thread_time()

    def charge(self, units: int) -> None:
        self.spent += units
        self.last = units
        if self.spent > self.budget:
            raise TooComplex("budget")
        if time.thread_time() - self._cpu_start > CPU_CAP_S:
            raise TooComplex("cpu")


def _wrap(owner: Any, name: str, charged: Callable[..., Any]) -> None:
    """Replace the method `name` of this one object by `charged(original, *args)`."""
    original = getattr(owner, name)
    setattr(owner, name, lambda *args: charged(original, *args))


class GuardedMarkdown(md.Markdown):
    """A converter whose `convert_within` spends at most a budget of work units."""

    def __init__(self) -> None:
        super().__init__(extensions=EXTENSIONS, output_format="html")
        self.meter = Meter(BUDGET)
        self.preprocessors.deregister("html_block")
        for images in ("image_link", "image_reference", "short_image_ref"):
            self.inlinePatterns.deregister(images)
        for processor in self.inlinePatterns:
            _wrap(processor, "handleMatch", self._match)
            if isinstance(processor, LinkInlineProcessor):
                _wrap(processor, "getLink", self._link)
                _wrap(processor, "_findBracketEnds", self._scan)
            if isinstance(processor, BacktickInlineProcessor):
                _wrap(processor, "find_code_spans", self._code_span)
        inline = self.treeprocessors["inline"]
        _wrap(inline, "_InlineProcessor__handleInline", self._node)
        _wrap(inline, "_InlineProcessor__applyPattern", self._apply)
        for processor in self.parser.blockprocessors:
            _wrap(processor, "run", self._block)
        _wrap(self.parser.blockprocessors["table"], "_build_row", self._table_row)
        _wrap(self.htmlStash, "store", self._stash)

    def convert_within(self, text: str, budget: int = BUDGET) -> tuple[str, int]:
        """The HTML of `text` and the units it and its sanitizing cost; TooComplex past the
        budget (also for a recursion too deep for the interpreter)."""
        self.meter = Meter(budget)
        self.meter.text_length = len(text)
        self.meter.charge(len(text) // TEXT_CHARS_PER_UNIT)
        try:
            html = self.convert(text)
        except RecursionError as error:
            raise TooComplex("recursion") from error
        self.meter.charge(SANITIZE_UNITS_PER_MARK * (html.count("<") + html.count("&")))
        return html, self.meter.spent

    def _match(self, original, match, data):
        self.meter.charge(MATCH_COST + len(data) // REBUILD_CHARS_PER_UNIT)
        return original(match, data)

    def _link(self, original, data, index):
        end = min(len(data), index + MAX_LINK_DESTINATION)
        self.meter.charge((end - index) // SCAN_CHARS_PER_UNIT)
        return original(data[:end], index)

    def _scan(self, original, data):
        self.meter.charge(len(data) * BRACKET_UNITS_PER_CHAR)
        return original(data)

    def _code_span(self, original, start, text):
        self.meter.charge((len(text) - start) // SCAN_CHARS_PER_UNIT)
        return original(start, text)

    def _node(self, original, data, pattern_index=0):
        self.meter.charge(NODE_COST + len(data) // REBUILD_CHARS_PER_UNIT)
        return original(data, pattern_index)

    def _apply(self, original, pattern, data, pattern_index, start_index=0):
        self.meter.charge(APPLY_COST + (len(data) - start_index) // (REBUILD_CHARS_PER_UNIT * 5))
        return original(pattern, data, pattern_index, start_index)

    def _block(self, original, parent, blocks):
        meter = self.meter
        meter.charge(BLOCK_COST + (len(blocks[0]) if blocks else 0) // BLOCK_CHARS_PER_UNIT)
        meter.depth += 1
        try:
            if meter.depth > MAX_DEPTH:
                raise TooComplex("depth")
            return original(parent, blocks)
        finally:
            meter.depth -= 1

    def _table_row(self, original, row, parent, align):
        self.meter.charge(BLOCK_COST + len(align) * CELL_COST + len(row) // SCAN_CHARS_PER_UNIT)
        return original(row, parent, align)

    def _stash(self, original, html):
        self.meter.charge(MATCH_COST + self.meter.text_length // REBUILD_CHARS_PER_UNIT)
        return original(html)
