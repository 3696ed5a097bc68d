"""Turns committed domain events into Socket.IO messages for the rooms that follow them."""

from __future__ import annotations

from council import events
from council.extensions import socketio


def _proposal_of(event: events.Event) -> int | None:
    """The proposal an event is about: its subject, or the `proposal` its data names."""
    kind, _sep, key = event.subject.partition(":")
    if kind == "proposal" and key.isdigit():
        return int(key)
    proposal = event.data.get("proposal") if isinstance(event.data, dict) else None
    return proposal if isinstance(proposal, int) and not isinstance(proposal, bool) else None


def _comment_of(event: events.Event) -> int | None:
    kind, _sep, key = event.subject.partition(":")
    return int(key) if kind == "comment" and key.isdigit() else None


def on_event(event: events.Event) -> None:
    if event.record_seq is None:
        return
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
    proposal = _proposal_of(event)
    if proposal is not None:
        # Only ids travel: clients fetch the rendered fragment, so a hidden text never does.
        # "version" is the record's seq: it only grows, so clients can drop stale messages.
        parent = event.data.get("parent") if event.kind == "comment.posted" else None
        socketio.emit(
            "discussion.changed",
            {
                "proposal": proposal,
                "comment": _comment_of(event),
                "parent": parent,
                "kind": event.kind,
                "version": event.record_seq,
            },
            to=f"proposal:{proposal}",
        )


def start() -> None:
    events.subscribe(on_event)
