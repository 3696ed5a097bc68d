"""Server processes telling each other what changed (realtime/peers.py), over real Redis."""

from __future__ import annotations

import os
import queue
import threading
import time

from realtime.peers import Peers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _start(peers: Peers) -> None:
    def in_a_thread(task, *args):
        threading.Thread(target=task, args=args, daemon=True).start()

    peers.start(in_a_thread, time.sleep)


def _pair() -> tuple[Peers, Peers, dict[str, queue.Queue]]:
    channel = f"test-peers-{os.getpid()}-{time.monotonic_ns()}"
    heard: dict[str, queue.Queue] = {"one": queue.Queue(), "two": queue.Queue()}
    one, two = Peers(REDIS_URL, channel), Peers(REDIS_URL, channel)
    for name, peers in (("one", one), ("two", two)):
        peers.on("changed", lambda rooms, name=name: heard[name].put(("changed", rooms)))
        peers.on("emit", lambda messages, name=name: heard[name].put(("emit", messages)))
        _start(peers)  # subscribed when it returns: no waiting for the listener
    return one, two, heard


def test_a_message_reaches_the_other_process_and_not_its_own():
    one, two, heard = _pair()
    one.publish("changed", ["meeting:7", "meeting:9"])
    two.publish("emit", [["record.appended", {"seq": 3}, "record"]])
    assert heard["two"].get(timeout=5) == ("changed", ["meeting:7", "meeting:9"])
    assert heard["one"].get(timeout=5) == ("emit", [["record.appended", {"seq": 3}, "record"]])
    time.sleep(0.2)
    assert heard["one"].empty() and heard["two"].empty()  # nobody hears itself


def test_a_malformed_or_unknown_message_is_dropped_and_the_next_one_arrives():
    one, _two, heard = _pair()
    for garbage in ("", "x", f"{one.me}", f"{one.me} changed", f"{one.me} changed {{nope",
                    f"{one.me} unknown []", b"\xff"):  # fmt: skip
        one._redis.publish(one.channel, garbage)
    one.publish("changed", ["meeting:1"])
    assert heard["two"].get(timeout=5) == ("changed", ["meeting:1"])


def test_starting_twice_subscribes_once():
    one, two, heard = _pair()
    _start(two)
    assert one._redis.pubsub_numsub(one.channel)[0][1] == 2
    one.publish("changed", ["meeting:2"])
    assert heard["two"].get(timeout=5) == ("changed", ["meeting:2"])
    time.sleep(0.2)
    assert heard["two"].empty()
