"""Bench: the worst time to render any text a person can submit, per field (issue 18).

    .venv/bin/python bench/markdown_worst.py [--runs 3] [--fields comment,proposal]

For every field that takes markdown, each shape of the hostile corpus (tests/hostile_markdown.py)
at the field's longest length goes through the write path (council.markdown.check: convert
within the field's budget, or refuse), and the thread's CPU time is measured, best of --runs.
Then the read path: the same texts read back as a page does (council.markdown.rendering from
the process's memory), and a text refused as shown when it was stored before the budget
existed (escaped paragraphs). The council's own prose at the same length is the reference:
what a long, ordinary text costs.

Prints, per field: its length, the worst shape and its write time, how many shapes were
refused, the prose's time and the worst read.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from council import markdown  # noqa: E402
from council.errors import ValidationError  # noqa: E402
from tests.hostile_markdown import FIELDS, corpus, council_prose  # noqa: E402


def cpu_ms(action, runs: int) -> tuple[float, object]:
    best, result = None, None
    for _ in range(runs):
        markdown.kept.clear()
        gc.collect()  # every run from the same heap: a full collection is the process's cost
        began = time.thread_time()
        try:
            result = action()
        except ValidationError as refused:
            result = refused
        spent = (time.thread_time() - began) * 1000
        best = spent if best is None else min(best, spent)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fields", default=",".join(FIELDS))
    args = parser.parse_args()
    print(f"{'field':17} {'length':>7} {'worst shape':26} {'write ms':>8} {'refused':>8} "
          f"{'prose ms':>8} {'read ms':>7}")  # fmt: skip
    for field in args.fields.split(","):
        limit, budget = FIELDS[field]
        worst = ("", 0.0)
        refused = 0
        texts = corpus(limit)
        for name, text in texts.items():
            spent, result = cpu_ms(lambda t=text, b=budget: markdown.check(t, "body", b), args.runs)
            refused += isinstance(result, ValidationError)
            if spent > worst[1]:
                worst = (name, spent)
        prose_text = council_prose(limit)
        prose, _ = cpu_ms(lambda t=prose_text, b=budget: markdown.check(t, "body", b), args.runs)
        read = 0.0
        for text in texts.values():
            markdown.rendering(text)  # kept, as the flush keeps it when the text is written
            began = time.thread_time()
            markdown.rendering(text)
            read = max(read, (time.thread_time() - began) * 1000)
        print(f"{field:17} {limit:>7} {worst[0]:26} {worst[1]:>8.1f} "
              f"{refused:>4}/{len(texts):<3} {prose:>8.1f} {read:>7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
