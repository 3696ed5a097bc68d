"""One transaction per entry point: the view, socket handler or CLI command that changes state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from council import events
from council.db import BEGIN_IMMEDIATE
from council.extensions import db


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yield the session inside a write transaction; commit, then publish the queued events.

    Any read transaction the request already opened is ended first (objects stay usable:
    the session does not expire on commit), so that on SQLite the write transaction starts
    with BEGIN IMMEDIATE and holds the write lock throughout.
    """
    session = db.scoped()
    if session.in_transaction():
        session.commit()
    session.info["pending_events"] = []
    session.connection(execution_options={BEGIN_IMMEDIATE: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info["pending_events"] = []
        raise
    events.publish_all(_once(session.info.pop("pending_events", [])))


def _once(pending: list[events.Event]) -> list[events.Event]:
    """The events in order, a signal without data (a room's live state changed) once: a batch
    of 60 ballots changes the meeting once for its listeners, not 60 times."""
    signalled: set[tuple[str, str]] = set()
    kept = []
    for event in pending:
        if event.record_seq is None and not event.data:
            if (event.kind, event.subject) in signalled:
                continue
            signalled.add((event.kind, event.subject))
        kept.append(event)
    return kept
