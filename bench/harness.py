"""Shared by the live benches: a fresh database and the app to set it up, the council's people
and a session in progress, the server in its own process (as in production: the clients'
work in the bench process does not compete with it for the interpreter), logins through the
real form, and crowds of asyncio Socket.IO clients (one event loop holds hundreds of sockets
cheaply, so the clients take as little of the machine as they can)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402

from app import create_app  # noqa: E402
from council.cli import upgrade_database  # noqa: E402
from council.domain.accounts import accounts  # noqa: E402
from council.domain.meetings import agenda, live_session, meetings  # noqa: E402
from council.domain.permissions import SYSTEM  # noqa: E402
from council.models.base import utcnow  # noqa: E402
from council.models.user import Role  # noqa: E402
from council.unit_of_work import unit_of_work  # noqa: E402

PASSWORD = "password-del-bench"
AGENT = "consiglio-bench/1.0"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


class Instance:
    """A fresh database (SQLite in a temporary folder; a new PostgreSQL database with
    `postgresql`; or `database_url`, an empty one you made), the app bound to it, and later
    the server process (`python app.py`, threading mode) on a free port."""

    def __init__(self, *, postgresql=False, database_url=None, redis_url=None, window=0.1):
        self.folder = tempfile.mkdtemp(prefix="bench-live-")
        self.dropped: str | None = None
        if database_url:
            url = database_url
        elif postgresql:
            import psycopg

            self.dropped = f"bench_{secrets.token_hex(4)}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.dropped}"')
            url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql:", "postgresql+psycopg:")
            url = f"{url}/{self.dropped}"
        else:
            url = f"sqlite:///{self.folder}/bench.db"
        self.database_url, self.redis_url, self.window = url, redis_url, window
        os.environ["CONSIGLIO_INSTANCE"] = self.folder
        upgrade_database(url)
        self.app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
                               "PASSWORD_HASH_FAST": True, "SESSION_COOKIE_SECURE": False,
                               "LIVE_BROADCAST_WINDOW": window, "REDIS_URL": redis_url,
                               "MAIL_OUTBOX": f"{self.folder}/outbox"})  # fmt: skip
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def database(self) -> str:
        return self.database_url.split(":")[0].split("+")[0]

    def start(self, switch_interval: float | None = None) -> None:
        """The server in its own process (`python app.py`); `switch_interval` sets the
        interpreter's (sys.setswitchinterval) for an experiment."""
        env = dict(os.environ, CONSIGLIO_ENV="development", CONSIGLIO_INSTANCE=self.folder,
                   SECRET_KEY="bench", DATABASE_URL=self.database_url, HOST="127.0.0.1",
                   PORT=str(self.port), LIVE_BROADCAST_WINDOW=str(self.window),
                   MAIL_OUTBOX=f"{self.folder}/outbox", SCHEDULER_INTERVAL="0",
                   REDIS_URL=self.redis_url or "")  # fmt: skip
        command = [sys.executable, str(ROOT / "app.py")]
        if switch_interval is not None:
            command[1:] = [
                "-c",
                f"import runpy, sys; sys.setswitchinterval({switch_interval}); "
                f"runpy.run_path({str(ROOT / 'app.py')!r}, run_name='__main__')",
            ]
        self.log = f"{self.folder}/server.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log
            )
        wait_for(f"{self.url}/login")

    def pids(self) -> list[int]:
        """The server's process and its descendants (gunicorn's master and its worker)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                todo += [int(child) for child in task.read_text().split()]
        return found

    def cpu_seconds(self) -> float:
        """CPU time the server's processes have used so far (user and system)."""
        ticks = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory_bytes(self) -> int:
        """Resident memory of the server's processes (VmRSS)."""
        total = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) * 1024
        return total

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def drop(self) -> None:
        """Drop the PostgreSQL database made for the run."""
        if self.dropped:
            import psycopg

            from council.extensions import db

            with self.app.app_context():
                db.engine.dispose()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dropped}" WITH (FORCE)')


