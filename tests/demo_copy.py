"""The demo council for the tests: `flask demo` run once per worker and database (about a minute
of CPU), then a copy of what it wrote put back for each test that asks for it (milliseconds).

SQLite: the whole file, page by page, through the sqlite3 backup API. PostgreSQL: each table's
rows through COPY (binary), with the foreign keys' triggers off while the copy goes in (the rows
are a consistent database already); generated columns are computed again. The sequences are
left as they are: the demo was loaded in this very database, so they are past its ids already.

The demo dates what it writes from the time it is loaded (today's meeting half an hour later):
a copy is used for DEMO_KEPT_FOR at most and on the same day in Rome, then loaded again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from council.db import Base
from council.extensions import db
from council.models.base import utcnow
from council.models.user import User

DEMO_KEPT_FOR = timedelta(minutes=20)
ROME = ZoneInfo("Europe/Rome")


@dataclass(frozen=True)
class Demo:
    """The demo as a test gets it: `loaded_at`, when `flask demo` wrote it (what it dates
    from); `copied`, whether the test has a copy of it rather than the load itself."""

    loaded_at: datetime
    copied: bool


class DemoCopies:
    """One worker's copy of the demo, taken right after loading it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.loaded_at: datetime | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._tables: list[tuple[str, bytes]] = []

    def fresh_demo(self) -> Demo:
        db.session.remove()
        assert not db.session.scalar(select(func.count()).select_from(User)), "not empty"
        if self.loaded_at is None or self._too_old():
            self._load()
            return Demo(self.loaded_at, copied=False)
        self._restore()
        return Demo(self.loaded_at, copied=True)

    def _too_old(self) -> bool:
        assert self.loaded_at is not None
        now = utcnow()
        same_day = now.astimezone(ROME).date() == self.loaded_at.astimezone(ROME).date()
        return not same_day or now - self.loaded_at > DEMO_KEPT_FOR

    def _load(self) -> None:
        result = self.app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "demo data loaded"
        self.loaded_at = utcnow()
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            self._tables = _copy_out()
        else:
            self._sqlite = sqlite3.connect(":memory:", check_same_thread=False)
            with _driver_connection() as connection:
                connection.backup(self._sqlite)

    def _restore(self) -> None:
        if db.engine.dialect.name == "postgresql":
            _copy_in(self._tables)
        else:
            assert self._sqlite is not None
            with _driver_connection() as connection:
                self._sqlite.backup(connection)
        db.session.remove()


@contextmanager
def _driver_connection() -> Iterator[Any]:
    """The DB-API connection of a pooled connection, given back to the pool after."""
    pooled = db.engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()


def _columns(cursor, table: str) -> str:
    """The table's stored columns (a generated column is computed again on the way in)."""
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        (table,),
    )
    return ", ".join(f'"{name}"' for (name,) in cursor.fetchall())


def _copy_out() -> list[tuple[str, bytes]]:
    tables = []
    with _driver_connection() as connection, connection.cursor() as cursor:
        for table in Base.metadata.sorted_tables:
            columns = f'"{table.name}" ({_columns(cursor, table.name)})'
            with cursor.copy(f"COPY {columns} TO STDOUT (FORMAT binary)") as copy:
                rows = b"".join(bytes(block) for block in copy)
            tables.append((columns, rows))
        connection.rollback()
    return tables


def _copy_in(tables: list[tuple[str, bytes]]) -> None:
    with _driver_connection() as connection:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for columns, rows in tables:
                with cursor.copy(f"COPY {columns} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(rows)
        connection.commit()
