"""Fixtures of the live tests: real Socket.IO clients against the live server."""

from __future__ import annotations

import pytest

from tests.realtime.live_helpers import Client, login_cookie


@pytest.fixture
def connect(live_server):
    """connect(person=None) -> a live client, logged in as that person (None: the public)."""
    opened: list[Client] = []
    cookies: dict[str, str] = {}

    def factory(person=None) -> Client:
        cookie = None
        if person is not None:
            if person.email not in cookies:
                cookies[person.email] = login_cookie(live_server.url, person.email)
            cookie = cookies[person.email]
        client = Client(live_server.url, cookie)
        opened.append(client)
        return client

    yield factory
    for client in opened:
        client.close_in_background()
