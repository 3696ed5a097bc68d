"""Coalesced broadcasts of fast-changing room state (PERFORMANCE.md).

`mark(room)` notes that a room's state changed and returns at once. One background task per
dirty room builds the state and emits it, then waits a window; if the room changed meanwhile
it builds and emits again, else it ends. So a burst of N changes costs about one broadcast per
window instead of N, the latest state always wins, and each broadcast is built once and
emitted once to the whole room (python-socketio encodes one packet for all its members).

While requests that change a room's state are still running (`busy(room)`: a burst of
ballots, here or in another process), a broadcast waits for them, up to `hold` seconds:
sending a snapshot to every socket of a large room takes the process from those requests,
which then last longer and cause more broadcasts (bench/README.md, live_poll.py).

With several processes (`local`), each builds and sends the snapshot to its own sockets only,
and learns of the others' changes from peers.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

log = logging.getLogger(__name__)

Builder = Callable[[str], Any]  # room -> payload, or None to send nothing


class InFlight:
    """How many requests that change state this process is running; true while any is."""

    def __init__(self) -> None:
        self._idle = threading.Condition()
        self.count = 0

    @contextmanager
    def running(self) -> Iterator[None]:
        with self._idle:
            self.count += 1
        try:
            yield
        finally:
            with self._idle:
                self.count -= 1
                if self.count == 0:
                    self._idle.notify_all()

    def __call__(self, _room: str | None = None) -> bool:
        return self.count > 0

    def wait_idle(self, timeout: float) -> None:
        """Return once no request is running, or after `timeout` seconds."""
        with self._idle:
            self._idle.wait_for(lambda: self.count == 0, timeout)


class Coalescer:
    def __init__(
        self, socketio: SocketIO, app: Flask, build: Builder, *, event: str, window: float = 0.1,
        busy: Callable[[str], bool] | None = None, hold: float = 0.0, local: bool = False,
        idle: Callable[[float], None] | None = None,
    ) -> None:  # fmt: skip
        self.socketio = socketio
        self.app = app
        self.build = build
        self.event = event
        self.window = window
        self.busy = busy
        self.hold = hold
        # waits up to so many seconds for `busy` to end: a sleep, or returning when it ends
        self.idle = idle or socketio.sleep
        self.local = local  # to this process's sockets only, not through the message queue
        self._lock = threading.Lock()
        self._dirty: set[str] = set()
        self._running: set[str] = set()
        self.emitted: Counter[str] = Counter()  # broadcasts per room, for tests and benches

    def mark(self, room: str) -> None:
        """The room's state changed: make sure a broadcast follows soon. Never blocks."""
        with self._lock:
            self._dirty.add(room)
            if room in self._running:
                return
            self._running.add(room)
        self.socketio.start_background_task(self._run, room)

    def _wait_while_busy(self, room: str) -> None:
        if self.busy is None:
            return
        deadline = time.monotonic() + self.hold
        while self.busy(room) and (left := deadline - time.monotonic()) > 0:
            self.idle(min(left, self.window / 5))

    def _run(self, room: str) -> None:
        while True:
            self._wait_while_busy(room)
            with self._lock:
                if room not in self._dirty:
                    self._running.discard(room)
                    return
                self._dirty.discard(room)
            try:
                with self.app.app_context():
                    payload = self.build(room)
                if payload is not None:
                    local = {"ignore_queue": True} if self.local else {}
                    self.socketio.emit(self.event, payload, to=room, **local)
                    self.emitted[room] += 1
            except Exception:
                log.exception("broadcast of %s to %s failed", self.event, room)
            self.socketio.sleep(self.window)
