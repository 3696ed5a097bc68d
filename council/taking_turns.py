"""Under gevent, every connection of a process takes turns on one thread: a greenlet runs
until it would wait, and nothing takes the thread from it (the threading mode's interpreter
switches every 5 ms). Two ways a request kept the others waiting, measured at 50 clients on
loopback (bench/README.md, "Connections taking turns"):

- **Keep-alive**: when a client sends its next request as soon as it has the answer, that
  request is often there before the greenlet looks, so it served its connection again and
  again while the others waited: a static file's median answer took 1.4 ms, the slowest
  percent over a second. `requests` gives way before each request.
- **A long rendering**: the proposal page with 2,000 comments is ~300 ms of template work,
  every other connection (live sockets included) waiting for all of it. `Template` renders in
  slices of at most `SLICE` seconds and gives way between them.

Only the gevent server (council/wsgi.py) uses them; the threading mode needs neither.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent
import jinja2
from flask import Flask

SLICE = 0.005  # seconds of rendering between two turns: the threading mode's switch interval
TURN = 1e-6  # a sleep this long waits for the loop's next turn (see give_way)


def give_way() -> None:
    """Let the greenlets ready to run go first, those whose socket has data included. A sleep
    of zero may come back before the loop looks at the sockets (gevent's documentation; here
    one connection's queued requests went on for ~50 ms); a positive one waits for the loop's
    next turn, after it has looked."""
    gevent.sleep(TURN)


def requests(wsgi_app: Callable) -> Callable:
    """The WSGI app, giving the other greenlets their turn before each request."""

    def application(environ: dict, start_response: Callable) -> Any:
        give_way()
        return wsgi_app(environ, start_response)

    return application


class Template(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        parts = []
        due = time.perf_counter() + SLICE
        for part in self.generate(*args, **kwargs):
            parts.append(part)
            if time.perf_counter() >= due:
                give_way()
                due = time.perf_counter() + SLICE
        return self.environment.concat(parts)


def install(app: Flask) -> None:
    """Both, on an app served by gevent (before its first page is rendered)."""
    app.jinja_env.template_class = Template
    app.wsgi_app = requests(app.wsgi_app)  # type: ignore[method-assign]  # Flask's way to wrap it
