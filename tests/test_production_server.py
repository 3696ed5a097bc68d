"""The production command (`gunicorn -c gunicorn.conf.py`, as `make serve` and
docs/deployment.md run it) serves the site and its sockets, on the tests' database: in the
threading mode always, in the gevent mode on PostgreSQL, the only database it accepts."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from council import config
from tests.conftest import _free_port
from tests.meeting_helpers import convened_meeting, make_council
from tests.realtime.live_helpers import USER_AGENT, Client, login_cookie, ok

pytestmark = pytest.mark.slow  # gunicorn server processes

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
MODES = ["threading"]
if os.environ.get("TEST_DATABASE") == "postgresql":
    MODES.append("gevent")


def production_env(app, tmp_path, mode: str, port: int) -> dict:
    redis_url = os.environ.get("TEST_REDIS_URL")
    return os.environ | {
        "CONSIGLIO_ENV": "production",
        "CONSIGLIO_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "production-test-" + secrets.token_hex(8),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": redis_url or "",
        "SOCKETIO_CHANNEL": f"consiglio-serve-{secrets.token_hex(4)}",
        "SOCKETIO_ASYNC_MODE": mode,
        "COOKIE_SECURE": "0",  # plain http on loopback; behind nginx with TLS it stays on
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "SCHEDULER_INTERVAL": "3600",
        "PORT": str(port),
    }


@pytest.fixture(params=MODES)
def server(request, app, tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT,
        env=production_env(app, tmp_path, request.param, port),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode()[-3000:])
            try:
                requests.get(f"{url}/healthz", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, f"{url} did not start"
                time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        process.stderr.close()


def test_the_production_command_serves_pages_health_and_a_live_meeting(server, make_user):
    url, process = server
    health = requests.get(f"{url}/healthz", timeout=10)
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    if os.environ.get("TEST_REDIS_URL"):
        assert health.json()["redis"] == "ok"
    login = requests.get(f"{url}/login", headers={"User-Agent": USER_AGENT}, timeout=10)
    assert login.status_code == 200 and 'name="password"' in login.text

    council = make_council(make_user, members=2)
    meeting = convened_meeting(council)
    cookie = login_cookie(url, council.chair.email)
    page = requests.get(f"{url}/meetings/{meeting.id}", timeout=10,
                        headers={"User-Agent": USER_AGENT, "Cookie": cookie})  # fmt: skip
    assert page.status_code == 200 and meeting.title in page.text

    chair, viewer = Client(url, cookie), Client(url)
    try:
        joined = viewer.join(meeting.id)
        assert joined["ok"] and joined["snapshot"]["meeting"]["id"] == meeting.id
        assert chair.join(meeting.id)["ok"]
        ok(chair.call("session.open", {"meeting": meeting.id}))
        ok(chair.call("attendance.check_in", {"meeting": meeting.id}))
        state = viewer.until(lambda s: s["attendance"]["count"] == 1)
        assert state["meeting"]["state"] == "in_progress"
    finally:
        chair.close_in_background()
        viewer.close_in_background()

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


class Answers:
    """The HTTP answers read from a keep-alive connection, counted as each one is whole."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection, self.buffer, self.count = connection, b"", 0

    def read(self, until: int) -> None:
        while self.count < until:
            end = self.buffer.find(b"\r\n\r\n")
            length = (
                re.search(rb"Content-Length: (\d+)", self.buffer[:end], re.I) if end >= 0 else None
            )
            if length and len(self.buffer) >= end + 4 + int(length[1]):
                assert self.buffer.startswith(b"HTTP/1.1 200 ")
                self.buffer = self.buffer[end + 4 + int(length[1]) :]
                self.count += 1
                continue
            chunk = self.connection.recv(65536)
            assert chunk, "the server closed the connection"
            self.buffer += chunk


def test_a_reader_sending_requests_back_to_back_does_not_hold_up_another(server):
    """Under gevent a greenlet serves its connection until it would wait: requests already
    there were all served before another connection's turn (council/taking_turns.py)."""
    url, _process = server
    port = int(url.rsplit(":", 1)[1])
    request = b"GET /static/img/favicon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    busy, other = (socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(2))
    try:
        answers = {connection: Answers(connection) for connection in (busy, other)}
        for connection in (busy, other):  # both accepted, each waiting for its next request
            connection.sendall(request)
            answers[connection].read(1)
        queued = 100  # their log lines fit the pipe the fixture reads only on failure
        reader = threading.Thread(target=answers[busy].read, args=(1 + queued,))
        reader.start()
        busy.sendall(request * queued)
        while answers[busy].count < 2:  # the busy connection is being served: now the other
            time.sleep(0.001)
        other.sendall(request)
        answers[other].read(2)
        busy_answered = answers[busy].count - 1
        reader.join(60)
        assert answers[busy].count == 1 + queued
        assert busy_answered < queued / 2
    finally:
        busy.close()
        other.close()


def test_gevent_with_sqlite_is_refused_with_what_to_set(tmp_path):
    port = _free_port()
    env = os.environ | {
        "CONSIGLIO_ENV": "production", "SECRET_KEY": "x" * 32, "PORT": str(port),
        "CONSIGLIO_INSTANCE": str(tmp_path), "SOCKETIO_ASYNC_MODE": "gevent",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
    }  # fmt: skip
    done = subprocess.run([str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode != 0
    assert "SOCKETIO_ASYNC_MODE=gevent needs PostgreSQL" in done.stderr
    assert "SOCKETIO_ASYNC_MODE=threading" in done.stderr


@pytest.mark.parametrize("mode", ["eventlet", "gevent_uwsgi", "asyncio"])
def test_only_the_measured_server_modes_are_accepted(mode, monkeypatch):
    monkeypatch.setenv("SOCKETIO_ASYNC_MODE", mode)
    with pytest.raises(config.ConfigError, match="use 'threading' or 'gevent'"):
        config.load({"ENV_NAME": "testing", "SECRET_KEY": "x"})


def test_gevent_is_accepted_with_postgresql(monkeypatch):
    monkeypatch.setenv("SOCKETIO_ASYNC_MODE", "gevent")
    monkeypatch.setenv("DATABASE_URL", "postgresql://consiglio@db/consiglio")
    assert config.load({"ENV_NAME": "testing", "SECRET_KEY": "x"})["SOCKETIO_ASYNC_MODE"] == (
        "gevent"
    )
