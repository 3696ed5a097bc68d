"""Public pages kept in memory (council/web/page_cache.py): the public reads a page rendered
once, sees a recorded change at once, and a logged-in person never meets the cache."""

from __future__ import annotations

import re
import time

import pytest

from council.domain import comments
from tests.meeting_helpers import run


@pytest.fixture
def cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 10.0)
    kept = app.extensions["consiglio_page_cache"]
    kept.clear()
    yield kept
    kept.clear()


def without_token(response) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def counts(cache) -> tuple[int, int]:
    return cache.hits, cache.misses


def test_the_public_reads_a_kept_page_until_a_recorded_change(cache, client, proposal, member):
    path = f"/proposals/{proposal.id}"
    first = client.get(path)
    assert first.status_code == 200 and counts(cache) == (0, 1)
    again = client.get(path)
    assert counts(cache) == (1, 1)
    assert without_token(again) == without_token(first)
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert "Cookie" in again.headers["Vary"] and "Content-Security-Policy" in again.headers

    run(lambda work: comments.post_comment(work, work.merge(member), work.merge(proposal),
                                           "Servono più operatori la sera."))  # fmt: skip
    fresh = client.get(path)
    assert counts(cache) == (1, 2)
    assert "Servono più operatori la sera." in fresh.get_data(as_text=True)
    assert "Proposal" in client.get(f"{path}?lang=en").get_data(as_text=True)  # its own entry


def test_each_reader_of_a_kept_page_gets_their_own_form_token(cache, make_web, proposal):
    path = f"/proposals/{proposal.id}"
    first, second = make_web(), make_web()
    mine = first.token(path)
    theirs = second.token(path)
    assert counts(cache) == (1, 1) and mine != theirs
    response = second.post("/language", {"locale": "en", "next": path})
    assert response.status_code == 302
    assert "Proposal" in second.get(path).get_data(as_text=True)
    assert first.post("/language", {"locale": "en"}, token_from=None).status_code == 302
    forged = make_web()
    stolen = {"locale": "en", "csrf_token": mine}  # another reader's token
    assert forged.client.post("/language", data=stolen).status_code == 400


def test_a_logged_in_reader_neither_reads_nor_fills_the_cache(cache, client, web, proposal,
                                                              member):  # fmt: skip
    path = f"/proposals/{proposal.id}"
    public = client.get(path).get_data(as_text=True)
    web.login(member.email)
    mine = web.get(path)
    assert counts(cache) == (0, 1)
    assert mine.get_data(as_text=True) != public and member.name in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert member.name not in client.get(path).get_data(as_text=True)
    assert counts(cache) == (1, 1)


def test_only_a_whole_public_page_is_kept_and_only_for_its_seconds(cache, app, client, proposal,
                                                                   monkeypatch):  # fmt: skip
    for _ in range(2):
        assert client.get("/proposals/999999").status_code == 404
        client.get("/healthz")  # not a page
    assert counts(cache) == (0, 2)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0.2)
    client.get(f"/proposals/{proposal.id}")
    time.sleep(0.3)
    client.get(f"/proposals/{proposal.id}")
    assert counts(cache) == (0, 4)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0.0)  # turned off
    client.get(f"/proposals/{proposal.id}")
    assert counts(cache) == (0, 4)
