"""Bench: a live poll, V members voting at once while N viewers watch (PERFORMANCE.md), on the
real app and, in the same run, on the coalesced bare ceiling of shared/bench-reference.

    .venv/bin/python bench/live_poll.py [--viewers 500] [--voters 60] [--rounds 5]
        [--kind named|secret] [--postgresql [--processes 2]] [--naive] [--window 0.1]
        [--reference-mode threading|gevent] [--py-spy FILE [--py-spy-rate 20] [--py-spy-gil]
        [--py-spy-blocking]] [--flood N]

One server process each (`python app.py`, threading mode, SQLite in a temporary folder; with
--postgresql a new PostgreSQL database and the Redis queue), the clients in this process on
one asyncio loop. Each round the chair prepares and opens a poll, then every voter casts a
ballot at once from their own logged-in socket, and the chair closes it. Rounds alternate
with rounds of the same burst against the reference server (`burst_server_coalesced.py`, and
`burst_server.py` with --naive), so both see the same machine. Prints, for each: the time
until every viewer has the final tally, the acknowledgements' p50 and p99, the ballots
accepted per second, the snapshots per viewer, and our figure as a ratio to the ceiling's;
then checks every ballot was stored and recorded once.

With --flood N, as each burst starts an anonymous socket sends N `meeting.join` and the
secretary's socket N `attendance.check_in`, none waiting for its answer (issue 18: one socket
flooding its process); the report counts their answers by outcome (realtime/guard.py's limits
refuse most of them `rate_limited`). Compare with a run without it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    ROOT,
    Instance,
    Profile,
    connect,
    crowd,
    free_port,
    login,
    login_all,
    session_in_progress,
    wait_for,
)
from sqlalchemy import func, select

from council.extensions import db
from council.models.poll import Ballot, Participation, Poll
from council.models.record import RecordEvent

CHOICES = ["in_favour", "against", "abstain"]
REFERENCE = ROOT.parent / "shared" / "bench-reference"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Audience:
    """The viewers' side of a round: when each first saw the state `final` waits for."""

    def __init__(self, viewers: int) -> None:
        self.viewers = viewers
        self.final = lambda payload: False
        self.seen: dict[int, float] = {}
        self.received = [0] * viewers
        self.size = 0
        self.done = asyncio.Event()

    def expect(self, final) -> None:
        self.final, self.seen, self.received = final, {}, [0] * self.viewers
        self.done = asyncio.Event()

    def handler(self, n: int):
        async def on_state(payload):
            self.received[n] += 1
            if n not in self.seen and self.final(payload):
                self.seen[n] = time.monotonic()
                if n == 0:
                    self.size = len(json.dumps(payload, separators=(",", ":")))
                if len(self.seen) == self.viewers:
                    self.done.set()

        return on_state

    async def until_final(self, start: float, timeout: float = 60) -> float | None:
        try:
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            return None
        return max(self.seen.values()) - start


async def burst(voters: list, cast) -> tuple[float, list[float], float]:
    """Every voter at once; (start, acknowledgement latencies, time of the last one)."""
    latencies: list[float] = []

    async def one(n, client):
        sent = time.monotonic()
        ack = await client.call(*cast(n), timeout=60)
        assert ack is not None and (not isinstance(ack, dict) or ack.get("ok")), ack
        latencies.append(time.monotonic() - sent)

    start = time.monotonic()
    await asyncio.gather(*(one(n, c) for n, c in enumerate(voters)))
    return start, latencies, time.monotonic()


async def spread(instances: list[Instance], count: int, make_handlers, cookies=None) -> list:
    """`count` clients, the n-th connected to process n modulo their number."""
    every = len(instances)
    clients: list = [None] * count
    for first, instance in enumerate(instances):
        mine = list(range(first, count, every))
        handlers = lambda k, mine=mine: make_handlers(mine[k])  # noqa: E731
        some = [cookies[n] for n in mine] if cookies else None
        connected = await crowd(instance.url, len(mine), handlers, some)
        for n, client in zip(mine, connected, strict=True):
            clients[n] = client
    return clients


