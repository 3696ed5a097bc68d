"""One table of searches, one answer on both databases: the archive finds the same decisions
on SQLite (FTS5) and on PostgreSQL (tsvector) for every query a person might type. The suite
runs once per database (TEST_DATABASE), so each row is checked on each."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from council.domain.archive import archive
from council.domain.archive.archive import ArchiveFilters
from council.extensions import db
from tests.archive_helpers import archived

PUBLIC = AnonymousUserMixin()

DECISIONS = {
    "elderly": {"title": "Punti di ascolto per gli anziani",
                "body": "Un punto di ascolto nell'unità pastorale di ogni quartiere."},
    "custody": {"title": "Il servizio di custodia sociale",
                "body": "Custodia sociale nei condomini di San Polo."},
    "housing": {"title": "Una politica abitativa per le famiglie",
                "body": "Case per famiglie numerose a Chiesanuova."},
    "city": {"title": "La città delle attività",
             "body": "Perché sì: attività socio-sanitarie per la comunità.",
             "text": "Il Consiglio approva; vedi la delibera 12/2025."},
    "transport": {"title": "Trasporto sociale per persone con disabilità",
                  "body": "Accompagnamento alla visita medica, andata e ritorno."},
    "designation": {"title": "Designazione al Tavolo di sistema", "with_proposal": False},
}  # fmt: skip
EVERY = set(DECISIONS)

SEARCHES = [
    # singular, plural, feminine: one stem
    ("anziani", {"elderly"}),
    ("anziano", {"elderly"}),
    ("anziana", {"elderly"}),
    ("ANZIANI", {"elderly"}),
    ("famiglia", {"housing"}),
    ("famiglie", {"housing"}),
    ("servizio", {"custody"}),
    ("servizi", {"custody"}),
    ("politiche", {"housing"}),
    ("sanitaria", {"city"}),
    # accents and case
    ("citta", {"city"}),
    ("CITTÀ", {"city"}),
    ("attivita", {"city"}),
    ("perche", {"city"}),
    ("disabilita", {"transport"}),
    # prefixes while typing
    ("trasp", {"transport"}),
    ("custod", {"custody"}),
    ("ta", {"designation"}),  # the last word is a prefix: tavolo
    # two words: both
    ("custodia condomini", {"custody"}),
    ("sociale trasporto", {"transport"}),
    ("sociale", {"custody", "transport"}),
    # phrases
    ('"san polo"', {"custody"}),
    ('"polo san"', set()),
    ('"visita medica"', {"transport"}),
    ("nell'unità", {"elderly"}),
    ("socio-sanitarie", {"city"}),
    ("12/2025", {"city"}),
    # or, exclusion
    ("anziani or famiglie", {"elderly", "housing"}),
    ("anziano or famiglia or tavolo", {"elderly", "housing", "designation"}),
    ("sociale -trasporto", {"custody"}),
    ("marzo -sociale", EVERY - {"custody", "transport"}),
    # the meeting's title is in every document
    ("seduta marzo", EVERY),
    # nothing
    ("il di per", set()),
    ("parola inesistente", set()),
    ("xyz", set()),
]


@pytest.fixture
def archive_of(make_user):
    author = make_user("stakeholder", name="Proponente")
    return {archived(author, **fields).number: name for name, fields in DECISIONS.items()}


@pytest.mark.parametrize(("words", "expected"), SEARCHES, ids=[w for w, _ in SEARCHES])
def test_each_search_finds_the_same_decisions_on_both_databases(archive_of, words, expected):
    page = archive.search(db.session, PUBLIC, ArchiveFilters(words=words, per_page=100))
    assert {archive_of[d.number] for d in page.rows} == expected
    assert page.total == len(expected)


def test_the_two_databases_read_a_query_term_by_term_alike():
    query = archive.parse('anziano "San Polo" or Città -"via x" sanitarie dell\'anziano tr')
    assert archive.fts5_query(query) == (
        '("anzian"* AND ("san polo" OR "citt"*) AND "sanitari"* AND "dell anziano" AND "tr"*)'
        ' NOT ("via x")'
    )
    assert archive.tsquery_text(query) == (
        "(('anzian':*) & (('san' <-> 'polo') | 'citt':*) & ('sanitari':*)"
        " & (('dell' <-> 'anziano')) & ('tr':*)) & !(('via' <-> 'x'))"
    )
    assert archive.tsquery_text(archive.parse("il di la")) is None
    assert archive.parse("foo_bar").groups == [[archive.Term(("foo", "bar"), True)]]
