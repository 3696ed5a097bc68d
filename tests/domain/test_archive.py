"""The archive's search: words in every field of a decision, Italian forms and accents, safe
with any input, filters alone and together, pages, and only what the public may see."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from council.domain.archive import archive, implementation
from council.domain.archive.archive import ArchiveFilters
from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.models.archive import ImplementationState
from council.models.meeting import MeetingState
from council.models.proposal import Topic
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.poll_helpers import group_council, story

PUBLIC = AnonymousUserMixin()


def numbers(actor=PUBLIC, **filters) -> list[str]:
    return [d.number for d in archive.search(db.session, actor, ArchiveFilters(**filters)).rows]


def found(words: str, actor=PUBLIC) -> list[str]:
    return numbers(actor, words=words)


@pytest.fixture
def author(make_user):
    return make_user("stakeholder", name="Proponente")


def test_words_are_found_in_each_field_of_a_decision(author):
    by_title = archived(author, title="Custodia sociale nei condomini").number
    by_body = archived(author, title="Altro", body="Un educatore di strada a Chiesanuova.").number
    by_text = archived(author, title="Altro", text="Il Consiglio chiede un resoconto semestrale.")
    by_question = archived(author, title="Altro", question="Approvare la mensa solidale?")
    by_meeting = archived(author, title="Altro", meeting_title="Seduta straordinaria di agosto")
    assert found("condomini") == [by_title]
    assert found("educatore strada") == [by_body]
    assert found("resoconto") == [by_text.number]
    assert found("mensa solidale") == [by_question.number]
    assert found("straordinaria agosto") == [by_meeting.number]
    assert found("parola inesistente") == []


def test_a_decision_without_a_proposal_is_found_by_its_item(author):
    item = archived(author, title="Designazione al Tavolo di sistema", with_proposal=False)
    assert found("tavolo sistema") == [item.number]


def test_titles_weigh_more_than_the_text(author):
    in_body = archived(author, title="Altro", body="Trasporto sociale " * 3).number
    in_title = archived(author, title="Trasporto sociale per anziani").number
    assert found("trasporto") == [in_title, in_body]
    # newest first when asked, whatever the relevance
    assert numbers(words="trasporto", sort="newest") == [in_title, in_body]
    assert numbers(words="trasporto", sort="newest")[0] == in_title  # newer number first


def test_italian_word_forms_find_each_other(author):
    """Both databases search the stem-like prefix of each word (docs/archive.md)."""
    service = archived(author, title="Il servizio di custodia sociale").number
    policies = archived(author, title="Altro", body="Una politica abitativa per le famiglie.")
    assert found("servizi") == [service]
    assert found("servizio") == [service]
    assert found("politiche") == [policies.number]
    assert found("famiglia") == [policies.number]


def test_accents_and_case_are_folded(author):
    city = archived(author, title="La città delle attività", body="Perché sì.").number
    assert found("citta") == [city]
    assert found("CITTÀ") == [city]
    assert found("attivita") == [city]
    assert found("Attività") == [city]
    assert found("perche") == [city]


def test_phrases_exclusions_and_alternatives(author):
    east = archived(author, title="Punto di comunità", body="Centro aperto a San Polo.").number
    west = archived(author, title="Punto di comunità", body="Centro aperto al Villaggio Prealpino")
    assert found('"san polo"') == [east]
    assert found('"polo san"') == []
    assert found("comunità -prealpino") == [east]
    assert sorted(found("polo or prealpino")) == sorted([east, west.number])


HOSTILE = [
    '"', '""', '"unterminated', "NEAR(a b)", "*", "a*b", "AND OR NOT", "-", "- -", "^title",
    "title:custodia", "custodia:", "(custodia", "custodia)", "{title}: x", "'; DROP TABLE x;--",
    "\x00", "custodia\x00sociale", "\x1b[31m", "🙂", "x" * 10_000, "custodia " * 500, "%_%",
    "\\", "or", "or or", "-custodia", "il la di", "\u202e", "\ud800",
]  # fmt: skip


@pytest.mark.parametrize("words", HOSTILE)
def test_hostile_queries_never_fail(author, words):
    archived(author, title="Custodia sociale")
    page = archive.search(db.session, PUBLIC, ArchiveFilters(words=words))
    assert page.total == len(page.rows) <= 1


def test_the_query_is_read_safely():
    query = archive.parse('  "San Polo" or Chiesanuova -"via x" servizi\x00 NEAR(x) ')
    assert query.groups[0] == [archive.Term(("san", "polo"), True), archive.Term(("chiesanuova",))]
    assert archive.fts5_query(query) == (
        '(("san polo" OR "chiesanuov"*) AND "serviz"* AND "near x") NOT ("via x")'
    )
    assert archive.tsquery_text(query) == (
        "((('san' <-> 'polo') | 'chiesanuov':*) & ('serviz':*) & (('near' <-> 'x')))"
        " & !(('via' <-> 'x'))"
    )
    assert archive.fts5_query(archive.parse("il di la")) is None
    assert len(archive.parse("a " * 100).groups) == archive.MAX_TERMS


@pytest.fixture
def places(app):
    with unit_of_work() as session:
        east = organisations.save_zone(session, SYSTEM, None, name="Zona Sud")
        west = organisations.save_zone(session, SYSTEM, None, name="Zona Ovest")
        org = organisations.save_organisation(session, SYSTEM, None, name="ACLI Brescia",
                                              kind="Associazione", zone=west)  # fmt: skip
        topic = Topic(name="Anziani")
        session.add(topic)
    return east, west, org, topic


def test_each_filter_and_their_combination(author, places):
    east, west, org, topic = places
    a = archived(author, year=2025, zones=[east], topic=topic)
    b = archived(author, year=2026, zones=[west], organisation=org, approved=False)
    c = archived(author, year=2026, zones=[east, west], topic=topic, organisation=org,
                 meeting=a.meeting_id)  # fmt: skip
    assert numbers() == [c.number, b.number, a.number]  # newest first
    assert numbers(year=2025) == [a.number]
    assert numbers(zone_id=east.id) == [c.number, a.number]
    assert numbers(topic_id=topic.id) == [c.number, a.number]
    assert numbers(organisation_id=org.id) == [c.number, b.number]
    assert numbers(outcome="approved") == [c.number, a.number]
    assert numbers(outcome="rejected") == [b.number]
    assert numbers(meeting_id=a.meeting_id) == [c.number, a.number]
    assert numbers(year=2026, zone_id=west.id, topic_id=topic.id, outcome="approved") == [c.number]
    assert numbers(year=2026, zone_id=west.id, outcome="approved", words="anziani") == [c.number]
    assert numbers(year=2024) == []
    assert numbers(zone_id=999_999) == []


def test_the_implementation_status_filter(author, secretary):
    waiting = archived(author)
    going = archived(author)
    done = archived(author)
    rejected = archived(author, approved=False)
    with unit_of_work() as session:
        implementation.post_update(session, secretary, going.decision_id, state="in_progress",
                                   progress=40, text="Gara avviata.")  # fmt: skip
        implementation.post_update(session, secretary, done.decision_id, state="completed",
                                   progress=100, text="Servizio attivo.")  # fmt: skip
    assert numbers(status=ImplementationState.NOT_STARTED) == [waiting.number]
    assert numbers(status=ImplementationState.IN_PROGRESS) == [going.number]
    assert numbers(status=ImplementationState.COMPLETED) == [done.number]
    assert numbers(status=ImplementationState.SUSPENDED) == []
    assert rejected.number not in numbers(status=ImplementationState.NOT_STARTED)
    # the latest updates first
    assert numbers(sort="updated")[:2] == [done.number, going.number]
    page = archive.search(db.session, PUBLIC, ArchiveFilters(status=ImplementationState.COMPLETED))
    assert page.implementations[done.decision_id].progress == 100


def test_pages(author):
    made = [archived(author, title=f"Decisione sul quartiere {n}").number for n in range(7)]
    first = archive.search(db.session, PUBLIC, ArchiveFilters(per_page=3))
    assert (first.total, first.pages, first.page) == (7, 3, 1)
    assert [d.number for d in first.rows] == made[::-1][:3]
    last = archive.search(db.session, PUBLIC, ArchiveFilters(per_page=3, page=3))
    assert [d.number for d in last.rows] == [made[0]]
    beyond = archive.search(db.session, PUBLIC, ArchiveFilters(per_page=3, page=99))
    assert beyond.page == 3 and [d.number for d in beyond.rows] == [made[0]]
    searched = archive.search(db.session, PUBLIC,
                              ArchiveFilters(words="quartiere", per_page=5, page=2))  # fmt: skip
    assert searched.total == 7 and len(searched.rows) == 2


def test_decisions_of_meetings_not_yet_public_stay_out(author, secretary, make_user):
    public = archived(author, title="Custodia sociale").number
    hidden = archived(author, title="Custodia sociale", meeting_state=MeetingState.SCHEDULED)
    for actor in (PUBLIC, author, make_user("member")):
        assert found("custodia", actor) == [public]
        assert numbers(actor) == [public]
        assert archive.years(db.session, actor) == [2026]
    assert sorted(found("custodia", secretary)) == sorted([public, hidden.number])


def test_a_decision_recorded_by_a_vote_is_found_at_once(make_user):
    """The domain's path: record_decision writes the search document in its transaction."""
    told = story(group_council(make_user))
    assert found("punti ascolto") == [told.approved.number]
    assert found("nominare zeno") == [told.rejected.number]  # the question, no proposal
    assert found("rappresentante tavoli zona") == [told.rejected.number]  # the item's title


def test_too_many_matches_are_shown_newest_first(author, monkeypatch):
    in_body = archived(author, title="Altro", body="Trasporto sociale.").number
    in_title = archived(author, title="Trasporto sociale").number
    older_title = archived(author, year=2025, title="Trasporto sociale").number
    assert numbers(words="trasporto") == [in_title, older_title, in_body]
    assert not archive.search(db.session, PUBLIC, ArchiveFilters(words="trasporto")).unranked
    monkeypatch.setattr(archive, "RANKED_AT_MOST", 2)
    page = archive.search(db.session, PUBLIC, ArchiveFilters(words="trasporto"))
    assert page.unranked and page.total == 3
    assert [d.number for d in page.rows] == [in_title, in_body, older_title]
