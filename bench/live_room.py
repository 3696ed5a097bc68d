"""Bench: a burst of check-ins in a live meeting watched by many viewers (PERFORMANCE.md).

    .venv/bin/python bench/live_room.py [--members 60] [--viewers 200] [--window 0.1]

One server process (`python app.py`, threading mode; SQLite in a temporary folder, or
DATABASE_URL; REDIS_URL if set), the clients in this one. Members
log in through the real form and check in over their own sockets, all at once; anonymous
viewers follow the room. Prints the acknowledgement latencies, when the last viewer saw the
final attendance, how many snapshots each viewer received, and checks every check-in was
stored and recorded once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import socketio  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from council.cli import upgrade_database  # noqa: E402
from council.domain import accounts, agenda, live_session, meetings  # noqa: E402
from council.extensions import db  # noqa: E402
from council.models.base import utcnow  # noqa: E402
from council.models.meeting import Attendance  # noqa: E402
from council.models.record import RecordEvent  # noqa: E402
from council.models.user import Role  # noqa: E402
from council.unit_of_work import unit_of_work  # noqa: E402

PASSWORD = "password-del-bench"
AGENT = "consiglio-bench/1.0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(members: int):
    with unit_of_work() as work:

        def person(email, roles):
            return accounts.create_user(work, None, email=email, name=email.split("@")[0],
                                        password=PASSWORD, roles=roles)  # fmt: skip

        chair = person("chair@bench.example", {Role.CHAIR, Role.MEMBER})
        secretary = person("secretary@bench.example", {Role.SECRETARY, Role.MEMBER})
        crowd = [person(f"m{n}@bench.example", {Role.MEMBER}) for n in range(members)]
        soon = utcnow() + timedelta(minutes=10)
        meeting = meetings.create(work, secretary, title="Prova", starts_at=soon, place="Sala")
        item = agenda.add_item(work, secretary, meeting.id, title="Punto unico")
        meetings.convene(work, secretary, meeting.id)
        live_session.open_session(work, chair, meeting.id)
        live_session.move_to(work, chair, meeting.id, item.id)
    return meeting.id, [p.email for p in crowd]


def login(url: str, email: str) -> str:
    http = requests.Session()
    http.headers["User-Agent"] = AGENT
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', http.get(f"{url}/login").text)
    http.post(f"{url}/login", data={"email": email, "password": PASSWORD,
              "csrf_token": token.group(1)}, allow_redirects=False)  # fmt: skip
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--window", type=float, default=0.1)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-live-")
    url_db = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    os.environ["CONSIGLIO_INSTANCE"] = folder
    upgrade_database(url_db)
    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url_db,
                      "PASSWORD_HASH_FAST": True, "SESSION_COOKIE_SECURE": False,
                      "LIVE_BROADCAST_WINDOW": args.window, "MAIL_OUTBOX": f"{folder}/outbox",
                      "REDIS_URL": os.environ.get("REDIS_URL")})  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with app.app_context():
        meeting_id, emails = prepare(args.members)
        db.session.remove()
    # The server runs in its own process, as in production: the clients' threads here do not
    # compete with it for the interpreter.
    env = dict(os.environ, CONSIGLIO_ENV="development", CONSIGLIO_INSTANCE=folder,
               SECRET_KEY="bench", DATABASE_URL=url_db, HOST="127.0.0.1", PORT=str(port),
               LIVE_BROADCAST_WINDOW=str(args.window), MAIL_OUTBOX=f"{folder}/outbox")  # fmt: skip
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(100):
        try:
            requests.get(f"{base}/login", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)

    final = threading.Event()
    seen: dict[int, float] = {}
    counts: list[int] = [0] * args.viewers
    viewers = []
    for n in range(args.viewers):
        client = socketio.Client()

        def on_snapshot(snapshot, n=n):
            counts[n] += 1
            if snapshot["attendance"]["count"] == args.members and n not in seen:
                seen[n] = time.monotonic()
                if len(seen) == args.viewers:
                    final.set()

        client.on("meeting.snapshot", on_snapshot)
        client.connect(base, transports=["websocket"], headers={"User-Agent": AGENT})
        client.call("meeting.join", {"meeting": meeting_id}, timeout=30)
        viewers.append(client)
    phones = []
    for email in emails:
        phone = socketio.Client()
        phone.connect(base, transports=["websocket"],
                      headers={"User-Agent": AGENT, "Cookie": login(base, email)})  # fmt: skip
        phones.append(phone)
    time.sleep(1)
    counts[:] = [0] * args.viewers

    latencies: list[float] = []
    start = time.monotonic()

    def check_in(phone):
        sent = time.monotonic()
        ack = phone.call("attendance.check_in", {"meeting": meeting_id}, timeout=30)
        assert ack["ok"], ack
        latencies.append(time.monotonic() - sent)

    threads = [threading.Thread(target=check_in, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    burst = time.monotonic() - start
    reached = final.wait(30)
    last_viewer = (max(seen.values()) - start) if seen else None
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Attendance))
        checked_in = RecordEvent.kind == "attendance.checked_in"
        recorded = db.session.scalar(select(func.count(RecordEvent.seq)).where(checked_in))
    print(json.dumps({
        "members": args.members, "viewers": args.viewers, "window_s": args.window,
        "database": url_db.split(":")[0], "redis": bool(os.environ.get("REDIS_URL")),
        "burst_s": round(burst, 3),
        "ack_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "ack_max_ms": round(max(latencies) * 1000, 1),
        "every_viewer_final": reached,
        "last_viewer_final_s": round(last_viewer, 3) if last_viewer is not None else None,
        "snapshots_per_viewer_mean": round(statistics.mean(counts), 1),
        "snapshots_per_viewer_max": max(counts),
        "attendance_rows": rows, "checked_in_events": recorded,
    }, indent=2))  # fmt: skip
    process.terminate()
    os._exit(0)


if __name__ == "__main__":
    main()
