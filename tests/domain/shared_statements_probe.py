"""Run as a script by tests/domain/test_shared_statements.py: reads a meeting's live state and
a closed poll's open data from many threads at the same moment, in fresh interpreters.

The driver imports the libraries and the models once, then forks one child per run; each
child imports the domain modules afresh (their module-level statements and aliases are new),
switches threads as often as CPython allows and releases its threads together through a
barrier. A child reports the warnings, the errors and every thread's reading that differs
from the one expected. Prints one JSON line: {"runs": n, "bad": [first problems]}.

usage: shared_statements_probe.py DATABASE_URL MEETING_ID POLL_ID EXPECTED_JSON RUNS THREADS
"""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

PARALLEL = 2  # children at a time (the machines have two cores)


def reading(session: Session, meeting_id: int, poll_id: int) -> dict[str, Any]:
    """What the shared statements produce, in a form to compare (no clock, no presence)."""
    from council.domain.archive import open_data
    from council.domain.meetings import live_session
    from council.models.meeting import Meeting
    from council.models.poll import Poll

    state = live_session.state(session, session.get(Meeting, meeting_id))
    del state["server_time"]
    facts = open_data.poll_facts(session, [session.get(Poll, poll_id)])
    rows = list(open_data.named_ballots(session))
    return json.loads(json.dumps({
        "state": state,
        "facts": {str(k): repr(v) for k, v in facts.items()},
        "named_ballots": [repr(row) for row in rows],
    }, default=str))  # fmt: skip


def _child(url: str, meeting_id: int, poll_id: int, expected: dict, threads: int) -> list[str]:
    sys.setswitchinterval(1e-6)
    problems: list[str] = []
    warnings.simplefilter("always")
    warnings.showwarning = lambda message, category, *_a, **_k: problems.append(
        f"{category.__name__}: {message}"
    )
    # the modules under test, imported here afresh: new module-level statements and aliases
    from council.db import make_engine

    engine = make_engine(url)
    barrier = threading.Barrier(threads)

    def work() -> None:
        with Session(engine) as session:
            session.connection()  # connected before the barrier: they start together
            barrier.wait()
            try:
                found = reading(session, meeting_id, poll_id)
            except Exception:
                problems.append(traceback.format_exc(limit=-3))
                return
            if found != expected:
                diff = [key for key in expected if found.get(key) != expected[key]]
                problems.append(f"a thread read something else: {diff}")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    return problems


def main() -> None:
    url, meeting_id, poll_id, expected_path, runs, threads = sys.argv[1:7]
    expected = json.loads(Path(expected_path).read_text())
    import flask_babel  # noqa: F401  the libraries and models once, in the driver

    import council.models  # noqa: F401

    assert "council.domain.voting.live_polls" not in sys.modules
    bad: list[str] = []
    pending: list[tuple[int, int]] = []  # (pid, the read end of its pipe), oldest first
    results: list[str] = []

    def reap() -> None:
        pid, read = pending.pop(0)
        with os.fdopen(read) as pipe:
            results.append(pipe.read())
        os.waitpid(pid, 0)

    for _run in range(int(runs)):
        if len(pending) >= PARALLEL:
            reap()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                problems = _child(url, int(meeting_id), int(poll_id), expected, int(threads))
            except BaseException:
                problems = [traceback.format_exc()]
            with os.fdopen(write, "w") as pipe:
                pipe.write(json.dumps(problems))
            os._exit(0)
        os.close(write)
        pending.append((pid, read))
    while pending:
        reap()
    for result in results:
        problems = json.loads(result or '["the child died"]')
        if problems:
            bad.append(problems[0][-600:])
    print(json.dumps({"runs": len(results), "bad": bad}))


if __name__ == "__main__":
    main()
