"""The live discussion over the network: real Socket.IO clients in room proposal:<id>, real HTTP
requests to the live server; messages carry ids only, fragments are fetched, hidden texts
never travel."""

from __future__ import annotations

import json
import re

import pytest
import requests
import socketio

from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations
from council.models.proposal import ProposalState
from council.unit_of_work import unit_of_work
from tests.conftest import PASSWORD
from tests.factories import make_proposal, post

SECRET = "Frase-offensiva-5c1e"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A person on the live server over real HTTP (requests), with the session cookie."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def token(self, path: str) -> str:
        match = TOKEN.search(self.http.get(self.url + path, timeout=5).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str) -> Browser:
        data = {"email": email, "password": PASSWORD, "csrf_token": self.token("/login")}
        response = self.http.post(self.url + "/login", data=data, allow_redirects=False, timeout=5)
        assert response.status_code == 302
        return self

    def post(self, path: str, data: dict, token_from: str) -> requests.Response:
        data = {**data, "csrf_token": self.token(token_from)}
        return self.http.post(self.url + path, data=data, allow_redirects=False, timeout=5)

    def get(self, path: str) -> str:
        return self.http.get(self.url + path, timeout=5).text

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


def _next(client, name: str, timeout: float = 5, log: list | None = None):
    while True:
        event, *args = client.receive(timeout=timeout)
        if log is not None:
            log.append([event, *args])
        if event == name:
            return args[0]


def comments_path(proposal) -> str:
    return f"/proposals/{proposal.id}/comments"


def test_a_comment_posted_over_http_reaches_the_room_then_its_fragment(
    sockets, live_server, proposal, member
):
    viewer = sockets()  # the public
    assert viewer.call("room.join", {"room": f"proposal:{proposal.id}"}, timeout=5) == {
        "ok": True,
        "room": f"proposal:{proposal.id}",
    }
    writer = Browser(live_server.url).login("marco@example.org")
    response = writer.post(
        comments_path(proposal),
        {"body": "Serve un **numero verde**.", "stance": "in_favour", "next": "/"},
        token_from=comments_path(proposal),
    )
    assert response.status_code == 302
    message = _next(viewer, "discussion.changed")
    assert set(message) == {"proposal", "comment", "parent", "kind", "version"}
    assert message["proposal"] == proposal.id and message["kind"] == "comment.posted"
    assert message["parent"] is None and isinstance(message["version"], int)
    assert "numero verde" not in json.dumps(message)

    reader = Browser(live_server.url)
    fragment = reader.get(f"{comments_path(proposal)}/{message['comment']}/fragment")
    assert "<strong>numero verde</strong>" in fragment and "Marco Rossi" in fragment

    reply = writer.post(
        comments_path(proposal),
        {"body": "E anche uno sportello.", "parent": str(message["comment"]), "next": "/"},
        token_from=comments_path(proposal),
    )
    assert reply.status_code == 302
    second = _next(viewer, "discussion.changed")
    assert second["parent"] == message["comment"]
    assert second["version"] > message["version"]  # the record's seq: it only grows


def test_a_hidden_text_never_travels(sockets, live_server, proposal, member, secretary):
    comment = post(member, proposal, f"Insulto: {SECRET}")
    watcher = Browser(live_server.url).login("marco@example.org")
    viewer = sockets(cookie=watcher.cookie)  # logged in, the author of the comment
    viewer.call("room.join", {"room": f"proposal:{proposal.id}"}, timeout=5)

    moderator = Browser(live_server.url).login("segretario@example.org")
    hide = f"{comments_path(proposal)}/{comment.id}/hide"
    done = moderator.post(hide, {"reason": "Linguaggio offensivo."}, token_from=hide)
    assert done.status_code == 302
    received: list = []
    message = _next(viewer, "discussion.changed", log=received)
    assert message["kind"] == "comment.hidden" and message["comment"] == comment.id
    assert SECRET not in json.dumps(received)

    for browser in (watcher, moderator, Browser(live_server.url)):
        for query in ("", "?level=2", "?view=compact", "?thread=1&max=6"):
            fragment = browser.get(f"{comments_path(proposal)}/{comment.id}/fragment{query}")
            assert SECRET not in fragment
            assert "Linguaggio offensivo." in fragment


def test_supports_are_announced_to_the_room(sockets, proposal, zone, make_user):
    with unit_of_work() as session:
        other = organisations.save_organisation(
            session, SYSTEM, None, name="Associazione Vicini", kind="APS", zone=zone
        )
    supporter = make_user("stakeholder", organisation=other)
    viewer = sockets()
    viewer.call("room.join", {"room": f"proposal:{proposal.id}"}, timeout=5)
    with unit_of_work() as session:
        proposal_organisations.support(session, supporter, session.merge(proposal))
    message = _next(viewer, "discussion.changed")
    assert message["kind"] == "proposal.supported"
    assert message["comment"] is None and message["proposal"] == proposal.id


def test_rooms_are_separate(sockets, author, proposal, member):
    other = make_proposal(author, title="Un'altra proposta")
    viewer = sockets()
    viewer.call("room.join", {"room": f"proposal:{other.id}"}, timeout=5)
    post(member, proposal)
    with pytest.raises(socketio.exceptions.TimeoutError):
        _next(viewer, "discussion.changed", timeout=0.7)
    post(member, other)
    assert _next(viewer, "discussion.changed")["proposal"] == other.id


def test_a_draft_s_room_is_refused_to_everyone(sockets, live_server, author):
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False)
    public = sockets()
    as_author = sockets(cookie=Browser(live_server.url).login("lucia@example.org").cookie)
    for client in (public, as_author):
        ack = client.call("room.join", {"room": f"proposal:{draft.id}"}, timeout=5)
        assert ack["ok"] is False and ack["message"]


@pytest.mark.parametrize(
    "room",
    ["proposal:", "proposal:abc", "proposal:999999", "proposal:1:2", "proposal:-1",
     "proposal:99999999999999999999", "proposals:1", "proposal:" + "9" * 60],
)  # fmt: skip
def test_malformed_proposal_rooms_are_refused(sockets, room):
    ack = sockets().call("room.join", {"room": room}, timeout=5)
    assert ack["ok"] is False and ack["error"] == "invalid"
