"""What a serving process does once its app is built: the development server (app.py) and the
production worker (council/wsgi.py). The CLI and the tests do neither."""

from __future__ import annotations

import gc

from flask import Flask

from council import scheduler
from council.config import require_secret


def start(app: Flask) -> None:
    """Start the scheduled work, then leave everything loaded so far out of garbage collection.

    What is loaded at start lives as long as the process: frozen, a full collection (which
    can fall inside a burst of ballots) goes over the connections' objects only
    (bench/README.md, "Garbage collection"). Raises ConfigError without a SECRET_KEY (outside
    development): nothing is served unsigned.
    """
    require_secret(app.config)
    scheduler.start(app)  # closes consultations on time, sends digests
    gc.collect()
    gc.freeze()
