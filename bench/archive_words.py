"""Bench: what the archive's PostgreSQL search costs, 'italian' stems (migration 0009) against
the 'simple' words searched by prefix (migration 0018_phones), on the same documents.

    .venv/bin/python bench/archive_words.py [--documents 1000] [--runs 30]

A new database on 127.0.0.1 (dropped at the end) holds one table of documents (title, text,
body: bench/archive.py's Italian-like texts) with both generated tsvector columns, each with
its GIN index, exactly as the two migrations write them. Each search runs as the archive runs
it (the matching ids with their ts_rank, the twenty best) under EXPLAIN ANALYZE; the server's
execution time is reported (p50 / p95 in ms, the machine's load shifts wall times more than
this), with the number of matches each way.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import secrets
import statistics
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.archive import PEOPLE, PLACES, SERVICES, _fill, _paragraphs  # noqa: E402
from council.domain.archive import archive  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
SEARCHES = ["servizi", "anziano", "trasporto anziani", '"centro diurno"', "sociale -giovani",
            "famiglia or studenti", "citta", "xyzzy"]  # fmt: skip


def _migration(name: str):
    path = ROOT / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _old_websearch(query: archive.Query) -> str:
    """The query as the archive wrote it for websearch_to_tsquery before 0018."""

    def term(t: archive.Term) -> str:
        return '"' + " ".join(t.words) + '"' if t.phrase else t.words[0]

    parts = [" or ".join(term(t) for t in group) for group in query.groups]
    return " ".join(parts + ["-" + term(t) for t in query.excluded])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", default="", help="print the plans of this search")
    args = parser.parse_args()
    new = _migration("0018_phones")
    name = f"council_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(url, autocommit=True) as conn:
            run(conn, new, args)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(conn, new, args) -> None:
    rng = random.Random(18)
    rows = []
    for _ in range(args.documents):
        place = rng.choice(PLACES)
        title = f"{rng.choice(SERVICES).capitalize()} per {rng.choice(PEOPLE)} a {place}"
        text = _fill(rng, "Il Consiglio approva la proposta di {verb} il {service}.")
        rows.append((title, text, _paragraphs(rng, rng.randint(2, 6))))
    # one table per migration, each as that migration leaves decision_documents
    for table, statements in (("stems", new.STEMS), ("words", new.WORDS)):
        conn.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, title text, text text,"
                     " body text)")  # fmt: skip
        for statement in statements:
            conn.execute(statement.replace("decision_documents", table))
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} (title, text, body) VALUES (%s, %s, %s)", rows)
        conn.execute(f"ANALYZE {table}")
        size = conn.execute(f"SELECT avg(pg_column_size(document)) FROM {table}").fetchone()[0]
        print(f"{table}: the document's average stored size {size:.0f} B")
    print(f"{args.documents} documents; p50 / p95 of the server's execution time (ms)\n")
    print(f"{'search':28} {'italian stems':>22} {'simple words, prefix':>24}")
    for words in SEARCHES:
        query = archive.parse(words)
        before = (
            "websearch_to_tsquery('italian', translate(%s, %s, %s))",
            (_old_websearch(query), archive.ACCENTED, archive.UNACCENTED),
            "stems",
        )
        after = ("to_tsquery('simple', %s)", (archive.tsquery_text(query),), "words")
        cells = []
        for tsquery, params, table in (before, after):
            sql = (f"SELECT id, ts_rank(document, q) AS rank FROM {table}, {tsquery} q"
                   " WHERE document @@ q ORDER BY rank DESC LIMIT 20")  # fmt: skip
            count = conn.execute(
                f"SELECT count(*) FROM {table}, {tsquery} q WHERE document @@ q", params
            ).fetchone()[0]
            times = []
            for _ in range(args.runs):
                plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).fetchone()[0]
                plan = plan if isinstance(plan, list) else json.loads(plan)
                times.append(plan[0]["Execution Time"])
            p95 = statistics.quantiles(times, n=20)[18]
            if words == args.explain:
                for line in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params):
                    print("   ", line[0])
            cells.append(f"{statistics.median(times):6.2f} / {p95:6.2f} ({count:>4})")
        print(f"{words:28} {cells[0]:>22} {cells[1]:>24}")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
