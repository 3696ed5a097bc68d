"""Bench: the page of a proposal with 2,000 comments (issue 3).

    .venv/bin/python bench/proposal_page.py [--comments 2000] [--runs 30]

Builds a fresh database (SQLite in a temporary folder, or DATABASE_URL), files one proposal
in consultation and posts the comments through the domain operations (one in five a reply,
one in ten anchored to a paragraph, stances mixed), then renders the pages a reader opens
with the Flask test client (in process: template and query work, no network) and prints
p50 / p95 / max in milliseconds, with the number of SQL statements per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from council import markdown  # noqa: E402
from council.cli import upgrade_database  # noqa: E402
from council.domain.accounts import accounts  # noqa: E402
from council.domain.community import organisations  # noqa: E402
from council.domain.discussion import comments  # noqa: E402
from council.domain.permissions import SYSTEM  # noqa: E402
from council.domain.proposals import proposals as ops  # noqa: E402
from council.extensions import db  # noqa: E402
from council.models.user import CouncilGroup, Role  # noqa: E402
from council.unit_of_work import unit_of_work  # noqa: E402

BODY = "\n\n".join(
    f"Paragrafo {n}: il servizio di custodia sociale nei condomini di San Polo prevede "
    "presenza quotidiana, ascolto, accompagnamento ai servizi e raccordo con il Punto di "
    "comunità."
    for n in range(1, 9)
)
STANCES = ["in_favour", "against", "neutral", None]


def build(count: int) -> int:
    with unit_of_work() as work:
        zone = organisations.save_zone(work, SYSTEM, None, name="Zona Est")
        org = organisations.save_organisation(
            work, SYSTEM, None, name="Cooperativa Il Ponte", kind="Cooperativa", zone=zone
        )
        people = [
            accounts.create_user(
                work,
                SYSTEM,
                email=f"p{n}@example.org",
                name=f"Persona {n}",
                password="password-del-bench",
                roles={Role.STAKEHOLDER, Role.MEMBER},
                organisation=org,
                council_group=CouncilGroup.THIRD_SECTOR,
            )
            for n in range(40)
        ]
        start = datetime.now(UTC) - timedelta(days=20)
        proposal = ops.create(work, people[0], title="Custode sociale a San Polo", body=BODY)
        ops.submit(work, people[0], proposal, deadline=start + timedelta(days=60), now=start)
    posted = []
    batch = 200
    for first in range(0, count, batch):
        with unit_of_work() as work:
            for n in range(first, min(first + batch, count)):
                moment = start + timedelta(minutes=5 * n)
                parent = posted[n // 3] if n % 5 == 4 and posted else None
                comment = comments.post_comment(
                    work, people[n % len(people)], proposal,
                    f"Commento numero {n}: **d'accordo** sul principio, ma servono risorse.",
                    stance=STANCES[n % 4], parent=parent,
                    paragraph=(n % 8) if n % 10 == 0 and parent is None else None,
                    now=moment,
                )  # fmt: skip
                posted.append(comment)
    return proposal.id


class StatementCounter:
    """Counts SQL statements; registered before the engine opens its first connection, so
    that every connection carries it."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args) -> None:
        self.count += 1


COUNTER = StatementCounter()


def measure(client, path: str, runs: int, cold: bool = False) -> dict:
    client.get(path)  # warm the template cache
    times = []
    for _ in range(runs):
        if cold:
            markdown.kept.clear()  # every text read from the database again, as on a first view
        COUNTER.count = 0
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "max": times[-1],
        "queries": COUNTER.count,
        "kb": len(response.data) // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--cold", action="store_true", help="empty the rendered-markdown cache before each request"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
        os.environ["CONSIGLIO_INSTANCE"] = folder
        upgrade_database(url)
        app = create_app(
            {"ENV_NAME": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
             "PASSWORD_HASH_FAST": True}
        )  # fmt: skip
        event.listen(db.engine, "before_cursor_execute", COUNTER)
        with app.app_context():
            began = time.perf_counter()
            proposal_id = build(args.comments)
            dialect = db.dialect
            db.session.remove()
        print(
            f"{args.comments} comments posted in {time.perf_counter() - began:.1f} s on {dialect}"
        )
        # Each request gets its own app context, as in a server (no app context held here).
        client = app.test_client()
        pages = {
            "proposal page": f"/proposals/{proposal_id}",
            "discussion, oldest first": f"/proposals/{proposal_id}/comments?c_order=oldest",
            "discussion, page 20": f"/proposals/{proposal_id}/comments?c_page=20",
            "stance filter": f"/proposals/{proposal_id}/comments?c_stance=against",
        }
        print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>5} {'KiB':>5}")
        for name, path in pages.items():
            r = measure(client, path, args.runs, args.cold)
            print(
                f"{name:28} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f} "
                f"{r['queries']:5d} {r['kb']:5d}"
            )


if __name__ == "__main__":
    main()
