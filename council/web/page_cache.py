"""Whole pages for the public, kept in memory by each process for a few seconds.

A page the public reads (no login in the session, no remember cookie) is rendered once and
then served from memory. Whatever the public can see change (a proposal, a comment, a vote, a
decision, a meeting's state) is a record event, so a kept page remembers the record's head it
was rendered at: once it is PAGE_CACHE_FRESH_SECONDS old, the next reader looks at the head
(one indexed query, at most once that often per page; the readers arriving meanwhile are
served the kept page), and if the record has moved the page is rendered again.
PAGE_CACHE_SECONDS bounds what is not recorded (a person renamed, a consultation's deadline
passing until the scheduler closes it). So a recorded change shows to the public within about
a second, and during a live vote, when the head moves with every ballot, a page is rendered
at most once a second instead of for every reader.

One reader renders a page again while the others are served the kept one (or, when there is
none yet, wait for that rendering): fifty readers arriving as a page expires cost one
rendering, not fifty (bench/README.md, http_load.py). A kept page holds a mark where its
forms' CSRF token was, and each reader gets their own token in its place (the language switch
is a form on every page). Only a 200 HTML answer is kept, and a logged-in request (or one with
a message waiting in its session) never reads or fills the cache. PAGE_CACHE_SECONDS=0 turns
it off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from council.extensions import db
from council.models.record import RecordEvent

# the pages the public reads: their answer is the same for everyone without a login
PUBLIC_PAGES = frozenset({
    "main.home", "main.record_page", "proposals.index", "proposals.view",
    "proposals.version_page", "proposals.diff", "comments.index", "comments.thread",
    "amendments.index", "amendments.view", "meetings.index", "meetings.view", "meetings.live",
    "consultations.index", "consultations.view", "polls.view", "decisions.index",
    "decisions.implementation_list", "decisions.view", "minutes.view",
    "community.organisations", "community.organisation", "community.zones", "community.zone",
    "community.points", "community.point",
})  # fmt: skip
KEPT_HEADERS = ("Content-Type", "Content-Language")
TOKEN_MARK = b"\x00csrf\x00"  # never in a page: templates escape what they print
FIRST_RENDERING_WAIT = 10.0  # seconds a reader waits for another's first rendering of a page


# what a session without a login may hold: Flask-Login's own keys stay after a logout, and
# its strong protection marks the remember cookie for clearing when it finds a session (a
# CSRF token made before the user was looked at) without its identifier
ANONYMOUS_SESSION = frozenset({"csrf_token", "locale", "_fresh", "_id", "_remember"})


def _anonymous(session_: Any) -> bool:
    return not set(session_) - ANONYMOUS_SESSION


def record_head() -> int:
    return db.session.scalar(select(func.max(RecordEvent.seq))) or 0


@dataclass(eq=False)
class Page:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    head: int  # the record's head when it was rendered
    rendered: float  # time.monotonic()
    checked: float  # when its head was last found to be the record's
    checking: bool = False  # a reader is looking at the record's head for it


class PageCache:
    def __init__(self, entries: int = 256) -> None:
        self.entries = entries
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._rendering: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0  # for tests and benches
        self.misses = 0
        self.clock = time.monotonic  # tests move their own

    def init_app(self, app: Flask) -> None:
        app.extensions["consiglio_page_cache"] = self
        app.before_request(self._serve)
        app.after_request(self._keep)
        app.teardown_request(self._release)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.hits = self.misses = 0

    def _key(self) -> tuple | None:
        """(path with query, language chosen) for a public page read without a login and
        with no message waiting in the session; else None."""
        config = current_app.config
        if (
            request.method != "GET"
            or request.endpoint not in PUBLIC_PAGES
            or not config.get("PAGE_CACHE_SECONDS")
            or config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            or not _anonymous(session)
        ):
            return None
        return (request.full_path, session.get("locale"))

    def _serve(self) -> Response | None:
        key = self._key()
        if key is None:
            return None
        config = current_app.config
        fresh, longest = float(config["PAGE_CACHE_FRESH_SECONDS"]), config["PAGE_CACHE_SECONDS"]
        now = self.clock()
        with self._lock:
            page = self._pages.get(key)
        if page is not None and now - page.rendered < longest:
            if now - page.checked < fresh or not self._claim_check(page):
                return self._hit(key, page)  # fresh, or another reader is looking at the head
            try:
                head = record_head()
            finally:
                page.checking = False
            page.checked = now  # if the record moved: kept for the others while it is rendered
            if head == page.head:
                return self._hit(key, page)
        else:
            head = None
        with self._lock:
            rendering = self._rendering.get(key)
            if rendering is None:  # this request renders it
                self._rendering[key] = g.page_cache_claim = threading.Event()
        if rendering is not None:
            if page is not None:  # kept, while another reader renders it again
                return self._hit(key, page)
            rendering.wait(FIRST_RENDERING_WAIT)
            with self._lock:
                page = self._pages.get(key)
            if page is not None:
                return self._hit(key, page)
            # not kept (an error, a 404): render it as well rather than queue again
        with self._lock:
            self.misses += 1  # renderings
        g.page_cache_key = key
        g.page_cache_head = record_head() if head is None else head
        return None

    def _claim_check(self, page: Page) -> bool:
        """True for the one reader who looks at the record's head for a page no longer fresh:
        fifty readers arriving meanwhile took fifty connections from the pool for the same
        query, once a second, and queued for them (bench/README.md, http_load.py)."""
        with self._lock:
            if page.checking:
                return False
            page.checking = True
            return True

    def _hit(self, key: tuple, page: Page) -> Response:
        with self._lock:
            self.hits += 1
            if key in self._pages:
                self._pages.move_to_end(key)
        body = page.body.replace(TOKEN_MARK, generate_csrf().encode())
        response = Response(body, status=200, headers=list(page.headers))
        response.vary.add("Cookie")
        return response

    def _keep(self, response: Response) -> Response:
        key = g.get("page_cache_key")
        if (
            key is None
            or response.status_code != 200
            or response.mimetype != "text/html"
            or response.direct_passthrough
            or not _anonymous(session)  # logged in meanwhile, or a message to show next
        ):
            return response
        body = response.get_data()
        token = g.get("csrf_token")  # Flask-WTF's, made once per request
        if token:
            body = body.replace(token.encode(), TOKEN_MARK)
        headers = tuple((h, response.headers[h]) for h in KEPT_HEADERS if h in response.headers)
        now = self.clock()
        page = Page(body, headers, g.page_cache_head, now, now)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)
        return response

    def _release(self, _error: BaseException | None = None) -> None:
        """The rendering this request claimed is over, kept or not: readers waiting go on."""
        claim = g.pop("page_cache_claim", None)
        if claim is None:
            return
        with self._lock:
            if self._rendering.get(g.get("page_cache_key")) is claim:
                del self._rendering[g.page_cache_key]
        claim.set()
