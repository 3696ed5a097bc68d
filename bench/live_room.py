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
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import socketio
from harness import AGENT, Instance, login_all, session_in_progress
from sqlalchemy import func, select

from council.extensions import db
from council.models.meeting import Attendance
from council.models.record import RecordEvent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--window", type=float, default=0.1)
    args = parser.parse_args()

    instance = Instance(database_url=os.environ.get("DATABASE_URL"), window=args.window,
                        redis_url=os.environ.get("REDIS_URL"))  # fmt: skip
    with instance.app.app_context():
        meeting_id, _item, _chair, emails = session_in_progress(args.members)
        db.session.remove()
    instance.start()
    base = instance.url
    app = instance.app

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
    for cookie in login_all(base, emails):
        phone = socketio.Client()
        phone.connect(base, transports=["websocket"],
                      headers={"User-Agent": AGENT, "Cookie": cookie})  # fmt: skip
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
        "database": instance.database, "redis": bool(instance.redis_url),
        "burst_s": round(burst, 3),
        "ack_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "ack_max_ms": round(max(latencies) * 1000, 1),
        "every_viewer_final": reached,
        "last_viewer_final_s": round(last_viewer, 3) if last_viewer is not None else None,
        "snapshots_per_viewer_mean": round(statistics.mean(counts), 1),
        "snapshots_per_viewer_max": max(counts),
        "attendance_rows": rows, "checked_in_events": recorded,
    }, indent=2))  # fmt: skip
    instance.stop()
    os._exit(0)


if __name__ == "__main__":
    main()
