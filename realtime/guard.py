"""What one socket may ask of its process, and what a socket event may never do: die without
an answer (docs/realtime.md, "Limits"; docs/deployment.md for the settings).

Each event is admitted as python-socketio receives it (`Guard.install`), before a thread or a
greenlet, a Flask request or a query is spent on it: a token bucket per socket
(`SOCKET_EVENTS_PER_SECOND`, up to `SOCKET_EVENT_BURST` at once) and a bound on the socket's
events in flight (`SOCKET_EVENTS_IN_FLIGHT`); one over either is answered there,
`rate_limited` with `retry_after`. Then every handler runs through `Guard.handler`: one that
uses the database waits for one of the process's `SOCKET_DATABASE_TURNS` turns (fewer than
the pool's connections, so that the broadcaster, the ballots' writer and the pages always
find one) or answers `busy` after `SOCKET_DATABASE_WAIT` seconds; any exception is answered
`error`; each event is logged once, with the public id the socket connected as (no database
read for the log); a run of refusals of one socket is logged by its first.

Why: one socket sending without waiting could hold a member's check-in for many seconds and
empty the pool (bench/README.md, "One socket flooding its process").

`install` wraps python-socketio's Server._handle_event (private; python-socketio < 6 is
pinned): tests/realtime/test_flood.py fails if a release changes it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from socketio import packet

from council import logs
from council.extensions import db
from council.i18n import speaking

log = logging.getLogger(__name__)

WHO = "consiglio.who"  # the environ's public id of the person the socket connected as
LANGUAGE = "consiglio.language"  # and the language chosen then (connection.py)


RATE_LIMITED = lazy_gettext("Too many requests: wait a moment and try again.")
UNKNOWN_EVENT = lazy_gettext("Unknown event.")


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": code, "message": message, **extra}


def unexpected() -> dict[str, Any]:
    return error("error", _("An unexpected error occurred. Nothing was changed."))


@dataclass
class _Socket:
    tokens: float
    stamp: float
    in_flight: int = 0
    refusing: bool = False  # the last event was refused (the run's first is logged)


@dataclass
class Limits:
    """Per socket: a token bucket of `rate` events a second holding up to `burst`, and at most
    `in_flight` events being handled at once."""

    rate: float = 10.0
    burst: int = 30
    in_flight: int = 4
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _sockets: dict[str, _Socket] = field(default_factory=dict, repr=False)

    def admit(self, sid: str) -> float | None:
        """None: admitted (and counted in flight until `done`); else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            state = self._sockets.get(sid)
            if state is None:
                state = self._sockets[sid] = _Socket(float(self.burst), now)
            state.tokens = min(float(self.burst), state.tokens + (now - state.stamp) * self.rate)
            state.stamp = now
            if state.in_flight >= self.in_flight or state.tokens < 1:
                first, state.refusing = not state.refusing, True
                wait = max(0.1, (1 - state.tokens) / self.rate)
                return round(wait, 2) if first else -round(wait, 2)
            state.refusing = False
            state.tokens -= 1
            state.in_flight += 1
            return None

    def done(self, sid: str) -> None:
        with self._lock:
            state = self._sockets.get(sid)
            if state is not None and state.in_flight > 0:
                state.in_flight -= 1

    def forget(self, sid: str) -> None:
        with self._lock:
            self._sockets.pop(sid, None)


