"""The private room user:<public id> over the network: only its owner may join; the owner hears
notifications.count after someone else's action and after marking read; nobody else does."""

from __future__ import annotations

import re
import threading

import pytest
import requests
import socketio

from tests.conftest import PASSWORD
from tests.factories import PLAIN_BODY, make_proposal

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Flask-Login's strong session protection ties a session to the user agent: the socket must
# present the same one as the login, as a browser does.
USER_AGENT = "consiglio-notification-tests/1.0"


class Person:
    """Someone on the live server over real HTTP, with the session cookie."""

    def __init__(self, url: str, email: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        token = self.token("/login")
        response = self.http.post(
            url + "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=5,
        )
        assert response.status_code == 302

    def token(self, path: str) -> str:
        match = TOKEN.search(self.http.get(self.url + path, timeout=5).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict, token_from: str) -> requests.Response:
        data = {**data, "csrf_token": self.token(token_from)}
        return self.http.post(self.url + path, data=data, allow_redirects=False, timeout=5)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


def next_count(client, timeout: float = 5) -> dict:
    while True:
        event, *args = client.receive(timeout=timeout)
        if event == "notifications.count":
            return args[0]


@pytest.fixture
def sockets(live_server):
    """Real Socket.IO clients over websocket, with the login's cookie and user agent."""
    opened = []

    def connect(cookie: str | None = None):
        client = socketio.SimpleClient()
        headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {})
        client.connect(live_server.url, transports=["websocket"], headers=headers)
        opened.append(client)
        return client

    yield connect
    for client in opened:  # closing waits for the server: do it in the background
        threading.Thread(target=client.disconnect, daemon=True).start()


@pytest.fixture
def proposer(make_user):
    return make_user("member")


def test_the_owner_hears_the_count_after_someone_elses_action(
    live_server, sockets, author, proposer
):
    proposal = make_proposal(author, body=PLAIN_BODY)
    owner = sockets(cookie=Person(live_server.url, author.email).cookie)
    ack = owner.call("room.join", {"room": f"user:{author.public_id}"}, timeout=5)
    assert ack == {"ok": True, "room": f"user:{author.public_id}"}
    other = Person(live_server.url, proposer.email)
    bystander = sockets(cookie=other.cookie)
    bystander.call("room.join", {"room": f"user:{proposer.public_id}"}, timeout=5)

    path = f"/proposals/{proposal.id}/amendments/new"
    changed = PLAIN_BODY + "\n\nAnche la sera."
    response = other.post(path, {"body": changed, "reason": "Per chi lavora di giorno."}, path)
    assert response.status_code == 302
    assert next_count(owner) == {"unread": 1}
    with pytest.raises(socketio.exceptions.TimeoutError):
        next_count(bystander, timeout=0.7)  # the actor is not told about their own act

    me = Person(live_server.url, author.email)
    assert me.post("/notifications/read-all", {}, "/notifications").status_code == 302
    assert next_count(owner) == {"unread": 0}


@pytest.mark.parametrize("who", ["public", "someone else"])
def test_nobody_else_may_join_a_private_room(live_server, sockets, author, proposer, who):
    cookie = None if who == "public" else Person(live_server.url, proposer.email).cookie
    intruder = sockets(cookie=cookie)
    ack = intruder.call("room.join", {"room": f"user:{author.public_id}"}, timeout=5)
    assert ack["ok"] is False and ack["message"]
    for room in ("user:", "user", f"user:{author.public_id}:x"):
        assert intruder.call("room.join", {"room": room}, timeout=5)["ok"] is False
    make_proposal(author, body=PLAIN_BODY)  # nothing addressed to the intruder arrives either
    with pytest.raises(socketio.exceptions.TimeoutError):
        next_count(intruder, timeout=0.5)
