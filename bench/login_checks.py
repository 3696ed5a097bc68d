"""What the login sessions and the login limits cost: the session check every logged-in
request makes (one read by primary key, the account joined, its roles), the same check in
the batch form the ballots use, "last seen" written (at most once a minute per session),
and a failed login's counters (read, then three upserts) — in process, against a fresh
SQLite or PostgreSQL database.

    .venv/bin/python bench/login_checks.py [--postgresql] [--rounds 2000]

Prints the median and the 99th percentile in milliseconds, beside what the code before
did (the account read by id; one counter per e-mail). Not measured here: the Argon2id
check of a password (tens of milliseconds by design), which every login attempt pays anyway.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Instance

from council.domain.accounts import accounts, login_sessions, logins, throttle
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.models.user import Role, User
from council.unit_of_work import unit_of_work


def timed(rounds: int, work) -> tuple[float, float]:
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        work(n)
        times.append((time.perf_counter() - started) * 1000)
        db.session.remove()  # each request has its own session: no identity map help
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    instance = Instance(postgresql=args.postgresql)
    try:
        with instance.app.app_context():
            with unit_of_work() as work:
                user = accounts.create_user(work, SYSTEM, email="bench@example.org",
                                            name="Bench Persona", password="x" * 12,
                                            roles={Role.MEMBER})  # fmt: skip
                login = login_sessions.start(work, user, address="192.0.2.1", device="Bench",
                                             remember=False)  # fmt: skip
            session_id = login_sessions.session_id(login)
            limits = logins.Limits()
            client = logins.Client("192.0.2.7")

            def failed_login_counters(n: int) -> None:
                email = f"nessuno{n}@example.org"  # a flood of distinct e-mails
                checked = logins._limits(email, None, client, limits)
                with unit_of_work() as work:
                    throttle.seconds_to_wait(work, checked)
                    throttle.count(work, checked)

            def touch(_n: int) -> None:
                with unit_of_work() as work:
                    login_sessions.touch(work, session_id, "192.0.2.1")

            def one_counter(n: int) -> None:
                checked = logins._limits(f"nessuno{n}@example.org", None, client, limits)[:1]
                with unit_of_work() as work:
                    throttle.seconds_to_wait(work, checked)
                    throttle.count(work, checked)

            user_id = user.id
            rows = {
                "account by id (the check before)": lambda _n: db.session.get(User, user_id),
                "session check (loader)": lambda _n: login_sessions.find(db.session, login),
                "session check (batch of one)": lambda _n: login_sessions.logged_in(
                    db.session, [login]
                ),
                "last seen, its conditional UPDATE": touch,
                "failed login: read + count 1 counter": one_counter,
                "failed login: read + count 3 counters": failed_login_counters,
            }
            print(f"{instance.database}, {args.rounds} rounds each")
            for name, work in rows.items():
                median, p99 = timed(args.rounds, work)
                print(f"  {name:40s} p50 {median:6.2f} ms   p99 {p99:6.2f} ms")
    finally:
        instance.drop()


if __name__ == "__main__":
    main()
