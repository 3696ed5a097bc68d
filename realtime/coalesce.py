"""Coalesced broadcasts of fast-changing room state (PERFORMANCE.md).

`mark(room)` notes that a room's state changed and returns at once. One background task per
dirty room builds the state and emits it, then waits a window; if the room changed meanwhile
it builds and emits again, else it ends. So a burst of N changes costs about one broadcast per
window instead of N, the latest state always wins, and each broadcast is built once and
emitted once to the whole room (python-socketio encodes one packet for all its members).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

log = logging.getLogger(__name__)

Builder = Callable[[str], Any]  # room -> payload, or None to send nothing


class Coalescer:
    def __init__(
        self, socketio: SocketIO, app: Flask, build: Builder, *, event: str, window: float = 0.1
    ) -> None:
        self.socketio = socketio
        self.app = app
        self.build = build
        self.event = event
        self.window = window
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

    def _run(self, room: str) -> None:
        while True:
            with self._lock:
                if room not in self._dirty:
                    self._running.discard(room)
                    return
                self._dirty.discard(room)
            try:
                with self.app.app_context():
                    payload = self.build(room)
                if payload is not None:
                    self.socketio.emit(self.event, payload, to=room)
                    self.emitted[room] += 1
            except Exception:
                log.exception("broadcast of %s to %s failed", self.event, room)
            self.socketio.sleep(self.window)
