"""The scaled shape: two real server processes (`python app.py`) on the tests' database with
the Socket.IO Redis queue. Clients connected to either process follow one live session: what
is done on one (over the socket, or by a plain form) reaches the clients of the other, and
what a CLI command does reaches the clients of both."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import func, select

from council.extensions import db
from council.models.poll import Ballot
from council.models.record import RecordEvent
from tests.conftest import _free_port
from tests.factories import reread
from tests.meeting_helpers import convened_meeting, make_council
from tests.realtime.live_helpers import USER_AGENT, Client, login_cookie, ok

pytestmark = pytest.mark.slow  # two server processes

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=4)


@pytest.fixture
def servers(app, tmp_path):
    """Two processes sharing the database, the secret key and a Redis channel."""
    shared = {
        "CONSIGLIO_ENV": "testing",
        "CONSIGLIO_INSTANCE": str(tmp_path / "instance"),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": REDIS_URL,
        "SOCKETIO_CHANNEL": f"consiglio-two-{secrets.token_hex(4)}",
        "SECRET_KEY": "two-processes-" + secrets.token_hex(8),
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "COOKIE_SECURE": "0",
    }
    started: list[tuple[subprocess.Popen, str]] = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=os.environ | shared | {"PORT": str(port)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        started.append((process, f"http://127.0.0.1:{port}"))
    try:
        for process, url in started:
            _wait_ready(process, url)
        yield [url for _process, url in started], shared
    finally:
        for process, _url in started:
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()


def _wait_ready(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 120  # a loaded machine can take long to start two servers
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-3000:])
        try:
            if requests.get(f"{url}/healthz", timeout=1).json()["redis"] == "ok":
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


def post_form(url: str, cookie: str, page: str, action: str, fields: dict) -> int:
    """A plain form, as a phone without JavaScript sends it (CSRF token from the page)."""
    headers = {"User-Agent": USER_AGENT, "Cookie": cookie}
    html = requests.get(f"{url}{page}", headers=headers, timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = requests.post(f"{url}{action}", data=fields | {"csrf_token": token},
                             headers=headers, allow_redirects=False, timeout=10)  # fmt: skip
    return response.status_code


def record_follower(url: str) -> socketio.SimpleClient:
    follower = socketio.SimpleClient()
    follower.connect(url, transports=["websocket"], headers={"User-Agent": USER_AGENT})
    assert follower.call("room.join", {"room": "record"}, timeout=10)["ok"] is True
    return follower


def appended(follower: socketio.SimpleClient, count: int) -> list[dict]:
    """The first `count` record.appended messages a follower hears, by seq (two processes'
    commits may reach a socket in either order: a client keeps the highest seq)."""
    heard: list[dict] = []
    while len(heard) < count:
        event, *args = follower.receive(timeout=10)
        if event == "record.appended":
            heard.append(args[0])
    return sorted(heard, key=lambda message: message["seq"])


def as_announced(event: RecordEvent) -> dict:
    return {"seq": event.seq, "hash": event.hash, "kind": event.kind, "subject": event.subject}


def test_a_live_session_and_a_vote_across_two_processes(council, servers):
    (one, two), _env = servers
    meeting = convened_meeting(council)
    m, first = meeting.id, meeting.items[0].id
    a, b, c, d = council.members
    cookies = {p.public_id: login_cookie(one, p.email) for p in council.all_members}
    clients: list[Client] = []

    def connect(url: str, person=None) -> Client:
        client = Client(url, cookies[person.public_id] if person else None)
        clients.append(client)
        assert client.join(m)["ok"]
        return client

    followers = [record_follower(one), record_follower(two)]
    reread()
    since = db.session.scalar(select(func.max(RecordEvent.seq))) or 0
    try:
        chair = connect(one, council.chair)
        viewer = connect(two)  # the projector, on the other process
        phones = {a: connect(one, a), b: connect(two, b), c: connect(two, c), d: connect(one, d)}

        ok(chair.call("session.open", {"meeting": m}))
        ok(chair.call("agenda.move_to", {"meeting": m, "item": first}))
        ok(chair.call("attendance.check_in", {"meeting": m}))
        for phone in phones.values():
            ok(phone.call("attendance.check_in", {"meeting": m}))
        state = viewer.until(lambda s: s["attendance"]["count"] == 5)
        assert state["meeting"]["state"] == "in_progress" and state["attendance"]["quorum"]

        asked = phones[b].call(
            "speakers.request", {"meeting": m, "kind": "intervention", "client_id": "b-1"}
        )
        ok(asked)
        chair.until(lambda s: len(s["speakers"]["queue"]) == 1)  # process one saw process two
        ok(chair.call("speakers.give_floor", {"meeting": m, "request": asked["request"]}))
        viewer.until(lambda s: (s["speakers"]["current"] or {}).get("request") == asked["request"])
        ok(chair.call("speakers.end_floor", {"meeting": m, "request": asked["request"]}))

        question = {"item": first, "kind": "named", "rule": "simple", "question": "Approvare?"}
        prepared = chair.call("poll.prepare", {"meeting": m} | question)
        ok(prepared)
        poll = prepared["poll"]
        ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
        phones[c].until(lambda s: s["poll"] is not None and s["poll"]["state"] == "open")
        for person, choice in ((a, "in_favour"), (b, "in_favour"), (c, "against")):
            ballot = {"meeting": m, "poll": poll, "choice": choice,
                      "client_ballot_id": f"{person.public_id}-1"}  # fmt: skip
            ok(phones[person].call("ballot.cast", ballot))
        # the fourth votes with a plain form, posted to process two
        status = post_form(two, cookies[d.public_id], f"/meetings/{m}",
                           f"/meetings/{m}/polls/{poll}/ballot",
                           {"choice": "abstain", "client_ballot_id": "d-form-1",
                            "confirm": "1"})  # fmt: skip
        assert status == 302
        state = chair.until(lambda s: s["poll"] is not None and s["poll"]["voted"] == 4)
        assert state["poll"]["tally"] == {"in_favour": 2, "against": 1, "abstain": 1}

        closing = ok(chair.call("poll.close", {"meeting": m, "poll": poll}))
        finals = [
            client.until(lambda s: s["version"] >= closing and s["poll"]["state"] == "closed")
            for client in (viewer, *phones.values())
        ]
        assert {f["version"] for f in finals} == {finals[0]["version"]}
        assert all(f["poll"]["result"]["approved"] is True for f in finals)
        reread()
        assert db.session.scalar(select(func.count(Ballot.id)).where(Ballot.poll_id == poll)) == 4
        # the public record's followers, on either process, heard every event once, in order
        recorded = db.session.scalars(select(RecordEvent).where(RecordEvent.seq > since)
                                      .order_by(RecordEvent.seq))  # fmt: skip
        expected = [as_announced(event) for event in recorded]
        assert sum(e["kind"] == "ballot.cast" for e in expected) == 4
        for follower in followers:
            assert appended(follower, len(expected)) == expected
            with pytest.raises(socketio.exceptions.TimeoutError):  # and nothing twice
                follower.receive(timeout=0.5)
    finally:
        for client in clients:
            client.close_in_background()
        for follower in followers:
            follower.disconnect()


def test_what_a_command_records_reaches_the_clients_of_every_process(servers):
    (one, two), env = servers
    followers = [record_follower(one), record_follower(two)]
    try:
        created = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "users", "create", "--email",
             "nuova@example.org", "--name", "Nuova Socia", "--password", "una-password-lunga-1"],
            cwd=ROOT, env=os.environ | env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr[-3000:]
        reread()
        [created_event] = db.session.scalars(
            select(RecordEvent).where(RecordEvent.subject.like("user:%"))
        )  # fmt: skip
        for follower in followers:
            assert appended(follower, 1) == [as_announced(created_event)]
    finally:
        for follower in followers:
            follower.disconnect()
