"""Whole pages for the public, kept in memory by each process for a few seconds.

A page the public reads (no login in the session, no remember cookie) is rendered once and
then served from memory until the record's head moves or PAGE_CACHE_SECONDS pass, whichever
comes first. Whatever the public can see change (a proposal, a comment, a vote, a
decision, a meeting's state) is a record event, so the head's number is part of the key and
such a change shows at once; the seconds bound what is not recorded (a person renamed, a
consultation's deadline passing until the scheduler closes it). A kept page holds a mark
where its forms' CSRF token was, and each reader gets their own token in its place (the
language switch is a form on every page). Only a 200 HTML answer is kept, and a logged-in
request (or one with a message waiting in its session) never reads or fills the cache.
bench/README.md (http_load.py) has the figures; PAGE_CACHE_SECONDS=0 turns it off.
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
})  # fmt: skip
KEPT_HEADERS = ("Content-Type", "Content-Language")
TOKEN_MARK = b"\x00csrf\x00"  # never in a page: templates escape what they print


# what a session without a login may hold: Flask-Login's own keys stay after a logout, and
# its strong protection marks the remember cookie for clearing when it finds a session (a
# CSRF token made before the user was looked at) without its identifier
ANONYMOUS_SESSION = frozenset({"csrf_token", "locale", "_fresh", "_id", "_remember"})


def _anonymous(session_: Any) -> bool:
    return not set(session_) - ANONYMOUS_SESSION


@dataclass(frozen=True)
class Page:
    expires: float
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageCache:
    def __init__(self, entries: int = 256) -> None:
        self.entries = entries
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0  # for tests and benches
        self.misses = 0

    def init_app(self, app: Flask) -> None:
        app.extensions["consiglio_page_cache"] = self
        app.before_request(self._serve)
        app.after_request(self._keep)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self.hits = self.misses = 0

    def _key(self) -> tuple | None:
        """(path with query, language chosen, record head) for a public page read without a
        login and with no message waiting in the session; else None."""
        config = current_app.config
        if (
            request.method != "GET"
            or request.endpoint not in PUBLIC_PAGES
            or not config.get("PAGE_CACHE_SECONDS")
            or config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            or not _anonymous(session)
        ):
            return None
        head = db.session.scalar(select(func.max(RecordEvent.seq))) or 0
        return (request.full_path, session.get("locale"), head)

    def _serve(self) -> Response | None:
        key = g.page_cache_key = self._key()
        if key is None:
            return None
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.expires <= time.monotonic():
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
        g.page_cache_hit = True
        body = page.body.replace(TOKEN_MARK, generate_csrf().encode())
        response = Response(body, status=200, headers=list(page.headers))
        response.vary.add("Cookie")
        return response

    def _keep(self, response: Response) -> Response:
        key = g.get("page_cache_key")
        if (
            key is None
            or g.get("page_cache_hit")
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
        seconds = float(current_app.config["PAGE_CACHE_SECONDS"])
        page = Page(time.monotonic() + seconds, body, headers)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)
        return response
