"""Scheduled work without anyone online: a background task in every server process wakes
every SCHEDULER_INTERVAL seconds (0: off, as in the tests) and runs the jobs that are due.

The jobs are safe to run from several processes at once, each claiming its rows with a
conditional UPDATE: an online consultation is closed once (`consultations.close_due`), a
notification e-mailed once (`mail.send_digests`). The same work is available to cron through
`flask --app app consultations close-due`, `flask --app app notifications send-digests` and
`flask --app app users forget-expired`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from council import mail
from council.domain.accounts import login_sessions, throttle
from council.domain.voting import consultations
from council.extensions import db, socketio
from council.models.base import utcnow
from council.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

DIGESTS_EVERY = 300.0  # seconds: a digest is due at most once a day per person anyway
FORGET_EVERY = 60.0  # seconds between two clean-ups of login counters and idle sessions


def close_due_consultations() -> list[int]:
    """Close the online consultations whose time is up; their ids."""
    with unit_of_work() as session:
        return [c.id for c in consultations.close_due(session, utcnow())]


def forget_expired_logins() -> dict[str, int]:
    """Drop the login and registration counters past their window (and the oldest past
    THROTTLE_MAX_ROWS), and the sessions unused for SESSION_IDLE_DAYS."""
    config = current_app.config
    longest = max(config["LOGIN_FAILURE_WINDOW"], config["REGISTRATION_WINDOW"])
    with unit_of_work() as session:
        counters = throttle.forget_expired(
            session, longest_window=longest, most_rows=config["THROTTLE_MAX_ROWS"]
        )
        sessions = login_sessions.forget_idle(session)
    return {"counters": counters, "sessions": sessions}


@dataclass
class Job:
    name: str
    run: Callable[[], Any]
    every: float  # seconds between two runs (at least the scheduler's interval)
    next_at: float = 0.0  # time.monotonic(); 0: at the first wake-up


class Scheduler:
    """The jobs of one process and the loop that runs them."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.jobs: list[Job] = []
        self._stop = threading.Event()
        self._task: Any = None

    def add(self, name: str, run: Callable[[], Any], every: float | None = None) -> None:
        self.jobs.append(Job(name, run, max(every or 0.0, self.interval)))

    def run_pending(self, now: float | None = None) -> list[str]:
        """Run every job that is due, each in the app's context; a failing job is logged
        and tried again at its next turn. Returns the names of the jobs run."""
        now = time.monotonic() if now is None else now
        ran = []
        for job in self.jobs:
            if job.next_at > now:
                continue
            job.next_at = now + job.every
            with self.app.app_context():
                try:
                    job.run()
                except Exception:
                    log.exception("scheduled job %s failed", job.name)
                finally:
                    db.remove_session()
            ran.append(job.name)
        return ran

    def start(self) -> bool:
        """Start the background task (once); False when the interval turns it off."""
        if self.interval <= 0 or self._task is not None:
            return False
        self._task = socketio.start_background_task(self._loop)
        return True

    def stop(self, wait: float | None = None) -> None:
        """Ask the loop to end; with `wait`, give it that many seconds to finish its turn."""
        self._stop.set()
        if wait is not None and self._task is not None:
            self._task.join(wait)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_pending()
            socketio.sleep(self.interval)


def init_app(app: Flask) -> Scheduler:
    """Register the jobs; nothing runs until `start(app)` (the server does it, not the CLI)."""
    scheduler = Scheduler(app, float(app.config.get("SCHEDULER_INTERVAL", 0)))
    scheduler.add("consultations.close_due", close_due_consultations)
    scheduler.add("notifications.send_digests", mail.send_digests, every=DIGESTS_EVERY)
    scheduler.add("logins.forget_expired", forget_expired_logins, every=FORGET_EVERY)
    app.extensions["consiglio_scheduler"] = scheduler
    return scheduler


def start(app: Flask) -> bool:
    return app.extensions["consiglio_scheduler"].start()
