"""A tiny publish/subscribe between the domain and its listeners (realtime, notifications).

Operations queue events on the session; the unit of work publishes them after commit, so a
listener never sees a change that was rolled back. Nothing here knows about Socket.IO.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    kind: str
    subject: str
    data: dict[str, Any] = field(default_factory=dict)
    record_seq: int | None = None
    record_hash: str | None = None


Listener = Callable[[Event], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def publish(event: Event) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception:  # a listener must never undo a committed change
            log.exception("event listener failed for %s", event.kind)


def queue(session: Any, event: Event) -> None:
    """Queue an event to publish once the session's transaction commits."""
    session.info.setdefault("pending_events", []).append(event)
