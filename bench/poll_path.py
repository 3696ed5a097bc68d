"""Bench: the hot path of a live poll in one process, one thread, no network: what each
ballot costs the server (the socket handler: parse, the domain operation in its unit of
work, the acknowledgement's version) and what each snapshot broadcast costs (built once,
encoded once), in SQL statements and CPU time. Steadier than the live benches on a busy
machine: statements do not vary, and CPU time varies far less than wall time.

    .venv/bin/python bench/poll_path.py [--voters 60] [--kind named|secret] [--snapshots 50]
    .venv/bin/python bench/poll_path.py --profile     # pyinstrument of both, to the terminal

Ballots are measured alone (parsed, then in their own unit of work: the writer's fallback)
and grouped (the whole burst as one batch of the process's writer, realtime/group_commit.py:
per ballot).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Instance, session_in_progress
from socketio import packet
from sqlalchemy import event, select

from council.domain.accounts import login_sessions
from council.domain.voting import polls
from council.extensions import db
from council.models.user import User
from council.unit_of_work import unit_of_work
from realtime import meeting_room
from realtime.group_commit import Waiting
from realtime.payloads import parse

CHOICES = ["in_favour", "against", "abstain"]


class Statements:
    """The statements this thread sends (the coalescer's snapshots, built meanwhile by a
    background thread as in the server, are counted by the snapshot's own figures)."""

    def __init__(self, engine) -> None:
        self.count = 0
        self.thread = threading.get_ident()
        self.shown: list[str] | None = None  # --show-sql: the statements, while set
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, _conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == self.thread:
            self.count += 1
            if self.shown is not None:
                self.shown.append(" ".join(statement.split()))


def timed(function):
    """(result, statements, CPU ms, wall ms) of one call."""
    before, cpu, wall = STATEMENTS.count, time.thread_time(), time.perf_counter()
    result = function()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return result, STATEMENTS.count - before, cpu * 1000, wall * 1000


def figures(rows: list[tuple]) -> dict:
    return {
        "statements": statistics.median(r[1] for r in rows),
        "cpu_ms_p50": round(statistics.median(r[2] for r in rows), 2),
        "wall_ms_p50": round(statistics.median(r[3] for r in rows), 2),
    }


def main() -> None:
    global STATEMENTS
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=60)
    parser.add_argument("--kind", choices=["named", "secret"], default="named")
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show-sql", action="store_true",
                        help="print the statements of the batch's last ballot")  # fmt: skip
    args = parser.parse_args()

    instance = Instance(postgresql=args.postgresql)
    app = instance.app
    with app.app_context():
        STATEMENTS = Statements(db.engine)
        meeting_id, item, chair_email, emails = session_in_progress(args.voters, check_in=True)
        chair = db.session.scalar(select(User).where(User.email == chair_email))
        with unit_of_work() as work:
            poll = polls.prepare_poll(work, chair, meeting_id, item_id=item, kind=args.kind,
                                       rule="simple", question="Bench")  # fmt: skip
        with unit_of_work() as work:
            polls.open_poll(work, chair, poll.id)
        voters = [db.session.scalar(select(User.id).where(User.email == e)) for e in emails]
        with unit_of_work() as work:  # each voter's login, as the login form makes it
            logins = {voter: login_sessions.start(work, work.get(User, voter), address="",
                                                  device="", remember=False)
                      for voter in voters}  # fmt: skip
        db.session.remove()
    door = meeting_room.ACTIONS["ballot.cast"]
    writer = meeting_room.live().group_commit.writer
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)

    ballots = []
    for n, voter in enumerate(voters[: len(voters) // 2]):
        payload = {"meeting": meeting_id, "poll": poll.id, "choice": CHOICES[n % 3],
                   "client_ballot_id": f"b-{n}"}  # fmt: skip
        with app.test_request_context():

            def handle(payload=payload, voter=voter):
                # the door's parse, then the ballot alone in its own unit of work (the
                # writer's fallback; its people loaded in the transaction, as in a batch)
                ballot = parse(payload, {"meeting": int, **door.required}, door.optional)
                return writer.write_alone(Waiting(logins[voter], ballot))

            if profiler:
                profiler.start()
            ack, *rest = timed(handle)
            if profiler:
                profiler.stop()
            assert ack["ok"], ack
            ballots.append((ack, *rest))
    if profiler:
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        profiler = type(profiler)(interval=0.0005)

    live = meeting_room.live()
    with app.app_context():  # the other half: one batch, as the writer runs it
        batch = [
            Waiting(logins[voter], {"meeting": meeting_id, "poll": poll.id,
                    "choice": CHOICES[n % 3], "client_ballot_id": f"g-{n}"})
            for n, voter in enumerate(voters[len(voters) // 2 :])
        ]  # fmt: skip
        db.session.commit()
        if profiler:
            profiler.start()
        if args.show_sql:
            STATEMENTS.shown = []
        _none, *group = timed(lambda: live.group_commit.write(poll.id, batch))
        if args.show_sql:
            print("\n".join(STATEMENTS.shown), file=sys.stderr)
            STATEMENTS.shown = None
        if profiler:
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            profiler = type(profiler)(interval=0.0005)
        assert all(w.ack and w.ack["ok"] for w in batch), batch[0].ack
        db.session.remove()
    grouped = {"statements": group[0] / len(batch), "cpu_ms": round(group[1] / len(batch), 2),
               "wall_ms": round(group[2] / len(batch), 2), "batch": len(batch)}  # fmt: skip

    room = meeting_room.room(meeting_id)
    snapshots, encodings = [], []
    for _ in range(args.snapshots):
        with app.app_context():
            if profiler:
                profiler.start()
            state, *rest = timed(lambda: live.snapshot_for_room(room))
            if profiler:
                profiler.stop()
            snapshots.append((state, *rest))
            db.session.remove()
        event_packet = packet.Packet(packet.EVENT, data=[meeting_room.SNAPSHOT, state])
        encoded, *rest = timed(event_packet.encode)
        encodings.append((encoded, *rest))
    if profiler:
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    instance.drop()
    print(json.dumps({
        "database": instance.database, "kind": args.kind, "voters": args.voters,
        "ballot_handler": figures(ballots),
        "ballot_grouped_per_ballot": grouped,
        "snapshot_build": figures(snapshots),
        "snapshot_encode": figures(encodings) | {"bytes": len(encodings[-1][0])},
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