class Ours:
    """The real app: the chair prepares, opens and closes; members vote over their sockets.
    With several server processes, viewers and voters are spread over them."""

    name = "consiglio"

    def __init__(self, instances: list[Instance], meeting: int, item: int, cookies, args):
        self.instances = instances
        self.meeting, self.item, self.args = meeting, item, args
        self.cookies = cookies  # the chair's first, then the voters'
        self.audience = Audience(args.viewers)
        self.polls: list[int] = []
        self.round = 0
        self.memory: dict = {}
        self.flooded: dict[str, int] = {}  # outcome -> answers to the flood's events

    def cpu_seconds(self) -> float:
        return sum(instance.cpu_seconds() for instance in self.instances)

    def memory_bytes(self) -> int:
        return sum(instance.memory_bytes() for instance in self.instances)

    async def start(self) -> None:
        join = {"meeting": self.meeting}
        handlers = lambda n: {"meeting.snapshot": self.audience.handler(n)}  # noqa: E731
        before = self.memory_bytes()
        self.viewers = await spread(self.instances, self.args.viewers, handlers)
        people = await spread(self.instances, len(self.cookies), lambda n: {}, self.cookies)
        self.chair, self.voters = people[0], people[1:]
        for group in (self.viewers, people):
            acks = await asyncio.gather(*(c.call("meeting.join", join, timeout=60) for c in group))
            assert all(a["ok"] for a in acks), acks[0]
        if self.args.flood:
            url = self.instances[0].url
            self.flooders = [await connect(url), await connect(url, self.secretary)]
        await asyncio.sleep(1)
        after = self.memory_bytes()
        connections = len(self.viewers) + len(people)
        self.memory = {
            "server_rss_mib_before": round(before / 2**20, 1),
            "server_rss_mib_connected": round(after / 2**20, 1),
            "kib_per_connection": round((after - before) / connections / 1024, 1),
        }

    async def chair_does(self, event: str, **fields) -> dict:
        ack = await self.chair.call(event, {"meeting": self.meeting, **fields}, timeout=60)
        assert ack["ok"], ack
        return ack

    async def run_round(self) -> dict:
        self.round += 1
        prepared = await self.chair_does("poll.prepare", item=self.item, kind=self.args.kind,
                                         rule="simple", question=f"Voto {self.round}")  # fmt: skip
        poll = prepared["poll"]
        self.polls.append(poll)
        await self.chair_does("poll.open", poll=poll)
        await asyncio.sleep(0.5)  # the opening's snapshot reaches everyone first
        count = len(self.voters)
        self.audience.expect(lambda s: (s["poll"] or {}).get("id") == poll
                             and s["poll"]["voted"] == count)  # fmt: skip

        def cast(n):
            return "ballot.cast", {"meeting": self.meeting, "poll": poll, "choice": CHOICES[n % 3],
                                   "client_ballot_id": f"r{self.round}-{n}"}  # fmt: skip

        cpu = self.cpu_seconds()
        flooding = asyncio.create_task(self.flood()) if self.args.flood else None
        start, latencies, acked = await burst(self.voters, cast)
        final = await self.audience.until_final(start)
        cpu = self.cpu_seconds() - cpu
        if flooding is not None:
            await flooding
        figures = {"final_s": final, "latencies": latencies, "acked_s": acked - start,
                   "server_cpu_s": cpu,
                   "snapshots": statistics.mean(self.audience.received),
                   "payload_bytes": self.audience.size}  # fmt: skip
        self.audience.expect(lambda s: (s["poll"] or {}).get("id") == poll
                             and s["poll"]["state"] == "closed")  # fmt: skip
        closing = time.monotonic()
        await self.chair_does("poll.close", poll=poll)
        figures["close_s"] = await self.audience.until_final(closing)
        await asyncio.sleep(0.3)
        return figures

    async def flood(self) -> None:
        """N joins from the public's socket and N check-ins from the secretary's, sent without
        waiting; returns once every one was answered (or after 60 s)."""
        answered = asyncio.Event()
        expected, seen = 2 * self.args.flood, [0]

        def answer(ack=None):
            outcome = "ok" if isinstance(ack, dict) and ack.get("ok") else (ack or {}).get("error")
            self.flooded[str(outcome)] = self.flooded.get(str(outcome), 0) + 1
            seen[0] += 1
            if seen[0] == expected:
                answered.set()

        public, secretary = self.flooders
        for _ in range(self.args.flood):
            await public.emit("meeting.join", {"meeting": self.meeting}, callback=answer)
            await secretary.emit("attendance.check_in", {"meeting": self.meeting}, callback=answer)
        try:
            await asyncio.wait_for(answered.wait(), 60)
        except TimeoutError:
            self.flooded["unanswered"] = self.flooded.get("unanswered", 0) + expected - seen[0]

    async def stop(self) -> None:
        others = getattr(self, "flooders", [])
        await asyncio.gather(*(c.disconnect() for c in [*self.viewers, self.chair, *self.voters,
                                                        *others]))  # fmt: skip


