"""Fixtures: a real database per test run (SQLite file or a fresh PostgreSQL database),
the app, HTTP clients with CSRF tokens, a live server for sockets and the browser, factories."""

from __future__ import annotations

import contextvars
import functools
import os
import re
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import socketio as socketio_client
from flask.testing import FlaskClient

from app import create_app
from council.cli import upgrade_database
from council.db import Base
from council.domain.accounts import accounts
from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.extensions import db, socketio
from council.models.proposal import Proposal
from council.models.user import AccountStatus, CouncilGroup, Role, User
from council.unit_of_work import unit_of_work
from tests.demo_copy import Demo, DemoCopies
from tests.factories import make_proposal

PASSWORD = "password-di-prova"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_collection_modifyitems(config, items) -> None:
    """The slow tests first (the order is otherwise kept): on two workers (`make test`), a
    long test started last would leave one core idle while it ends."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    kind = os.environ.get("TEST_DATABASE", "sqlite")
    if kind == "postgresql":
        name = f"council_test_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            # A commit returns without waiting for the disk: a crash could lose the last
            # commits of a database that is dropped at the end anyway. What a transaction
            # sees, locks and constraints are unchanged; the suite's thousands of commits
            # stop waiting for fsync.
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            db.engine and db.engine.dispose()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a late reconnect
    else:
        with tempfile.TemporaryDirectory(prefix="council-test-") as folder:
            yield f"sqlite:///{Path(folder) / 'test.db'}"


class IsolatedClient(FlaskClient):
    """Runs each request outside the tests' long-lived app context, so that the request gets
    its own app context, as in production: its own `g` (logged-in user, locale) and its own
    database session. Otherwise one client's user and language leak into the next request."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory):
    os.environ["CONSIGLIO_INSTANCE"] = str(tmp_path_factory.mktemp("instance"))
    upgrade_database(database_url)
    redis_url = os.environ.get("TEST_REDIS_URL")
    application = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "test-secret-" + secrets.token_hex(8),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SOCKETIO_CHANNEL": f"consiglio-test-{secrets.token_hex(4)}",
            "SESSION_COOKIE_SECURE": False,
            "PASSWORD_HASH_FAST": True,  # the cheapest Argon2id parameters, tests only
            # e-mails sent in the committing thread, so tests read the outbox at once;
            # tests/domain/test_mail.py checks the background dispatch itself
            "MAIL_IN_BACKGROUND": False,
            "REMEMBER_COOKIE_SECURE": False,
            "MAIL_OUTBOX": str(tmp_path_factory.mktemp("outbox")),
        }
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application


