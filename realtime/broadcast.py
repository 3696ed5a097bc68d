"""Turns committed domain events into Socket.IO messages for the rooms that follow them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from council import events
from council.domain.notifications import notifications
from council.extensions import db, socketio
from realtime.peers import Peers

# Subjects whose events belong to a proposal's discussion (others, such as an agenda item
# tied to a proposal, name it in their data without changing what its readers see).
DISCUSSION_SUBJECTS = {"comment", "amendment"}


def _proposal_of(event: events.Event) -> int | None:
    """The proposal an event is about: its subject, or the `proposal` its data names."""
    kind, _sep, key = event.subject.partition(":")
    if kind == "proposal" and key.isdigit():
        return int(key)
    if kind not in DISCUSSION_SUBJECTS:
        return None
    proposal = event.data.get("proposal") if isinstance(event.data, dict) else None
    return proposal if isinstance(proposal, int) and not isinstance(proposal, bool) else None


def _comment_of(event: events.Event) -> int | None:
    kind, _sep, key = event.subject.partition(":")
    return int(key) if kind == "comment" and key.isdigit() else None


Message = tuple[str, dict[str, Any], str]  # a Socket.IO event, its data, the room it goes to

_peers: Peers | None = None  # with Redis: the other server processes


def _unread_counts(event: events.Event) -> list[Message]:
    """notifications.count to each person's private room, counted after the commit."""
    users = event.data.get("users") if isinstance(event.data, dict) else None
    # Its own short session: the caller's session must not be left inside a read transaction.
    with Session(db.engine) as session:
        counts = notifications.unread_counts(session, users or [])
    return [
        ("notifications.count", {"unread": unread}, f"user:{public_id}")
        for public_id, unread in counts.items()
    ]


def messages_of(event: events.Event) -> list[Message]:
    """What the rooms following an event hear of it."""
    messages = []
    if event.kind in (notifications.CREATED, notifications.READ):
        messages += _unread_counts(event)
    if event.record_seq is None:
        return messages
    record = {
        "seq": event.record_seq,
        "hash": event.record_hash,
        "kind": event.kind,
        "subject": event.subject,
    }
    messages.append(("record.appended", record, "record"))
    proposal = _proposal_of(event)
    if proposal is not None:
        # Only ids travel: clients fetch the rendered fragment, so a hidden text never does.
        # "version" is the record's seq: it only grows, so clients can drop stale messages.
        parent = event.data.get("parent") if event.kind == "comment.posted" else None
        changed = {
            "proposal": proposal,
            "comment": _comment_of(event),
            "parent": parent,
            "kind": event.kind,
            "version": event.record_seq,
        }
        messages.append(("discussion.changed", changed, f"proposal:{proposal}"))
    return messages


def emit_here(messages: Any) -> None:
    """Send messages to this process's sockets only (with Redis, the others were told)."""
    for name, data, to in messages:
        socketio.emit(name, data, to=to, ignore_queue=True)


def on_committed(batch: list[events.Event]) -> None:
    """A transaction's messages: to this process's sockets, and to the other processes in one
    Redis message (peers.py), whatever the number of events."""
    messages = [message for event in batch for message in messages_of(event)]
    if not messages:
        return
    emit_here(messages)
    if _peers is not None:
        _peers.publish("emit", messages)


def start(peers: Peers | None) -> None:
    global _peers
    _peers = peers
    if peers is not None:
        peers.on("emit", emit_here)
    events.subscribe_batch(on_committed)