class Reference:
    """A bare server of shared/bench-reference: join, reset, vote, the `tally` broadcast."""

    def __init__(self, script: str, args) -> None:
        self.name = script.removesuffix(".py")
        self.args = args
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, str(args.reference / script), args.reference_mode, str(port)]
        if "coalesced" in script:
            command.append(str(args.window))
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for(self.url + "/socket.io/?EIO=4&transport=polling")
        self.audience = Audience(args.viewers)

    async def start(self) -> None:
        handlers = lambda n: {"tally": self.audience.handler(n)}  # noqa: E731
        self.viewers = await crowd(self.url, self.args.viewers, handlers)
        self.voters = await crowd(self.url, self.args.voters, lambda n: {})
        await asyncio.gather(*(c.call("join", "meeting:1") for c in self.viewers + self.voters))

    async def run_round(self) -> dict:
        await self.voters[0].call("reset")
        await asyncio.sleep(0.5)
        count = len(self.voters)
        self.audience.expect(lambda data: data["count"] == count)
        start, latencies, acked = await burst(self.voters, lambda n: ("vote", n))
        final = await self.audience.until_final(start)
        await asyncio.sleep(0.3)
        return {"final_s": final, "latencies": latencies, "acked_s": acked - start,
                "snapshots": statistics.mean(self.audience.received),
                "payload_bytes": self.audience.size}  # fmt: skip

    async def stop(self) -> None:
        await asyncio.gather(*(c.disconnect() for c in [*self.viewers, *self.voters]))
        self.process.terminate()


def summary(rounds: list[dict], voters: int) -> dict:
    finals = [r["final_s"] for r in rounds]
    latencies = [x for r in rounds for x in r["latencies"]]
    out = {
        "final_all_viewers_s_p50": round(statistics.median(f or float("inf") for f in finals), 3),
        "final_all_viewers_s_max": round(max(f or float("inf") for f in finals), 3),
        "ack_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "ack_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "ballots_per_s": round(voters / statistics.median(r["acked_s"] for r in rounds), 1),
        "snapshots_per_viewer": round(statistics.mean(r["snapshots"] for r in rounds), 1),
        "payload_bytes": rounds[-1]["payload_bytes"],
    }
    if "server_cpu_s" in rounds[0]:
        out["server_cpu_s_per_burst"] = round(
            statistics.median(r["server_cpu_s"] for r in rounds), 2
        )
    if "close_s" in rounds[0]:
        closes = [r["close_s"] or float("inf") for r in rounds]
        out["close_to_all_viewers_s_p50"] = round(statistics.median(closes), 3)
    return out


async def measure(targets: list, rounds: int, warm=None) -> dict[str, list[dict]]:
    for target in targets:
        await target.start()
        say(f"{target.name}: {len(target.viewers)} viewers connected and joined")
    results: dict[str, list[dict]] = {t.name: [] for t in targets}
    for n in range(rounds + 1):  # the first round of each warms up and is not counted
        for target in targets:
            found = await target.run_round()
            results[target.name].append(found)
            say(
                f"{target.name} round {n}: final at every viewer {found['final_s']} s, "
                f"last ack {found['acked_s']:.3f} s, {found['snapshots']:.1f} snapshots per viewer"
            )
        if n == 0 and warm:
            warm()
    for target in targets:
        await target.stop()
    return {name: found[1:] for name, found in results.items()}


def stored(instance: Instance, polls: list[int]) -> dict:
    with instance.app.app_context():
        ballots = {
            poll: db.session.scalar(select(func.count(table.id)).where(table.poll_id == poll))
            for poll in polls
            for table in [Ballot if db.session.get(Poll, poll).kind == "named" else Participation]
        }
        kinds = ("ballot.cast", "poll.participated")
        recorded = db.session.scalar(
            select(func.count(RecordEvent.seq)).where(RecordEvent.kind.in_(kinds))
        )
        db.session.remove()
    return {"ballots_per_poll": sorted(set(ballots.values())), "ballot_events": recorded}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--voters", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kind", choices=["named", "secret"], default="named")
    parser.add_argument("--window", type=float, default=0.1)
    parser.add_argument("--postgresql", action="store_true",
                        help="a new PostgreSQL database and the Redis queue")  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--naive", action="store_true", help="also the naive reference")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes sharing the Redis queue (--postgresql)")  # fmt: skip
    parser.add_argument("--reference-mode", choices=["threading", "gevent"], default="threading")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--py-spy", metavar="FILE",
                        help="sample the server with py-spy in the measured rounds")  # fmt: skip
    parser.add_argument("--py-spy-rate", type=int, default=20,
                        help="samples a second (20 for ~1,000 threads; 100 for a few)")  # fmt: skip
    parser.add_argument("--py-spy-gil", action="store_true",
                        help="only the thread holding the interpreter (the CPU)")  # fmt: skip
    parser.add_argument("--py-spy-blocking", action="store_true",
                        help="stop the server at each sample (whole stacks: gevent)")  # fmt: skip
    parser.add_argument("--flood", type=int, default=0, metavar="N",
                        help="N joins and N check-ins, unanswered, in each burst")  # fmt: skip
    parser.add_argument("--switch-interval", type=float,
                        help="an experiment: the server's sys.setswitchinterval")  # fmt: skip
    args = parser.parse_args()
    if args.processes > 1 and not args.postgresql:
        parser.error("several processes share PostgreSQL and the Redis queue: add --postgresql")

    instance = Instance(postgresql=args.postgresql, window=args.window,
                        redis_url=args.redis_url if args.postgresql else None)  # fmt: skip
    with instance.app.app_context():
        # the chair and the secretary run the meeting; the voters are the other members
        meeting, item, chair, emails = session_in_progress(args.voters, check_in=True)
        db.session.remove()
    same = {"database_url": instance.database_url, "redis_url": instance.redis_url}
    instances = [instance] + [
        Instance(**same, window=args.window) for _ in range(args.processes - 1)
    ]
    for one in instances:
        one.start(args.switch_interval)
    cookies = login_all(instance.url, [chair, *emails])
    ours = Ours(instances, meeting, item, cookies, args)
    if args.flood:
        ours.secretary = login(instance.url, "secretary@bench.example")
    targets: list = [ours]
    if not args.no_reference:
        targets.append(Reference("burst_server_coalesced.py", args))
        if args.naive:
            targets.append(Reference("burst_server.py", args))
    profile: list[Profile] = []

    def warm():
        if args.py_spy:
            profile.append(Profile(instance.process.pid, args.py_spy, args.py_spy_rate,
                                   args.py_spy_gil, args.py_spy_blocking))  # fmt: skip

    try:
        results = asyncio.run(measure(targets, args.rounds, warm))
    finally:
        for spy in profile:
            spy.stop()
        for one in instances:
            one.stop()
        for target in targets[1:]:
            target.process.terminate()
    report = {
        "viewers": args.viewers, "voters": args.voters, "rounds": args.rounds,
        "kind": args.kind, "window_s": args.window, "database": instance.database,
        "redis": bool(instance.redis_url), "server_log": instance.log,
        "switch_interval_s": args.switch_interval, "processes": args.processes,
        "reference_mode": args.reference_mode, "memory": ours.memory,
    }  # fmt: skip
    for name, rounds in results.items():
        report[name] = summary(rounds, args.voters)
    if args.flood:
        report["flood"] = {"per_round": 2 * args.flood, "answers": ours.flooded}
    for reference, name in (("burst_server_coalesced", "coalesced"), ("burst_server", "naive")):
        if reference in report:
            ceiling = report[reference]["final_all_viewers_s_p50"]
            report[f"ratio_to_{name}_ceiling"] = round(
                report["consiglio"]["final_all_viewers_s_p50"] / ceiling, 2
            )
    report["stored"] = stored(instance, ours.polls)
    instance.drop()
    print(json.dumps(report, indent=2))
    os._exit(0)


if __name__ == "__main__":
    main()
