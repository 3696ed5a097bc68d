"""The only writer and the verifier of the public record (registro). See docs/record.md."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from council import clock, events
from council.domain.permissions import System
from council.models.record import RecordEvent
from council.models.user import User

GENESIS = "0" * 64
# Key of the PostgreSQL advisory lock that serialises appends ("CONSIGLIO" on a phone keypad).
PG_LOCK_KEY = 266744456


def format_at(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _check_plain(value: Any, path: str = "data") -> None:
    """Only JSON values every language serialises the same way: no floats."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_plain(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings")
            _check_plain(item, f"{path}.{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} is not allowed in a record event")


def canonical(seq: int, at: str, kind: str, actor: str | None, subject: str, data: Any) -> bytes:
    body = {"seq": seq, "at": at, "kind": kind, "actor": actor, "subject": subject, "data": data}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev: str, body: bytes) -> str:
    return hashlib.sha256(prev.encode("ascii") + body).hexdigest()


def _lock_head(db: Session) -> None:
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
    # SQLite: the unit of work began with BEGIN IMMEDIATE, so this transaction already
    # holds the database's single write lock.


def head(db: Session) -> RecordEvent | None:
    return db.scalars(select(RecordEvent).order_by(RecordEvent.seq.desc()).limit(1)).first()


@dataclass(frozen=True)
class Entry:
    """An event to append: what append_many chains after the head, in order."""

    kind: str
    actor: User | System | None  # None: no one named (an anonymous answer); SYSTEM: the council
    subject: str
    data: dict[str, Any]


def append(
    db: Session, *, kind: str, actor: User | System | None, subject: str, data: dict[str, Any]
) -> RecordEvent:
    """Chain a new event after the current head, inside the caller's transaction.

    Also queues the matching domain event, published after commit.
    """
    return append_many(db, [Entry(kind, actor, subject, data)])[0]


def append_many(db: Session, entries: list[Entry]) -> list[RecordEvent]:
    """Chain these events after the current head, in order, written in one flush (a batch
    of ballots appends one event each: realtime/ballot_writer.py)."""
    if not entries:
        return []
    for entry in entries:
        _check_plain(entry.data)
    _lock_head(db)
    # the head's number and hash only (every ballot appends: no need for the whole row)
    last = db.execute(
        select(RecordEvent.seq, RecordEvent.hash).order_by(RecordEvent.seq.desc()).limit(1)
    ).first()
    seq = 0 if last is None else last.seq
    prev = GENESIS if last is None else last.hash
    appended = []
    for entry in entries:
        seq += 1
        at = format_at(clock.now())
        actor_id = entry.actor.public_id if isinstance(entry.actor, User) else None
        body = canonical(seq, at, entry.kind, actor_id, entry.subject, entry.data)
        data = json.dumps(entry.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        event = RecordEvent(seq=seq, at=at, kind=entry.kind, actor=actor_id,
                            subject=entry.subject, data=data, prev=prev,
                            hash=chain_hash(prev, body))  # fmt: skip
        prev = event.hash
        appended.append(event)
    db.add_all(appended)
    db.flush()
    for event, entry in zip(appended, entries, strict=True):
        events.queue(db, events.Event(kind=entry.kind, subject=entry.subject, data=entry.data,
                                      record_seq=event.seq, record_hash=event.hash))  # fmt: skip
    return appended


def as_public(event: RecordEvent) -> dict[str, Any]:
    """The event as the published JSON object (RECORD.md field order)."""
    return {
        "seq": event.seq,
        "at": event.at,
        "kind": event.kind,
        "actor": event.actor,
        "subject": event.subject,
        "data": json.loads(event.data),
        "prev": event.prev,
        "hash": event.hash,
    }


def page(db: Session, *, after: int = 0, limit: int = 100, subject: str | None = None):
    query = select(RecordEvent).where(RecordEvent.seq > after)
    if subject:
        query = query.where(RecordEvent.subject == subject)
    return list(db.scalars(query.order_by(RecordEvent.seq).limit(limit)))


def latest(db: Session, *, limit: int = 50, subject_prefix: str | None = None):
    query = select(RecordEvent)
    if subject_prefix:
        query = query.where(RecordEvent.subject.startswith(subject_prefix, autoescape=True))
    return list(db.scalars(query.order_by(RecordEvent.seq.desc()).limit(limit)))


@dataclass
class Verification:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""


def _iter_events(db: Session, batch: int = 2000, after: int = 0) -> Iterator[Any]:
    """Rows straight from the table (Core, no identity map): what is stored, not what is cached."""
    table = RecordEvent.__table__
    while True:
        rows = db.execute(
            select(table).where(table.c.seq > after).order_by(table.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def verify(
    db: Session, anchor: tuple[int, str] | None = None, since: tuple[int, str] | None = None
) -> Verification:
    """Recompute the chain; stop at the first broken link and name it. `since` (seq, hash):
    a prefix already verified, so only what follows it is recomputed (an anchor inside that
    prefix is compared with the stored event)."""
    expected_seq, expected_prev = (since[0] + 1, since[1]) if since else (1, GENESIS)
    checked = 0
    anchor_seen = anchor is None
    if anchor is not None and since is not None and anchor[0] <= since[0]:
        stored = db.scalar(select(RecordEvent.hash).where(RecordEvent.seq == anchor[0]))
        if stored != anchor[1]:
            return Verification(
                False, 0, since[0], since[1], anchor[0],
                "the anchor's hash differs from the chain's event at that seq",
            )  # fmt: skip
        anchor_seen = True
    for event in _iter_events(db, after=expected_seq - 1):
        if event.seq != expected_seq:
            return Verification(
                False, checked, expected_seq - 1, expected_prev, expected_seq,
                f"gap: expected seq {expected_seq}, found {event.seq}",
            )  # fmt: skip
        if event.prev != expected_prev:
            return Verification(
                False, checked, event.seq - 1, expected_prev, event.seq,
                "prev does not match the hash of the event before",
            )  # fmt: skip
        try:
            data = json.loads(event.data)
        except ValueError:
            return Verification(
                False, checked, event.seq - 1, expected_prev, event.seq, "data is not JSON"
            )
        body = canonical(event.seq, event.at, event.kind, event.actor, event.subject, data)
        if chain_hash(event.prev, body) != event.hash:
            return Verification(
                False, checked, event.seq - 1, expected_prev, event.seq,
                "hash does not match the event's content",
            )  # fmt: skip
        if anchor is not None and event.seq == anchor[0]:
            if event.hash != anchor[1]:
                return Verification(
                    False, checked, event.seq - 1, expected_prev, event.seq,
                    "the anchor's hash differs from the chain's event at that seq",
                )  # fmt: skip
            anchor_seen = True
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    if not anchor_seen:
        assert anchor is not None
        return Verification(
            False, checked, expected_seq - 1, expected_prev, anchor[0],
            "the anchor's seq is past the head",
        )  # fmt: skip
    return Verification(True, checked, expected_seq - 1, expected_prev)
