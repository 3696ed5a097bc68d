"""The SQL statements one piece of work runs, counted in the calling thread only: the live
room's background threads (snapshots, broadcasts) query the same engine meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event

from council.extensions import db


def statements_of(work: Callable[[], object], *, selects: bool = False) -> list[str]:
    """The statements `work()` sent from this thread (only the SELECTs with `selects`)."""
    seen: list[str] = []
    mine = threading.get_ident()

    def listener(_connection, _cursor, statement, *_args) -> None:
        if threading.get_ident() != mine:
            return
        if not selects or statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen
