"""Under gevent a greenlet keeps the process's one thread until it would wait, so one
connection can hold all the others: `requests` gives way before each request (a keep-alive
client's next request would otherwise be served first, again and again), `Template` renders
in slices of at most `SLICE` seconds (a long page would otherwise hold every socket for all of
its rendering). Only the gevent server (council/wsgi.py) uses them; the threading mode's
interpreter switches on its own. Measured: bench/README.md, "Connections taking turns".
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
    """Let the greenlets ready to run go first, those whose socket has data included: a
    positive sleep waits for the loop's next turn, after it has looked at the sockets; a zero
    one may come back before (gevent's documentation)."""
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
