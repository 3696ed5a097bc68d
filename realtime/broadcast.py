"""Turns committed domain events into Socket.IO messages for the rooms that follow them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from council import events
from council.domain import notifications
from council.extensions import db, socketio

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


def _push_unread_counts(event: events.Event) -> None:
    """notifications.count to each person's private room, counted after the commit."""
    users = event.data.get("users") if isinstance(event.data, dict) else None
    # Its own short session: the caller's session must not be left inside a read transaction.
    with Session(db.engine) as session:
        counts = notifications.unread_counts(session, users or [])
    for public_id, unread in counts.items():
        socketio.emit("notifications.count", {"unread": unread}, to=f"user:{public_id}")


def on_event(event: events.Event) -> None:
    if event.kind in (notifications.CREATED, notifications.READ):
        _push_unread_counts(event)
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
