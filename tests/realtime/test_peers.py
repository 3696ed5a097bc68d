"""Two processes telling each other which room changed (realtime/peers.py), over Redis."""

from __future__ import annotations

import os
import queue
import threading
import time

from realtime.peers import Peers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_a_change_reaches_the_other_process_and_not_its_own():
    channel = f"test-peers-{os.getpid()}-{time.monotonic_ns()}"
    heard: dict[str, queue.Queue] = {"one": queue.Queue(), "two": queue.Queue()}
    one = Peers(REDIS_URL, channel, heard["one"].put)
    two = Peers(REDIS_URL, channel, heard["two"].put)
    for peers in (one, two):
        threading.Thread(target=peers.listen, args=(time.sleep,), daemon=True).start()
    deadline = time.monotonic() + 10
    while one._redis.pubsub_numsub(channel)[0][1] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    one.publish("meeting:7")
    two.publish("meeting:8")
    assert heard["two"].get(timeout=5) == "meeting:7"
    assert heard["one"].get(timeout=5) == "meeting:8"
    time.sleep(0.2)
    assert heard["one"].empty() and heard["two"].empty()  # nobody hears itself
