"""The coalescer holds a room's broadcast while requests that change state are running (a
burst of ballots), within a bound, and then sends the latest state once."""

from __future__ import annotations

import threading
import time

from realtime.coalesce import Coalescer, InFlight


class Sockets:
    """Stands in for Flask-SocketIO: real background threads, the broadcasts recorded."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def start_background_task(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def emit(self, event: str, payload: dict, to: str) -> None:
        self.sent.append((to, payload))


def until(check, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def coalescer(
    app, state: dict, busy: InFlight, hold: float, window: float = 0.05, idle=None
) -> tuple[Coalescer, Sockets]:
    sockets = Sockets()
    build = lambda room: dict(state)  # noqa: E731
    return Coalescer(sockets, app, build, event="e", window=window, busy=busy, hold=hold,
                     idle=idle), sockets  # fmt: skip


def test_a_broadcast_waits_for_the_requests_in_flight_then_sends_the_latest_state(app):
    state, busy = {"voted": 0}, InFlight()
    room, sockets = coalescer(app, state, busy, hold=5)
    with busy.running():
        for voted in range(1, 31):
            state["voted"] = voted
            room.mark("meeting:1")
            time.sleep(0.01)
        assert sockets.sent == []
    until(lambda: sockets.sent)
    time.sleep(0.2)
    assert sockets.sent == [("meeting:1", {"voted": 30})]


def test_the_hold_is_bounded(app):
    state, busy = {"voted": 1}, InFlight()
    room, sockets = coalescer(app, state, busy, hold=0.3)
    with busy.running():
        started = time.monotonic()
        room.mark("meeting:1")
        until(lambda: sockets.sent)
        assert 0.25 <= time.monotonic() - started < 3
    assert sockets.sent == [("meeting:1", {"voted": 1})]
    assert not busy()


def test_a_held_broadcast_goes_when_the_last_request_ends_not_at_its_next_look(app):
    state, busy = {"voted": 1}, InFlight()
    # a window of 5 s: without being told, the coalescer would look again only after 1 s
    room, sockets = coalescer(app, state, busy, hold=25, window=5, idle=busy.wait_idle)
    with busy.running():
        room.mark("meeting:1")
        time.sleep(0.3)
        state["voted"] = 2
        assert sockets.sent == []
    ended = time.monotonic()
    until(lambda: sockets.sent)
    assert time.monotonic() - ended < 0.5
    assert sockets.sent == [("meeting:1", {"voted": 2})]
