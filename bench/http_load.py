"""Bench: HTTP pages under load, 50 concurrent clients on loopback (PERFORMANCE.md: p99 at most
100 ms), against the production server.

    .venv/bin/python bench/http_load.py [--server threading,gevent,dev] [--postgresql]
        [--clients 50] [--seconds 10] [--rounds 2] [--comments 2000] [--decisions 1000]
        [--client aiohttp|wrk] [--profile PAGE]

A fresh database (SQLite in a temporary folder; with --postgresql a new PostgreSQL database
and the Redis queue) holds a proposal in consultation with 2,000 comments (built as
bench/proposal_page.py does), a session in progress with 60 members checked in whose named
vote was recorded as a decision through the domain (so its page has 60 ballots and their
trail), and 1,000 more decisions of varied titles for the archive. The server runs in its own
process (bench/servers.py); the clients are coroutines of one asyncio loop in this process
(aiohttp, keep-alive), each sending its next request when the previous answer has been read;
or, with `--client wrk`, wrk's 50 connections (Debian's package: much less of the machine).
Each page is loaded for `--seconds` after a short warm-up, the pages in turn, `--rounds`
times; prints requests per second, p50, p99 and errors per page. `--profile PAGE` then renders
that page in process under pyinstrument and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import servers
from harness import PASSWORD, Instance, session_in_progress
from sqlalchemy import select

from council.domain.voting import polls
from council.extensions import db
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived

WORDS = ["anziani", "disabilità", "minori", "casa", "lavoro", "trasporti", "scuola", "salute",
         "povertà", "cultura", "sport", "giovani", "famiglie", "migranti", "quartieri"]  # fmt: skip
CHOICES = ["in_favour", "against", "abstain"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build(comments: int, decisions: int) -> dict[str, str]:
    """The data; the pages' paths. Needs the app's context."""
    from proposal_page import build as proposal_with_comments

    proposal = proposal_with_comments(comments)
    meeting, item, chair_email, emails = session_in_progress(60, check_in=True)
    users = {u.email: u for u in db.session.scalars(select(User))}
    chair, members = users[chair_email], [users[e] for e in emails]
    secretary, author = users["secretary@bench.example"], users["p0@example.org"]
    organisation = author.organisation
    db.session.remove()

    def run(operation, *args, **kwargs):
        with unit_of_work() as work:
            return operation(work, *args, **kwargs)

    poll = run(polls.prepare_poll, chair, meeting, item_id=item, kind="named", rule="simple",
               question="Approvare il piano dei servizi?")  # fmt: skip
    run(polls.open_poll, chair, poll.id)
    for n, member in enumerate(members):
        run(polls.cast_ballot, member, poll.id, CHOICES[n % 3], f"bench-{n}")
    run(polls.close_poll, chair, poll.id)
    decision = run(polls.record_decision, secretary, poll.id)
    for n in range(decisions):
        title = f"Servizi per {WORDS[n % len(WORDS)]} e {WORDS[(n * 7 + 3) % len(WORDS)]} ({n})"
        archived(author, title=title, year=2020 + n % 6, approved=n % 4 != 0,
                 meeting_title=f"Seduta {n}", organisation=organisation)  # fmt: skip
    db.session.remove()
    return {
        "proposal (2,000 comments)": f"/proposals/{proposal}",
        "decision (60 named ballots)": f"/decisions/{decision.year}/{decision.seq:03d}",
        "archive search": "/decisions?q=anziani",
        "public live view": f"/meetings/{meeting}/live",
    }


async def load(url: str, clients: int, seconds: float, warmup: float = 2.0) -> dict:
    """`clients` coroutines requesting `url` back to back for `seconds` (after `warmup`)."""
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        start = time.monotonic()
        counting_from, until = start + warmup, start + warmup + seconds

        async def client() -> None:
            nonlocal errors
            while (now := time.monotonic()) < until:
                try:
                    async with http.get(url) as response:
                        await response.read()
                        good = response.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    good = False
                if now >= counting_from:
                    if good:
                        latencies.append(time.monotonic() - now)
                    else:
                        errors += 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return {"requests": len(latencies), "errors": errors, "latencies": latencies,
            "seconds": seconds}  # fmt: skip


def load_wrk(url: str, clients: int, seconds: float, warmup: float = 2.0) -> dict:
    """The same load from wrk (Debian's package, in C): the load generator takes far less of
    the machine than the asyncio clients, so the server's own ceiling shows. Its clients keep
    no cookie: each request is a reader's first."""
    wrk = ["wrk", "-t2", f"-c{clients}", "--latency", "--timeout", "30s"]
    subprocess.run([*wrk, f"-d{round(warmup)}s", url], check=True, capture_output=True)
    out = subprocess.run([*wrk, f"-d{round(seconds)}s", url], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def ms(text: str) -> float:
        number = re.match(r"([\d.]+)(us|ms|s)", text)
        return float(number[1]) * unit[number[2]]

    percent = dict(re.findall(r"^\s+(\d+)%\s+(\S+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    requests = int(re.search(r"(\d+) requests in", out)[1])
    return {"requests": requests, "errors": errors, "seconds": seconds,
            "p50_ms": ms(percent["50"]), "p99_ms": ms(percent["99"])}  # fmt: skip


def summary(runs: list[dict]) -> dict:
    if runs and "p99_ms" in runs[0]:  # wrk's: its percentiles per run, their median
        return {
            "rps": round(statistics.median(r["requests"] / r["seconds"] for r in runs), 1),
            "rps_runs": [round(r["requests"] / r["seconds"], 1) for r in runs],
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 1),
            "errors": sum(r["errors"] for r in runs),
        }
    latencies = [x for r in runs for x in r["latencies"]]
    rates = [r["requests"] / r["seconds"] for r in runs]
    return {
        "rps": round(statistics.median(rates), 1),
        "rps_runs": [round(r, 1) for r in rates],
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "errors": sum(r["errors"] for r in runs),
    }


def profile(instance: Instance, path: str, runs: int = 20) -> None:
    from pyinstrument import Profiler

    client = instance.app.test_client()
    client.get(path)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(runs):
            assert client.get(path).status_code == 200
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="threading",
                        help="threading, gevent or dev; several (a,b) in turn")  # fmt: skip
    parser.add_argument("--postgresql", action="store_true",
                        help="a new PostgreSQL database and the Redis queue")  # fmt: skip
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--only", help="only the pages whose name contains this")
    parser.add_argument("--client", choices=["aiohttp", "wrk"], default="aiohttp",
                        help="the load generator: asyncio clients here, or wrk")  # fmt: skip
    parser.add_argument("--profile", metavar="PAGE", help="profile the page whose name has this")
    args = parser.parse_args()
    assert PASSWORD  # the people log in with it; pages here are read anonymously

    instance = Instance(postgresql=args.postgresql,
                        redis_url=args.redis_url if args.postgresql else None)  # fmt: skip
    # the build's e-mails in its own thread: a background sender would wait for SQLite's
    # write lock behind the build's long transactions
    instance.app.config["MAIL_IN_BACKGROUND"] = False
    began = time.monotonic()
    with instance.app.app_context():
        pages = build(args.comments, args.decisions)
    built = time.monotonic() - began
    if args.only:
        pages = {name: path for name, path in pages.items() if args.only in name}
    chosen = args.server.split(",")
    results: dict[str, dict[str, list[dict]]] = {x: {name: [] for name in pages} for x in chosen}
    load_before = os.getloadavg()[0]
    for _round in range(args.rounds):
        for server in chosen:  # the servers in turn, so that each sees the same machine
            servers.start(instance, server)
            try:
                for name, path in pages.items():
                    if args.client == "wrk":
                        found = load_wrk(instance.url + path, args.clients, args.seconds)
                    else:
                        found = asyncio.run(load(instance.url + path, args.clients, args.seconds))
                    results[server][name].append(found)
            finally:
                instance.stop()
    report = {"database": instance.database, "client": args.client, "clients": args.clients,
              "seconds": args.seconds,
              "rounds": args.rounds, "built_s": round(built, 1),
              "load_1min_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
              "paths": pages}  # fmt: skip
    for server, by_page in results.items():
        report[server] = {name: summary(runs) for name, runs in by_page.items()}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.profile:
        with instance.app.app_context():
            for name in [n for n in pages if args.profile in n]:
                print(f"--- {name}")
                profile(instance, pages[name])
    instance.drop()
    os._exit(0)


if __name__ == "__main__":
    main()
