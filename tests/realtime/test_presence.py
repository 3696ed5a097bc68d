"""Presence in Redis under a crowd: more sockets joining and leaving at once than the
process keeps connections to Redis (a restart: every phone reconnects at the same moment)."""

from __future__ import annotations

import os
import threading

from realtime.presence import Presence

# Redis runs wherever the suite runs (the SQLite pass only keeps the app off it)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_a_crowd_joining_and_leaving_at_once_waits_for_a_connection_and_is_counted():
    presence = Presence(REDIS_URL, prefix=f"test-{os.getpid()}", connections=2)
    failures: list[BaseException] = []
    barrier = threading.Barrier(40)

    def phone(n: int) -> None:
        try:
            barrier.wait()
            presence.join(1, f"sid-{n}", f"u-{n}" if n % 2 else None)
            if n % 4 == 0:
                presence.leave(f"sid-{n}")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert failures == []
        summary = presence.summary(1)
        assert summary["connected"] == 30
        assert summary["members_connected"] == sorted(f"u-{n}" for n in range(1, 40, 2))
    finally:
        presence.forget_all([1])
