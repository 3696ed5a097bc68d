"""Statements shared between threads (issue 18, finding 9): a module-level `aliased(User)` used
for the first time by several threads at once was adapted wrongly and stayed wrong for the
life of the process (a named poll's 14 ballots shown as 518, or every join refused). Fresh
interpreters read the live state and the open data from many threads at the same moment, and
every thread must read what one thread alone reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from council.extensions import db
from tests.domain import shared_statements_probe
from tests.factories import reread
from tests.meeting_helpers import make_council, running_meeting
from tests.poll_helpers import Vote, hold

pytestmark = pytest.mark.slow  # a fresh process, threads at once

PROBE = shared_statements_probe.__name__
RUNS, THREADS = 24, 8


def test_statements_built_from_many_threads_at_once_read_the_same(app, make_user, tmp_path):
    council = make_council(make_user, members=6)
    absent = council.members[-1]
    present = [person for person in council.all_members if person is not absent]
    meeting = running_meeting(council, present=present)
    vote = Vote(
        choices={person: "in_favour" if n % 3 else "against" for n, person in enumerate(present)},
        reasons={present[1]: "Per i quartieri più lontani."},
        by_proxy={absent: (present[2], "abstain")},
    )
    poll, _decision = hold(council, meeting, vote, decide=False)
    reread()
    expected = shared_statements_probe.reading(db.session, meeting.id, poll.id)
    assert len(expected["state"]["poll"]["ballots"]) == len(present) + 1
    assert len(expected["state"]["proxies"]) == 1
    assert len(expected["named_ballots"]) == len(present) + 1
    (tmp_path / "expected.json").write_text(json.dumps(expected))
    reread()

    url = db.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", PROBE, url, str(meeting.id), str(poll.id),
         str(tmp_path / "expected.json"), str(RUNS), str(THREADS)],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["runs"] == RUNS
    assert report["bad"] == [], f"{len(report['bad'])} of {RUNS} interpreters: {report['bad'][:3]}"
