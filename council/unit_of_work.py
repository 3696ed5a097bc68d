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
    session = db.session()
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
    pending = session.info.pop("pending_events", [])
    for event in pending:
        events.publish(event)