@functools.cache
def _emptying_statements(dialect) -> tuple[str, ...]:
    """What empties every table, in an order the foreign keys accept: the cycles broken first
    (a version names its amendment, an amendment its version), then children before parents."""
    quote = dialect.identifier_preparer.quote
    statements = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if fk.use_alter:
                columns = ", ".join(f"{quote(c.name)} = NULL" for c in fk.columns)
                statements.append(f"UPDATE {quote(table.name)} SET {columns}")
    statements += [f"DELETE FROM {quote(t.name)}" for t in reversed(Base.metadata.sorted_tables)]
    return tuple(statements)


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test that used the app ends by emptying the tables (the schema stays, migrated
    once): whatever it committed, from any thread, process or server, is gone for the next.

    Plain SQL strings, sent to PostgreSQL in one round trip: about 1 ms a test on either
    database, where the same statements built and sent one by one took 2-10 ms (a rollback
    per test would save no more, and could not isolate what servers and threads commit)."""
    yield
    if "app" not in request.fixturenames:
        return
    db.session.remove()
    assert db.engine is not None
    statements = _emptying_statements(db.engine.dialect)
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql(";\n".join(statements))
        else:  # the sqlite3 module runs one statement a call
            for statement in statements:
                connection.exec_driver_sql(statement)


@pytest.fixture(scope="session")
def _demo_copies(app) -> DemoCopies:
    return DemoCopies(app)


@pytest.fixture
def demo(app, _demo_copies) -> Demo:
    """The demo council (`flask demo`) in the empty database, fresh for this test, which may
    change it: loaded once per worker, then copied (tests/demo_copy.py)."""
    return _demo_copies.fresh_demo()


@pytest.fixture
def client(app):
    return app.test_client()


class Web:
    """A browser-like HTTP client: keeps cookies, finds CSRF tokens, logs in."""

    def __init__(self, client) -> None:
        self.client = client
        self._token: str | None = None

    def token(self, path: str = "/") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path}"
        self._token = match.group(1) or match.group(2)
        return self._token

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, token_from: str | None = None, **kw):
        data = dict(data or {})
        if "csrf_token" not in data:
            data["csrf_token"] = self.token(token_from) if token_from else (
                self._token or self.token()
            )  # fmt: skip
        return self.client.post(path, data=data, **kw)

    def login(self, email: str, password: str = PASSWORD):
        response = self.post("/login", {"email": email, "password": password}, token_from="/login")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        self._token = None
        return response


@pytest.fixture
def web(app) -> Web:
    return Web(app.test_client())


@pytest.fixture
def make_web(app):
    return lambda: Web(app.test_client())


@pytest.fixture
def zone(app):
    with unit_of_work() as session:
        return organisations.save_zone(session, SYSTEM, None, name="Zona Est")


@pytest.fixture
def organisation(app, zone):
    with unit_of_work() as session:
        return organisations.save_organisation(
            session,
            SYSTEM,
            None,
            name="Cooperativa Il Ponte",
            kind="Cooperativa sociale",
            zone=zone,
        )


@pytest.fixture
def make_user(app, organisation):
    """Factory: make_user("chair") → an active account holding those roles."""
    counter = iter(range(1, 10_000))

    def factory(*roles: str, status: AccountStatus = AccountStatus.ACTIVE, email=None, **kw):
        n = next(counter)
        role_set = {Role(r) for r in roles}
        with unit_of_work() as session:
            return accounts.create_user(
                session,
                SYSTEM,
                email=email or f"person{n}-{'-'.join(roles) or 'none'}@example.org",
                name=kw.pop("name", f"Persona {n}"),
                password=kw.pop("password", PASSWORD),
                roles=role_set,
                organisation=kw.pop("organisation", organisation),
                council_group=kw.pop("council_group", CouncilGroup.THIRD_SECTOR),
                status=status,
            )

    return factory


@pytest.fixture
def admin(make_user) -> User:
    return make_user("admin", email="admin@example.org")


@pytest.fixture
def secretary(make_user) -> User:
    return make_user("secretary", "member", email="segretario@example.org")


@pytest.fixture
def member(make_user) -> User:
    return make_user("member", name="Marco Rossi", email="marco@example.org")


@pytest.fixture
def author(make_user) -> User:
    """Who files `proposal`: a module may give its own."""
    return make_user("stakeholder", name="Lucia Ferrari", email="lucia@example.org")


@pytest.fixture
def proposal(author) -> Proposal:
    return make_proposal(author)


class LiveServer:
    def __init__(self, url: str) -> None:
        self.url = url


def _read_files_at_once(wsgi_app):
    """Static files read whole and closed at once, for Werkzeug's development server: when a
    browser drops a connection (a navigation cancels the favicon), its request handler raises
    before it closes the response, and the open file then warns when collected, in whichever
    test runs at that moment (the production server, gunicorn, closes it)."""

    def read_whole(file, _buffer_size=8192):
        with file:
            return [file.read()]

    def app(environ, start_response):
        environ["wsgi.file_wrapper"] = read_whole
        return wsgi_app(environ, start_response)

    return app


@pytest.fixture(scope="session")
def live_server(app) -> LiveServer:
    """The real app served over the network (threading Werkzeug server with websockets)."""
    app.wsgi_app = _read_files_at_once(app.wsgi_app)
    port = _free_port()
    thread = threading.Thread(
        target=lambda: socketio.run(
            app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False
        ),
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}")


@pytest.fixture
def sockets(live_server):
    """Factory of real Socket.IO clients over websocket: sockets(cookie=None).

    Closing a websocket waits up to 3 s for the server's close frame, so clients are
    disconnected in the background at teardown.
    """
    opened = []

    def connect(cookie: str | None = None):
        client = socketio_client.SimpleClient()
        headers = {"Cookie": cookie} if cookie else {}
        client.connect(live_server.url, transports=["websocket"], headers=headers)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        threading.Thread(target=client.disconnect, daemon=True).start()
