"""Logs: one line per request and per socket event, as JSON in production (LOG_FORMAT=json)
so a collector can index them, as text in development.

What is never logged: request bodies and socket payloads (a secret ballot's choice travels in
one), cookies, passwords. A request line carries the method, the path (no query string: it
may hold a search a person would not publish), the status, the time taken and the public id
of the person logged in.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, g, request
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter

access = logging.getLogger("consiglio.access")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(app: Flask) -> None:
    """Install the handler (not under the tests, whose runner captures logs itself)."""
    if app.config.get("ENV_NAME") != "testing":
        handler = logging.StreamHandler(sys.stderr)
        if app.config.get("LOG_FORMAT") == "json":
            handler.setFormatter(
                JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level"})
            )
        else:
            handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our access line replaces it

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.pop("started", None)
        if started is not None and request.path != "/healthz":
            access.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path,
                       "status": response.status_code,
                       "ms": round((time.perf_counter() - started) * 1000, 1),
                       "user": _who()},
            )  # fmt: skip
        return response


def _who() -> str | None:
    try:
        return current_user.public_id if current_user.is_authenticated else None
    except Exception:  # outside a login context
        return None


ASK_LOGIN = object()  # the person from Flask-Login (loading them if nobody did yet)


def socket_event(event: str, started: float, outcome: str, user: object = ASK_LOGIN) -> None:
    """One line per socket event: its name, how long it took, how it ended (ok or the
    refusal's code) and who sent it (`user`: their public id, when the caller already knows
    it), never its payload."""
    access.info(
        "socket %s %s", event, outcome,
        extra={"event": event, "ms": round((time.perf_counter() - started) * 1000, 1),
               "outcome": outcome, "user": _who() if user is ASK_LOGIN else user},
    )  # fmt: skip
