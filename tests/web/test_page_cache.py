"""Public pages kept in memory (council/web/page_cache.py): the public reads a page rendered
once, sees a recorded change at once, and a logged-in person never meets the cache."""

from __future__ import annotations

import re
import threading
import time

import pytest

from council.domain.discussion import comments
from council.web import page_cache
from council.web import proposals as proposal_views
from tests.meeting_helpers import run

FRESH = 0.2  # seconds a kept page is served without looking at the record


class Clock:
    """The cache's clock, moved by the test: a loaded machine's pauses change nothing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 10.0)
    monkeypatch.setitem(app.config, "PAGE_CACHE_FRESH_SECONDS", FRESH)
    kept = app.extensions["consiglio_page_cache"]
    kept.clear()
    monkeypatch.setattr(kept, "clock", Clock())
    yield kept
    kept.clear()


def comment(member, proposal, text: str) -> None:
    run(lambda work: comments.post_comment(work, work.merge(member), work.merge(proposal), text))


class HeldRendering:
    """Holds the proposal page's rendering until `release()`, to see what the other readers
    get meanwhile."""

    def __init__(self, monkeypatch) -> None:
        self.entered, self.released = threading.Event(), threading.Event()
        load = proposal_views._load

        def held_load(proposal_id):
            self.entered.set()
            assert self.released.wait(30)
            return load(proposal_id)

        monkeypatch.setattr(proposal_views, "_load", held_load)

    def release(self) -> None:
        self.released.set()


def reader(app, path: str) -> tuple[threading.Thread, dict]:
    """A reader of `path` in a thread of its own; its response in the dict once it ends."""
    got: dict = {}

    def read():
        got["response"] = app.test_client().get(path)

    thread = threading.Thread(target=read)
    thread.start()
    return thread, got


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

    comment(member, proposal, "Servono più operatori la sera.")
    assert "Servono più operatori" not in client.get(path).get_data(as_text=True)  # still kept
    assert counts(cache) == (2, 1)
    cache.clock.advance(FRESH + 0.05)
    fresh = client.get(path)
    assert counts(cache) == (2, 2)
    assert "Servono più operatori la sera." in fresh.get_data(as_text=True)
    cache.clock.advance(FRESH + 0.05)  # the record has not moved since: the page is still good
    assert without_token(client.get(path)) == without_token(fresh)
    assert counts(cache) == (3, 2)
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
    cache.clock.advance(0.3)
    client.get(f"/proposals/{proposal.id}")
    assert counts(cache) == (0, 4)
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0.0)  # turned off
    client.get(f"/proposals/{proposal.id}")
    assert counts(cache) == (0, 4)


def test_one_reader_renders_a_moved_page_while_the_others_read_the_kept_one(
    cache, app, client, proposal, member, monkeypatch
):
    path = f"/proposals/{proposal.id}"
    kept = without_token(client.get(path))
    comment(member, proposal, "Un nuovo commento durante la lettura.")
    cache.clock.advance(FRESH + 0.05)
    held = HeldRendering(monkeypatch)
    renderer, rendered = reader(app, path)
    assert held.entered.wait(30)
    meanwhile = [client.get(path) for _ in range(3)]  # not held: served the kept page
    assert renderer.is_alive()
    assert all(without_token(page) == kept for page in meanwhile)
    held.release()
    renderer.join(30)
    assert "Un nuovo commento durante la lettura." in rendered["response"].get_data(as_text=True)
    assert without_token(client.get(path)) == without_token(rendered["response"])
    assert counts(cache) == (4, 2)


def test_one_reader_looks_at_the_record_for_a_page_no_longer_fresh_the_others_read_it(
    cache, app, client, proposal, monkeypatch
):
    path = f"/proposals/{proposal.id}"
    kept = without_token(client.get(path))
    cache.clock.advance(FRESH + 0.05)
    looked, entered, released = [], threading.Event(), threading.Event()
    record_head = page_cache.record_head

    def held_record_head():
        looked.append(threading.get_ident())
        if len(looked) == 1:
            entered.set()
            assert released.wait(30)
        return record_head()

    monkeypatch.setattr(page_cache, "record_head", held_record_head)
    looker, got = reader(app, path)
    assert entered.wait(30)
    meanwhile = [client.get(path) for _ in range(3)]  # the kept page, without a query each
    released.set()
    looker.join(30)
    assert all(without_token(page) == kept for page in meanwhile)
    assert without_token(got["response"]) == kept
    assert looked == [looker.ident]
    assert counts(cache) == (4, 1)


def test_readers_of_a_page_not_kept_yet_wait_for_its_one_rendering(cache, app, proposal,
                                                                   monkeypatch):  # fmt: skip
    path = f"/proposals/{proposal.id}"
    held = HeldRendering(monkeypatch)
    first, got_first = reader(app, path)
    assert held.entered.wait(30)
    others = [reader(app, path) for _ in range(3)]
    time.sleep(0.3)
    assert all(thread.is_alive() for thread, _got in others)  # waiting, not rendering
    held.release()
    for thread, _got in [(first, got_first), *others]:
        thread.join(30)
    pages = {without_token(got["response"]) for _thread, got in [(first, got_first), *others]}
    assert len(pages) == 1 and proposal.title in pages.pop()
    assert counts(cache) == (3, 1)


def test_a_reader_waiting_for_a_page_that_was_not_kept_renders_it_itself(cache, app, client,
                                                                         monkeypatch):  # fmt: skip
    held = HeldRendering(monkeypatch)
    first, got_first = reader(app, "/proposals/999999")
    assert held.entered.wait(30)
    second, got_second = reader(app, "/proposals/999999")
    time.sleep(0.2)
    held.release()
    first.join(30)
    second.join(30)
    assert got_first["response"].status_code == got_second["response"].status_code == 404
    assert counts(cache) == (0, 2)
