"""Bench: the archive of decisions with 10,000 decisions and 200,000 comments (issue 6).

    .venv/bin/python bench/archive.py [--decisions 10000] [--comments 200000] [--runs 40]
    .venv/bin/python bench/archive.py --postgresql      # a new database, dropped at the end

Fills a fresh database (SQLite in a temporary folder by default) with bulk inserts: meetings
of five decisions each over eleven years, each decision on a proposal (one to three versions,
zones, a topic, the proposing organisation) with its agenda item, its closed named poll and
25 named ballots, about 20 comments with stances, three record events, and for most approved
decisions one to three implementation updates; texts are Italian-like sentences from a small
vocabulary. The search documents are then built (archive.reindex), as the migration does for
existing rows. It then times, in process with the Flask test client (templates and queries,
no network), the archive's searches (several words, with and without filters), the domain's
search function alone, and the pages of random decisions: p50 / p95 / max in milliseconds,
with the number of SQL statements per request.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_login import AnonymousUserMixin  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from council.cli import upgrade_database  # noqa: E402
from council.domain.archive import archive  # noqa: E402
from council.extensions import db  # noqa: E402
from council.models import (  # noqa: E402
    AgendaItem,
    Ballot,
    Comment,
    Decision,
    Implementation,
    ImplementationUpdate,
    Meeting,
    Organisation,
    Poll,
    Proposal,
    ProposalVersion,
    RecordEvent,
    Topic,
    User,
    Zone,
)
from council.models.proposal import proposal_zones  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PER_MEETING = 5
MEMBERS = 25
FIRST_YEAR = 2016

SERVICES = ["servizio di trasporto sociale", "custodia sociale", "mensa solidale",
            "centro diurno", "assistenza domiciliare", "housing sociale", "doposcuola",
            "sportello di ascolto", "punto di comunità", "servizio di prossimità",
            "emporio solidale", "rete dei caregiver", "orti sociali", "centro aggregativo",
            "accompagnamento al lavoro", "portierato sociale"]  # fmt: skip
PEOPLE = ["anziani", "famiglie", "persone con disabilità", "giovani", "minori",
          "persone senza dimora", "caregiver familiari", "nuovi cittadini", "donne sole",
          "studenti", "persone fragili", "volontari"]  # fmt: skip
PLACES = ["San Polo", "Lamarmora", "Chiesanuova", "Villaggio Prealpino", "Sanpolino",
          "Borgo Trento", "Mompiano", "Urago Mella", "Fiumicello", "Don Bosco", "Buffalora",
          "Folzano", "Porta Milano", "Centro storico", "Casazza", "Sant'Eufemia"]  # fmt: skip
VERBS = ["attivare", "potenziare", "estendere", "riorganizzare", "sperimentare", "finanziare",
         "coordinare", "valutare"]  # fmt: skip
SENTENCES = [
    "Il progetto prevede di {verb} il {service} per {people} nel quartiere di {place}.",
    "Le realtà del terzo settore della zona collaborano con i servizi sociali del Comune.",
    "Si chiede di {verb} le attività con un calendario condiviso e orari più ampi.",
    "La spesa prevista è coperta dal fondo del Piano di Zona e da contributi privati.",
    "Il Punto di comunità di {place} raccoglie le richieste e organizza i turni dei volontari.",
    "Dopo sei mesi il Consiglio riceve una relazione sui risultati e sulle persone raggiunte.",
    "Le famiglie segnalano tempi di attesa lunghi e poca informazione sui servizi esistenti.",
    "Si propone una formazione comune per operatori, volontari e agenti di comunità.",
]  # fmt: skip
COMMENTS = [
    "Sono d'accordo: nel quartiere di {place} il {service} manca da anni.",
    "Contrario: le risorse per {people} andrebbero prima ai servizi già attivi.",
    "Serve chiarire chi coordina le attività tra le cooperative e il Comune.",
    "Proposta utile, ma i tempi sono troppo stretti per le realtà più piccole.",
    "A {place} abbiamo già sperimentato qualcosa di simile con buoni risultati.",
    "Chiedo di coinvolgere anche le associazioni di {people} nella valutazione.",
]  # fmt: skip
UPDATES = [
    "Avviata la procedura di affidamento del {service}.",
    "Il {service} è attivo a {place}: prime persone raggiunte.",
    "Sospeso in attesa del finanziamento regionale.",
    "Concluso: il {service} è parte dei servizi ordinari della zona.",
]  # fmt: skip
STANCES = ["in_favour", "against", "neutral", None]
STATES = [("not_started", 0), ("in_progress", 40), ("suspended", 40), ("completed", 100)]

SEARCHES = [
    ("archive, newest first", "/decisions"),
    ("archive, page 200", "/decisions?page=200"),
    ("one word", "/decisions?q=servizi"),
    ("two words", "/decisions?q=trasporto+anziani"),
    ("a phrase", "/decisions?q=%22centro+diurno%22"),
    ("word, excluded word", "/decisions?q=sociale+-giovani"),
    ("no word matches", "/decisions?q=xyzzy"),
    ("filters: year + zone", "/decisions?year=2022&zone=2"),
    ("words + year + outcome + topic", "/decisions?q=servizi&year=2024&outcome=approved&topic=3"),
    ("implementation: in progress", "/decisions?status=in_progress"),
    ("implementation list", "/decisions/implementation"),
]  # fmt: skip
DOMAIN_SEARCHES = [
    ("domain: one word", {"words": "servizi"}),
    ("domain: two words", {"words": "trasporto anziani"}),
    ("domain: words + filters", {"words": "servizi", "year": 2024, "outcome": "approved",
                                 "topic_id": 3}),
    ("domain: no words, filters", {"year": 2022, "zone_id": 2}),
]  # fmt: skip


def _fill(rng: random.Random, template: str) -> str:
    return template.format(service=rng.choice(SERVICES), people=rng.choice(PEOPLE),
                           place=rng.choice(PLACES), verb=rng.choice(VERBS))  # fmt: skip


def _paragraphs(rng: random.Random, count: int) -> str:
    return "\n\n".join(
        " ".join(_fill(rng, rng.choice(SENTENCES)) for _ in range(3)) for _ in range(count)
    )


def _chunks(rows: list[dict], size: int = 5000):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _bulk(connection, model, rows: list[dict]) -> None:
    table = getattr(model, "__table__", model)
    for chunk in _chunks(rows):
        connection.execute(insert(table), chunk)


def build(decisions: int, comments: int, seed: int = 6) -> None:
    """Bulk rows, as described in the module's docstring."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    connection = db.session.connection()
    zones = [{"id": n, "name": f"Zona {name}"} for n, name in
             enumerate(["Nord", "Sud", "Est", "Ovest", "Centro"], 1)]  # fmt: skip
    _bulk(connection, Zone, zones)
    _bulk(connection, Topic, [{"id": n, "name": f"Tema {n}"} for n in range(1, 11)])
    organisations = [{"id": n, "name": f"Cooperativa {n}", "kind": "Cooperativa sociale",
                      "zone_id": (n % 5) + 1} for n in range(1, 61)]  # fmt: skip
    _bulk(connection, Organisation, organisations)
    people = [{"id": n, "public_id": secrets.token_hex(6), "email": f"p{n}@example.org",
               "name": f"{rng.choice(['Anna', 'Marco', 'Giulia', 'Luca', 'Sara'])} "
                       f"{rng.choice(['Rossi', 'Bonetti', 'Zanola', 'Ferrari', 'Gatta'])} {n}",
               "password_hash": "!", "organisation_id": (n % 60) + 1,
               "council_group": "third_sector" if n % 3 else "administration"}
              for n in range(1, 301)]  # fmt: skip
    _bulk(connection, User, people)
    members = list(range(1, MEMBERS + 1))
    authors = list(range(MEMBERS + 1, 301))

    meetings, items, polls, ballots, proposals, versions, zoned, found = (
        [],
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    events, updates, implementations, comment_rows = [], [], [], []
    years = 2026 - FIRST_YEAR + 1
    per_year = -(-decisions // years)
    seq_of: dict[int, int] = {}
    first_version: dict[int, int] = {}
    version_id = update_id = record_seq = 0
    for n in range(1, decisions + 1):
        year = FIRST_YEAR + (n - 1) // per_year
        meeting = (n - 1) // PER_MEETING + 1
        day = date(year, 1, 10) + timedelta(days=((n - 1) % per_year) * 360 // per_year)
        at = datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
        if (n - 1) % PER_MEETING == 0:
            meetings.append({"id": meeting, "title": f"Seduta ordinaria del {day:%d/%m/%Y}",
                             "starts_at": at - timedelta(hours=2), "ends_at": at,
                             "state": "closed", "created_by_id": 1})  # fmt: skip
        approved = rng.random() < 0.8
        service, place = rng.choice(SERVICES), rng.choice(PLACES)
        title = f"{service.capitalize()} per {rng.choice(PEOPLE)} a {place}"
        count = rng.choice([1, 1, 2, 3])
        proposals.append({"id": n, "title": title, "author_id": rng.choice(authors),
                          "state": "approved" if approved else "rejected",
                          "organisation_id": rng.randint(1, 60), "topic_id": rng.randint(1, 10),
                          "current_version": count, "submitted_at": at - timedelta(days=60),
                          "created_at": at - timedelta(days=61),
                          "last_activity_at": at, "comment_count": 0})  # fmt: skip
        for zone in rng.sample(range(1, 6), rng.choice([1, 1, 2])):
            zoned.append({"proposal_id": n, "zone_id": zone})
        body = _paragraphs(rng, rng.randint(3, 6))
        for number in range(1, count + 1):
            version_id += 1
            body = body if number == 1 else body + "\n\n" + _paragraphs(rng, 1)
            first_version.setdefault(n, version_id)
            versions.append({"id": version_id, "proposal_id": n, "number": number,
                             "title": title, "body": body, "author_id": proposals[-1]["author_id"],
                             "created_at": at - timedelta(days=60 - 10 * number)})  # fmt: skip
        items.append({"id": n, "meeting_id": meeting, "position": (n - 1) % PER_MEETING,
                      "title": f"Proposta: {title}", "proposal_id": n})  # fmt: skip
        yes = rng.randint(13, 22) if approved else rng.randint(3, 11)
        polls.append({"id": n, "meeting_id": meeting, "item_id": n, "kind": "named",
                      "rule": "simple", "question": f"Approvare la proposta «{title}»?",
                      "state": "closed", "created_by_id": 1, "opened_at": at, "closed_at": at,
                      "yes": yes, "no": MEMBERS - yes - 2, "abstain": 2, "present": MEMBERS,
                      "represented": 0, "members": MEMBERS, "conflict": 0,
                      "needed": MEMBERS // 2 + 1, "approved": approved, "valid": True})  # fmt: skip
        for k, member in enumerate(members):
            choice = "in_favour" if k < yes else "abstain" if k < yes + 2 else "against"
            ballots.append({"poll_id": n, "voter_id": member, "cast_for_id": member,
                            "choice": choice, "client_ballot_id": f"{n}-{member}",
                            "cast_at": at})  # fmt: skip
        seq_of[year] = seq_of.get(year, 0) + 1
        verb = "approva" if approved else "respinge"
        found.append({"id": n, "year": year, "seq": seq_of[year], "poll_id": n, "proposal_id": n,
                      "text": f"Il Consiglio {verb} la proposta «{title}». "
                              + _fill(rng, rng.choice(SENTENCES)),
                      "decided_on": day, "recorded_by_id": 1, "recorded_at": at})  # fmt: skip
        for kind, subject in (("poll.closed", f"poll:{n}"),
                              ("proposal.state_changed", f"proposal:{n}"),
                              ("decision.recorded", f"decision:{n}")):  # fmt: skip
            record_seq += 1
            events.append(
                {
                    "seq": record_seq,
                    "at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "kind": kind,
                    "actor": None,
                    "subject": subject,
                    "data": "{}",
                    "prev": secrets.token_hex(32),
                    "hash": secrets.token_hex(32),
                }
            )
        if approved and rng.random() < 0.7:
            steps = rng.randint(1, 3)
            for step in range(steps):
                update_id += 1
                state, progress = STATES[min(step + rng.randint(0, 2), 3)]
                updates.append({"id": update_id, "decision_id": n, "state": state,
                                "progress": progress, "author_id": 1,
                                "text": _fill(rng, rng.choice(UPDATES)),
                                "created_at": at + timedelta(days=30 * (step + 1))})  # fmt: skip
            implementations.append({"decision_id": n, "state": state, "progress": progress,
                                    "updated_at": updates[-1]["created_at"],
                                    "update_count": steps})  # fmt: skip
    for comment_id in range(1, comments + 1):
        n = rng.randint(1, decisions)
        comment_rows.append({"id": comment_id, "proposal_id": n, "version_id": first_version[n],
                             "author_id": rng.choice(authors), "stance": rng.choice(STANCES),
                             "body": _fill(rng, rng.choice(COMMENTS)),
                             "created_at": now - timedelta(days=rng.randint(1, 4000))})  # fmt: skip
    for model, rows in ((Meeting, meetings), (Proposal, proposals), (proposal_zones, zoned),
                        (ProposalVersion, versions), (AgendaItem, items), (Poll, polls),
                        (Ballot, ballots), (Decision, found), (RecordEvent, events),
                        (ImplementationUpdate, updates), (Implementation, implementations),
                        (Comment, comment_rows)):  # fmt: skip
        _bulk(connection, model, rows)
    connection.execute(text(
        "UPDATE proposals SET comment_count = (SELECT count(*) FROM comments "
        "WHERE comments.proposal_id = proposals.id)"))  # fmt: skip
    archive.reindex(db.session)
    if db.dialect == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    else:
        connection.execute(text("ANALYZE"))
        db.session.commit()


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args, **_kwargs) -> None:
        self.count += 1


def _summary(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


class Clock:
    """Wall time and this process's CPU time of each request (on a shared, loaded machine the
    CPU time says what the work costs; with SQLite all of it is in this process)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc) -> None:
        self.wall.append((time.perf_counter() - self._wall) * 1000)
        self.cpu.append((time.process_time() - self._cpu) * 1000)

    def row(self, name: str, statements: int, kib: float) -> tuple:
        return (name, *_summary(self.wall), *_summary(self.cpu)[:2], statements, kib)


def measure(app, runs: int) -> list[tuple]:
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    client = app.test_client()
    rows = []
    for name, path in SEARCHES:
        client.get(path)  # warm the templates and caches
        clock, statements, size = Clock(), 0, 0
        for _ in range(runs):
            counter.count = 0
            with clock:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            statements, size = counter.count, len(response.data)
        rows.append(clock.row(name, statements, size / 1024))
    public = AnonymousUserMixin()
    with app.test_request_context():
        for name, filters in DOMAIN_SEARCHES:
            clock = Clock()
            for _ in range(runs):
                counter.count = 0
                with clock:
                    page = archive.search(db.session, public, archive.ArchiveFilters(**filters))
                db.session.rollback()
            rows.append(clock.row(f"{name} ({page.total} found)", counter.count, 0))
    numbers = [(year, seq) for year, seq in db.session.execute(
        text("SELECT year, seq FROM decisions"))]  # fmt: skip
    rng = random.Random(7)
    clock, most, size = Clock(), 0, 0
    client.get(f"/decisions/{numbers[0][0]}/{numbers[0][1]:03d}")
    for year, seq in rng.sample(numbers, min(len(numbers), runs * 2)):
        counter.count = 0
        with clock:
            response = client.get(f"/decisions/{year}/{seq:03d}")
        assert response.status_code == 200, (year, seq)
        most, size = max(most, counter.count), max(size, len(response.data))
    rows.append(clock.row(f"decision page ({len(clock.wall)} random decisions)", most,
                          size / 1024))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-archive-")
    dropped = None
    if args.postgresql:
        import psycopg

        dropped = f"bench_archive_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dropped}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql:", "postgresql+psycopg:")
        url = f"{base}/{dropped}"
    else:
        url = f"sqlite:///{folder}/bench.db"
    os.environ["CONSIGLIO_INSTANCE"] = folder
    try:
        upgrade_database(url)
        app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
                          "SESSION_COOKIE_SECURE": False})  # fmt: skip
        with app.app_context():
            start = time.perf_counter()
            build(args.decisions, args.comments)
            print(f"filled {args.decisions} decisions, {args.comments} comments on "
                  f"{db.dialect} in {time.perf_counter() - start:.0f} s; "
                  f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            rows = measure(app, args.runs)
            db.session.remove()
            db.engine.dispose()
        print(f"\n{'request (ms)':<52} {'p50':>7} {'p95':>7} {'max':>7} {'cpu50':>7} "
              f"{'cpu95':>7} {'SQL':>4} {'KiB':>5}")  # fmt: skip
        for name, p50, p95, most, cpu50, cpu95, statements, kib in rows:
            print(f"{name:<52} {p50:7.1f} {p95:7.1f} {most:7.1f} {cpu50:7.1f} {cpu95:7.1f} "
                  f"{statements:4d} {kib:5.0f}")  # fmt: skip
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    finally:
        if dropped:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


if __name__ == "__main__":
    main()
