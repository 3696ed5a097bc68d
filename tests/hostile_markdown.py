"""A generated corpus of markdown that is costly to convert: the openers python-markdown
scans ahead from (links, images, brackets, HTML, code spans), emphasis runs, deep lists and
quotes, long lines, many blocks, tables, and seeded noise of markdown's own characters. Each
entry is made to a given length, so the tests and bench/markdown_worst.py can try every field
at its limit."""

from __future__ import annotations

import random
from collections.abc import Callable

from council import markdown
from council.demo.proposal_texts import PROPOSALS
from council.domain.archive import implementation, minutes
from council.domain.discussion import comment_rules
from council.domain.meetings import meetings
from council.domain.proposals import amendments
from council.domain.proposals import proposals as proposal_rules
from council.domain.voting import polls
from council.markdown_guard import BUDGET, GuardedMarkdown
from council.rendered_texts import MINUTES_BUDGET

# field: (longest text accepted, budget)
FIELDS = {
    "comment": (comment_rules.MAX_BODY, BUDGET),
    "proposal": (proposal_rules.MAX_BODY, BUDGET),
    "amendment reason": (amendments.MAX_REASON, BUDGET),
    "description": (meetings.MAX_TEXT, BUDGET),
    "decision": (polls.MAX_TEXT, BUDGET),
    "implementation": (implementation.MAX_TEXT, BUDGET),
    "minutes": (minutes.MAX_BODY, MINUTES_BUDGET),
}


def _fill(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


def _lines(make: Callable[[int], str]) -> Callable[[int], str]:
    def build(n: int) -> str:
        out, i = [], 0
        while sum(map(len, out)) < n:
            out.append(make(i))
            i += 1
        return "".join(out)[:n]

    return build


def _noise(alphabet: str) -> Callable[[int], str]:
    def build(n: int) -> str:
        choose = random.Random(18).choice
        return "".join(choose(alphabet) for _ in range(n))

    return build


SHAPES: dict[str, Callable[[int], str]] = {
    "link openers": _fill("[a]("),
    "image openers": _fill("![a]("),
    "reference openers": _fill("[a]["),
    "open brackets": _fill("["),
    "nested brackets": lambda n: "[" * (n // 2) + "]" * (n - n // 2),
    "bracket and star": _fill("[*"),
    "open parentheses in a link": lambda n: "[a](" + "(" * (n - 4),
    "long link destination": lambda n: "[a](http://" + "a" * max(0, n - 12) + ")",
    "HTML openers": _fill("<a "),
    "HTML comments": _fill("<!--"),
    "HTML blocks": _fill("<div>\n"),
    "HTML attribute": lambda n: "<a " + _fill('b="')(n - 3),
    "autolink openers": _fill("<http://"),
    "entities": _fill("&#"),
    "emphasis run": _fill("*a"),
    "strong run": _fill("**a"),
    "triple emphasis": _fill("***a"),
    "underscore run": _fill("_a"),
    "backtick runs": _fill("``a`"),
    "backticks": _fill("`a"),
    "backslashes": _fill("\\*"),
    "deep list": _lines(lambda i: "    " * i + "- x\n"),
    "deep ordered list": _lines(lambda i: "    " * i + "1. x\n"),
    "deep quote": _fill("> "),
    "quote per line": _fill(">\n"),
    "growing quotes": _lines(lambda i: ">" * i + " x\n"),
    "long word": _fill("a"),
    "line breaks": _fill("a\n"),
    "hard breaks": _fill("a  \n"),
    "headings": _fill("# a\n"),
    "setext headings": _fill("a\n===\n"),
    "rules": _fill("---\n"),
    "fences": _fill("```\n"),
    "open fence": lambda n: "```\n" + _fill("a\n")(n - 4),
    "table rows": lambda n: "|a|b|\n|-|-|\n" + _fill("|a|b|\n")(n - 12),
    "wide table": lambda n: "|" + _fill("a|")(n // 2 - 2) + "\n|" + _fill("-|")(n // 2 - 2) + "\n",
    "mixed openers": _fill("*[_a](`<"),
    "noise": _noise("[]()!<>*_`\\&#:-+=|~ \n>ah/.@\"'"),
    "noise of openers": _noise("[]()*_<>`!"),
}


def council_prose(length: int) -> str:
    """The demo's proposals (headings, lists, emphasis, links) one after another, to length."""
    text = "\n\n".join(version[1] for proposal in PROPOSALS for version in proposal["versions"])
    while len(text) < length:
        text += "\n\n" + text
    return text[:length].rsplit("\n\n", 1)[0]


def corpus(length: int) -> dict[str, str]:
    return {name: make(length) for name, make in SHAPES.items()}


class Counting(GuardedMarkdown):
    """Counts the conversions: reading a written text must not make one."""

    made = 0

    def convert_within(self, text, budget=BUDGET):
        Counting.made += 1
        return super().convert_within(text, budget)


def count_conversions(monkeypatch) -> type[Counting]:
    """From now on (the test's end: monkeypatch undoes it), converters count what they make;
    nothing rendered is kept in memory, so a reading finds what the database stores."""
    monkeypatch.setattr(markdown, "GuardedMarkdown", Counting)
    while not markdown._idle.empty():
        markdown._idle.get_nowait()
    monkeypatch.setattr(markdown, "_idle", type(markdown._idle)())
    markdown.kept.clear()
    Counting.made = 0
    return Counting
