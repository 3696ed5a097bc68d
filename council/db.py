"""The SQLAlchemy engine and the request-scoped session, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from flask import Flask
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.sql.elements import ClauseElement

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

S = TypeVar("S", bound=ClauseElement)

# Execution option a unit of work sets so that SQLite starts a *write* transaction at once.
BEGIN_IMMEDIATE = "consiglio_begin_immediate"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def shared(statement: S) -> S:
    """A statement made whole at import, to be shared by every thread and greenlet (executed
    with its parameters, never extended per call). It is compiled here, before any thread can
    use it: SQLAlchemy fills some caches of an alias the first time it is used, and threads
    filling one at once could leave it wrong for the life of the process (a named poll's 14
    ballots shown as 518 after a restart, issue 18; tests/domain/test_shared_statements.py)."""
    statement.compile()
    return statement


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute is typed as returning a Result;
    for those statements it is a CursorResult, which has the count."""
    return cast(CursorResult[Any], result).rowcount


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout, and BEGIN IMMEDIATE for writers.

    pysqlite opens transactions lazily and as DEFERRED; a deferred reader that later writes
    can fail when another writer committed meanwhile. We take over BEGIN so that a unit of
    work holds the write lock from its first statement and two writers never interleave.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(BEGIN_IMMEDIATE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """Holds the engine and a session scoped to the current thread or greenlet."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.scoped: scoped_session[Session] = scoped_session(sessionmaker())
        # The proxy hands every call to this thread's Session: the domain takes it as one.
        self.session = cast(Session, self.scoped)

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.scoped.configure(bind=self.engine, expire_on_commit=False, autoflush=True)
        app.extensions["consiglio_db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            self.remove_session()

    def remove_session(self) -> None:
        """Closes this thread's session and forgets it: its connection goes back to the pool."""
        self.scoped.remove()

    @property
    def dialect(self) -> str:
        assert self.engine is not None
        return self.engine.dialect.name