def session_in_progress(members: int, *, check_in: bool = False):
    """The chair, the secretary and `members` members; a meeting convened, opened, its only
    item under discussion; everybody checked in if asked. Needs the app's context. Returns
    (meeting id, item id, chair's e-mail, the members' e-mails)."""
    with unit_of_work() as work:

        def person(email, roles):
            return accounts.create_user(work, SYSTEM, email=email, name=email.split("@")[0],
                                        password=PASSWORD, roles=roles)  # fmt: skip

        chair = person("chair@bench.example", {Role.CHAIR, Role.MEMBER})
        secretary = person("secretary@bench.example", {Role.SECRETARY, Role.MEMBER})
        crowd = [person(f"m{n}@bench.example", {Role.MEMBER}) for n in range(members)]
        soon = utcnow() + timedelta(minutes=10)
        meeting = meetings.create(work, secretary, title="Prova", starts_at=soon, place="Sala")
        item = agenda.add_item(work, secretary, meeting.id, title="Punto unico")
        meetings.convene(work, secretary, meeting.id)
        live_session.open_session(work, chair, meeting.id)
        live_session.move_to(work, chair, meeting.id, item.id)
        if check_in:
            from council.domain.meetings import attendance

            for someone in (chair, secretary, *crowd):
                attendance.check_in(work, someone, meeting.id)
    return meeting.id, item.id, chair.email, [p.email for p in crowd]


def login(url: str, email: str) -> str:
    """The session cookie of a login through the real form."""
    http = requests.Session()
    http.headers["User-Agent"] = AGENT
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', http.get(f"{url}/login").text)
    answer = http.post(f"{url}/login", data={"email": email, "password": PASSWORD,
                       "csrf_token": token.group(1)}, allow_redirects=False)  # fmt: skip
    if answer.status_code != 302:
        raise RuntimeError(f"login of {email}: {answer.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def login_all(url: str, emails: list[str]) -> list[str]:
    """One after the other: the server's first login of each person rehashes the password
    with its own (slower) parameters while holding the write lock."""
    return [login(url, email) for email in emails]


async def connect(url: str, cookie: str | None = None, handlers=None) -> socketio.AsyncClient:
    # aiohttp's default cookie jar keeps no cookie for an IP address such as 127.0.0.1
    client = socketio.AsyncClient(
        reconnection=False,
        http_session=lambda: aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)),
    )
    for event, handler in (handlers or {}).items():
        client.on(event, handler)
    headers = {"User-Agent": AGENT} | ({"Cookie": cookie} if cookie else {})
    await client.connect(url, transports=["websocket"], headers=headers, wait_timeout=30)
    return client


async def crowd(url: str, count: int, make_handlers, cookies=None, batch: int = 50) -> list:
    """`count` clients, connected 50 at a time; make_handlers(n) -> their event handlers."""
    clients: list = []
    for start in range(0, count, batch):
        clients += await asyncio.gather(
            *(
                connect(url, cookies[n] if cookies else None, make_handlers(n))
                for n in range(start, min(count, start + batch))
            )
        )
    return clients


class Profile:
    """py-spy attached to a running server, sampling the threads at work, until stop(): its
    raw output (collapsed stacks), for a flame graph. `gil`: only the thread holding the
    interpreter, which is where one process's CPU goes."""

    def __init__(
        self, pid: int, output: str, rate: int = 20, gil: bool = False, blocking: bool = False
    ) -> None:
        spy = Path(sys.executable).with_name("py-spy")
        only = ["--gil"] if gil else []
        # stopping the process for each sample: under gevent, stacks read while it runs were
        # torn (greenlets swap them); it slows the server, so compare shares, not times
        only += [] if blocking else ["--nonblocking"]
        # --subprocesses: the production server's worker is a child of gunicorn's master
        self.process = subprocess.Popen([str(spy), "record", "--pid", str(pid), "--threads",
                                         "--subprocesses", "--rate", str(rate), "--format", "raw",
                                         "--output", output, *only])  # fmt: skip
        time.sleep(1)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)
