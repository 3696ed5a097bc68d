"""The production command (`gunicorn -c gunicorn.conf.py`, as `make serve` and
docs/deployment.md run it) serves the site and its sockets, on the tests' database: in the
threading mode always, in the gevent mode on PostgreSQL, the only database it accepts."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from council import config
from tests.conftest import _free_port
from tests.meeting_helpers import convened_meeting, make_council
from tests.realtime.live_helpers import USER_AGENT, Client, login_cookie, ok

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
