"""The scheduler: jobs run at their turn and a failure stops nothing; and the real server,
started with a short SCHEDULER_INTERVAL, closes a consultation on time with nobody online."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from council.domain.record import record
from council.extensions import db
from council.models.base import utcnow
from council.models.consultation import ConsultationState
from council.scheduler import Scheduler
from tests.conftest import _free_port
from tests.consultation_helpers import opened
from tests.factories import fresh, reread
from tests.meeting_helpers import events_since, make_council

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=2)


def wait_closed(consultation, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if fresh(consultation).state == ConsultationState.CLOSED:
            return True
        time.sleep(0.1)
    return False


def test_jobs_run_at_their_turn_and_a_failure_stops_nothing(app, caplog):
    runs: list[str] = []

    def broken() -> None:
        raise RuntimeError("SMTP down")

    scheduler = Scheduler(app, interval=1)
    scheduler.add("often", lambda: runs.append("often"))
    scheduler.add("broken", broken)
    scheduler.add("rarely", lambda: runs.append("rarely"), every=10)
    assert scheduler.run_pending(now=100) == ["often", "broken", "rarely"]
    assert scheduler.run_pending(now=100.5) == []
    assert scheduler.run_pending(now=101) == ["often", "broken"]
    assert scheduler.run_pending(now=110) == ["often", "broken", "rarely"]
    assert runs == ["often", "rarely", "often", "often", "rarely"]
    assert "scheduled job broken failed" in caplog.text


def test_an_interval_of_zero_starts_nothing(app):
    assert app.config["SCHEDULER_INTERVAL"] == 0  # off in the tests
    assert Scheduler(app, interval=0).start() is False
    assert app.extensions["consiglio_scheduler"].start() is False
    names = [job.name for job in app.extensions["consiglio_scheduler"].jobs]
    assert names == [
        "consultations.close_due",
        "notifications.send_digests",
        "logins.forget_expired",
    ]


def test_the_background_task_closes_a_consultation_on_time(app, council):
    scheduler = Scheduler(app, interval=0.2)
    scheduler.add("consultations.close_due", app.extensions["consiglio_scheduler"].jobs[0].run)
    consultation = opened(council.secretary, closes_at=utcnow() + timedelta(seconds=1))
    try:
        assert scheduler.start() is True
        assert scheduler.start() is False  # one task per process
        assert wait_closed(consultation, 10)
    finally:
        scheduler.stop(wait=5)
    [(_kind, data)] = events_since(0, "consultation.closed")
    assert data["early"] is False


@pytest.mark.slow  # a server process
def test_the_server_closes_a_consultation_with_nobody_online(app, council, tmp_path):
    """`python app.py` with SCHEDULER_INTERVAL=0.3, not one request: closed within seconds."""
    env = os.environ | {
        "CONSIGLIO_ENV": "testing",
        "CONSIGLIO_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SCHEDULER_INTERVAL": "0.3",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "PORT": str(_free_port()),
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        consultation = opened(council.secretary, closes_at=utcnow() + timedelta(seconds=1))
        closed = wait_closed(consultation, 30)
        assert closed, server.stderr.read1().decode() if server.poll() is not None else "open"
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()
    reread()
    [event] = [e for e in record.latest(db.session) if e.kind == "consultation.closed"]
    assert event.actor is None  # the system closed it, once
