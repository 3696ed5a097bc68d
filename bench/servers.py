"""The server a bench starts: `dev` (`python app.py`, what harness.Instance.start runs), or the
production command (`gunicorn -c gunicorn.conf.py`) in `threading` (gthread) or `gevent` mode.

    .venv/bin/python bench/servers.py gevent bench/live_poll.py --postgresql [its options]

runs another bench with harness.Instance.start replaced by the chosen server.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import requests

SERVERS = ("dev", "threading", "gevent")


def start(instance, server: str) -> None:
    """Start `server` on the instance's database and port (its process in instance.process)."""
    if server == "dev":
        harness.Instance.start(instance)
        return
    instance.log = f"{instance.folder}/server.log"
    env = dict(os.environ, CONSIGLIO_ENV="production", CONSIGLIO_INSTANCE=instance.folder,
               SECRET_KEY="bench", DATABASE_URL=instance.database_url, HOST="127.0.0.1",
               PORT=str(instance.port), LIVE_BROADCAST_WINDOW=str(instance.window),
               MAIL_OUTBOX=f"{instance.folder}/outbox", SCHEDULER_INTERVAL="0",
               REDIS_URL=instance.redis_url or "", SOCKETIO_ASYNC_MODE=server,
               COOKIE_SECURE="0", MAX_CONNECTIONS="10000", THREADS="5000")  # fmt: skip
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(instance.log, "ab") as log:
        instance.process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py"], env=env, cwd=harness.ROOT,
            start_new_session=True, stdout=log, stderr=log,
        )  # fmt: skip
    try:
        ready(f"{instance.url}/healthz")
    except BaseException:
        instance.stop()
        raise


def ready(url: str, seconds: float = 90) -> None:
    """Wait until the server answers (its first answer may take seconds on a busy machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def use(server: str) -> None:
    """Make every harness.Instance of this process start `server`."""
    original = harness.Instance.start
    harness.Instance.start = (  # a bench's own arguments for `python app.py` do not apply
        original if server == "dev" else lambda instance, *_args, **_kw: start(instance, server)
    )


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in SERVERS:
        raise SystemExit(f"usage: servers.py {'|'.join(SERVERS)} BENCH.py [options]")
    use(sys.argv[1])
    script = sys.argv[2]
    sys.argv = [script, *sys.argv[3:]]
    runpy.run_path(script, run_name="__main__")
