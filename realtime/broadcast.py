"""Turns committed domain events into Socket.IO messages for the rooms that follow them."""

from __future__ import annotations

from council import events
from council.extensions import socketio


def on_event(event: events.Event) -> None:
    if event.record_seq is not None:
        socketio.emit(
            "record.appended",
            {
                "seq": event.record_seq,
                "hash": event.record_hash,
                "kind": event.kind,
                "subject": event.subject,
            },
            to="record",
        )


def start() -> None:
    events.subscribe(on_event)
