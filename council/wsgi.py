"""The production entry point: `gunicorn -c gunicorn.conf.py` (or `make serve`) loads
`council.wsgi:application` in its one worker process.

The worker class follows SOCKETIO_ASYNC_MODE (gunicorn.conf.py): the gevent worker patches the
standard library before this module is imported, which is what the gevent mode needs; the
threading mode runs in gunicorn's gthread worker. Each process starts its own scheduler: its
jobs claim their rows once, so several processes can run them side by side.
"""

from __future__ import annotations

import sys

from app import create_app
from council import serving, taking_turns
from council.config import ConfigError


def _gevent_patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


def build():
    app = create_app()
    mode = app.config["SOCKETIO_ASYNC_MODE"]
    if (mode == "gevent") != _gevent_patched():
        raise ConfigError(
            f"SOCKETIO_ASYNC_MODE={mode} does not match the server's worker: start it with "
            "`gunicorn -c gunicorn.conf.py`, which picks the worker from that setting."
        )
    if mode == "gevent":  # one thread for every connection: each gives way (taking_turns.py)
        taking_turns.install(app)
    serving.start(app)
    return app


application = build()