class Guard:
    def __init__(self, limits: Limits, database_turns: int, database_wait: float) -> None:
        self.limits = limits
        self.turns = threading.BoundedSemaphore(database_turns)
        self.database_wait = database_wait
        self.names: set[str] = set()  # the events handled (others are logged as "unknown")
        self._messages: dict[tuple, str] = {}  # (message, language) -> translated

    @classmethod
    def from_config(cls, config: Any) -> Guard:
        limits = Limits(config["SOCKET_EVENTS_PER_SECOND"], config["SOCKET_EVENT_BURST"],
                        config["SOCKET_EVENTS_IN_FLIGHT"])  # fmt: skip
        return cls(limits, config["SOCKET_DATABASE_TURNS"], config["SOCKET_DATABASE_WAIT"])

    def install(self, server: Any, app: Flask) -> None:
        """Admit each event as it arrives, before python-socketio starts a thread (or a
        greenlet) and Flask a request for it: a refusal costs the process a few
        microseconds and no database, and goes back at once."""
        handle_event = server._handle_event

        def admitted(eio_sid, namespace, ack_id, data):
            namespace = namespace or "/"
            sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
            if sid is None or not server.manager.is_connected(sid, namespace):
                return handle_event(eio_sid, namespace, ack_id, data)
            named = bool(data) and isinstance(data[0], str)  # else no event (`42[]`, `42[1]`)
            wait = self.limits.admit(sid) if named else 0.0
            if wait is None:
                return handle_event(eio_sid, namespace, ack_id, data)
            environ = server.get_environ(sid, namespace) or {}
            if named and wait > 0:  # the first of a run of refusals
                name = data[0] if data[0] in self.names else "unknown"
                logs.socket_event(name, time.perf_counter(), "rate_limited", environ.get(WHO))
            if ack_id is not None:
                language = environ.get(LANGUAGE)
                refusal = (
                    error("rate_limited", self.say(app, RATE_LIMITED, language),
                          retry_after=abs(wait)) if named
                    else error("unknown_event", self.say(app, UNKNOWN_EVENT, language))
                )  # fmt: skip
                server._send_packet(eio_sid, server.packet_class(
                    packet.ACK, namespace=namespace, id=ack_id, data=[refusal]))  # fmt: skip
            return None

        server._handle_event = admitted

    def say(self, app: Flask, message: Any, language: str | None) -> str:
        """A message in a socket's language, outside any request (kept once translated)."""
        key = (id(message), language)  # the module's constants
        if key not in self._messages:
            with app.app_context(), speaking(language):
                self._messages[key] = str(message)
        return self._messages[key]

    def handler(self, name: str, handle: Callable, *, database: bool = True) -> Callable:
        """`handle` run (holding a database turn if `database`), answered and logged as the
        event `name`; the socket's event in flight ends with it (it was admitted: install)."""
        self.names.add(name)

        def guarded(*args):
            started = time.perf_counter()
            try:
                ack = self._run(name, handle, args, database)
            finally:
                self.limits.done(request.sid)
            outcome = "ok" if not isinstance(ack, dict) or ack.get("ok") else ack.get("error")
            logs.socket_event(name, started, str(outcome), request.environ.get(WHO))
            return ack

        return guarded

    def _run(self, name: str, handle: Callable, args: tuple, database: bool) -> Any:
        if database and not self.turns.acquire(timeout=self.database_wait):
            return error("busy", _("The server is busy: send it again in a moment."))
        try:
            return handle(*args)
        except Exception:
            log.exception("socket event %s failed", name)
            return unexpected()
        finally:
            if database:
                db.remove_session()  # its connection back to the pool before the next turn
                self.turns.release()


class TooLarge:
    """An integer of more than 100 digits in a payload: never parsed (Engine.IO's own guard,
    int() of a long string costs quadratic time), a value of no field's type, so the field is
    refused `invalid` instead of the whole packet being dropped without an answer."""

    def __repr__(self) -> str:
        return "TooLarge()"


TOO_LARGE = TooLarge()


def _parse_int(digits: str) -> int | TooLarge:
    return TOO_LARGE if len(digits.lstrip("-")) > 100 else int(digits)


class PacketJSON:
    """The JSON module of Socket.IO packets (`json=` of SocketIO): the standard one, but an
    over-long integer becomes TOO_LARGE instead of failing the packet."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_int", _parse_int)
        return json.loads(*args, **kwargs)
