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
BatchListener = Callable[[list[Event]], None]
_listeners: list[Listener] = []
_batch_listeners: list[BatchListener] = []


def subscribe(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def subscribe_batch(listener: BatchListener) -> None:
    """Hear a transaction's events all at once: a batch of 60 ballots is then one message to
    the other server processes, not 60 (realtime/broadcast.py)."""
    if listener not in _batch_listeners:
        _batch_listeners.append(listener)


def publish_all(batch: list[Event]) -> None:
    """One committed transaction's events, in order: one at a time to each listener, then the
    whole list to each batch listener."""
    for event in batch:
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:  # a listener must never undo a committed change
                log.exception("event listener failed for %s", event.kind)
    if not batch:
        return
    for batch_listener in list(_batch_listeners):
        try:
            batch_listener(batch)
        except Exception:
            log.exception("event listener failed for a batch of %d events", len(batch))


def queue(session: Any, event: Event) -> None:
    """Queue an event to publish once the session's transaction commits."""
    session.info.setdefault("pending_events", []).append(event)
