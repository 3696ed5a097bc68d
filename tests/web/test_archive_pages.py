"""The archive over HTTP, as a visitor without an account reads it (in Italian): search and
filters as plain GET links, active filters removable, counts, pages, the empty state; the
implementation list; a decision's whole trail on one page; and the secretariat's updates
with every refusal."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from council.domain.archive import archive, implementation
from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.models.archive import ImplementationUpdate
from council.models.comment import Comment
from council.models.meeting import MeetingState
from council.models.proposal import ProposalVersion
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.meeting_helpers import detach
from tests.minutes_helpers import closed_story, drafted, later_meeting, vote_on_minutes
from tests.poll_helpers import group_council, run, story
from tests.web.test_poll_pages import words


def section(response, heading_id: str) -> str:
    body = response.get_data(as_text=True)
    start = body.index(f'aria-labelledby="{heading_id}"')
    return re.sub(r"\s+", " ", html.unescape(re.sub(
        r"<[^>]+>", " ", body[start : body.index("</section>", start)])))  # fmt: skip


def numbers_on(response) -> list[str]:
    return re.findall(r'<td class="number"><a href="[^"]+">(\d{4}/\d{3})</a>',
                      response.get_data(as_text=True))  # fmt: skip


@pytest.fixture
def author(make_user):
    return make_user("stakeholder", name="Proponente")


@pytest.fixture
def zone_south(app):
    with unit_of_work() as session:
        return organisations.save_zone(session, SYSTEM, None, name="Zona Sud")


def test_the_archive_searches_and_filters_with_plain_links(client, author, zone_south):
    old = archived(author, year=2025, title="Custodia sociale nei condomini",
                   zones=[zone_south])  # fmt: skip
    archived(author, title="Trasporto sociale", approved=False)
    new = archived(author, title="Mensa solidale a San Polo", zones=[zone_south])
    page = client.get("/decisions")
    assert page.status_code == 200
    assert numbers_on(page) == [new.number, "2026/001", old.number]
    assert "3 deliberazioni" in words(page)

    page = client.get(f"/decisions?q=sociale&zone={zone_south.id}&outcome=approved")
    assert numbers_on(page) == [old.number]
    seen = words(page)
    assert "1 deliberazione" in seen
    assert "Filtri attivi" in seen and "Parole chiave: sociale" in seen and "Zona: Zona Sud" in seen
    assert "Esito: Approvata" in seen
    # each active filter has a link to the same search without it
    removals = re.findall(r'class="active-filter-remove" href="([^"]+)"',
                          page.get_data(as_text=True))  # fmt: skip
    queries = [parse_qs(urlsplit(html.unescape(link)).query) for link in removals]
    assert {"zone": [str(zone_south.id)], "outcome": ["approved"]} in queries
    assert numbers_on(client.get(html.unescape(removals[0]))) == [new.number, old.number]

    page = client.get("/decisions?q=parola+che+non+esiste")
    assert numbers_on(page) == [] and "Nessuna deliberazione corrisponde" in words(page)
    assert client.get("/decisions?year=2025").status_code == 200
    assert numbers_on(client.get("/decisions?year=2025")) == [old.number]


def test_the_meeting_filter_comes_from_each_row(client, author):
    first = archived(author, meeting_title="Seduta di marzo")
    second = archived(author, meeting=first.meeting_id)
    archived(author, meeting_title="Seduta di aprile")
    page = client.get("/decisions")
    assert f'href="/decisions?meeting={first.meeting_id}"' in page.get_data(as_text=True)
    filtered = client.get(f"/decisions?meeting={first.meeting_id}")
    assert numbers_on(filtered) == [second.number, first.number]
    assert "Seduta: Seduta di marzo" in words(filtered)


@pytest.mark.parametrize(
    "query",
    ["year=abc", "zone=-1", "outcome=maybe", "status=done", "sort=random", "page=0x1",
     "meeting=99999999999"],
)  # fmt: skip
def test_a_wrong_filter_is_refused_in_words(client, query):
    page = client.get(f"/decisions?{query}")
    assert page.status_code == 422
    assert "non è valido" in words(page)


@pytest.mark.parametrize("q", ['"', "NEAR(", "x" * 5000, "-", "*", "title:x", "' OR 1=1", "🙂"])
def test_hostile_words_give_a_page(client, author, q):
    archived(author)
    assert client.get("/decisions", query_string={"q": q}).status_code == 200
    # a NUL is refused before any view (council/web/__init__.py), never a 500
    assert client.get("/decisions", query_string={"q": q + "\x00"}).status_code == 400


def test_pages_keep_the_filters(client, author):
    for n in range(23):
        archived(author, title=f"Decisione numero {n} sul quartiere")
    page = client.get("/decisions?q=quartiere&outcome=approved")
    assert "Pagina 1 di 2" in words(page)
    nxt = re.search(r'rel="next" href="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert parse_qs(urlsplit(html.unescape(nxt)).query) == {
        "q": ["quartiere"], "outcome": ["approved"], "page": ["2"]}  # fmt: skip
    assert len(numbers_on(client.get(html.unescape(nxt)))) == 3


def test_decisions_of_meetings_not_yet_public_are_nowhere(client, author):
    hidden = archived(author, title="Custodia riservata", meeting_state=MeetingState.SCHEDULED)
    assert numbers_on(client.get("/decisions")) == []
    assert numbers_on(client.get("/decisions?q=custodia")) == []
    assert client.get(f"/decisions/{hidden.year}/{hidden.seq:03d}").status_code == 404
    assert "Custodia" not in words(client.get("/decisions/implementation"))


def test_the_implementation_list_says_what_was_done_since(client, author, secretary):
    waiting = archived(author, title="Registro dei volontari")
    going = archived(author, title="Trasporto sociale")
    archived(author, title="Respinta", approved=False)
    with unit_of_work() as session:
        implementation.post_update(session, secretary, going.decision_id, state="in_progress",
                                   progress=60, text="Prime **corse** effettuate.")  # fmt: skip
    page = client.get("/decisions/implementation")
    assert page.status_code == 200
    assert numbers_on(page) == [going.number, waiting.number]  # the latest update first
    seen = words(page)
    assert "In corso" in seen or "in corso" in seen
    assert "60%" in seen and "Prime corse effettuate." in seen
    assert "da avviare" in seen and "nessun aggiornamento" in seen
    assert "Respinta" not in seen
    assert numbers_on(client.get("/decisions/implementation?status=not_started")) == [
        waiting.number
    ]
    assert numbers_on(client.get("/decisions?status=in_progress")) == [going.number]


# --- a decision's page ------------------------------------------------------------------------


@pytest.fixture
def council(make_user):
    return detach(group_council(make_user))


def test_the_decision_page_is_the_whole_trail(council, make_web):
    told = story(council)
    a1, _a2, _a3, r1 = council.members[:4]
    with unit_of_work() as session:  # written during the consultation, long closed now
        version = session.scalars(select(ProposalVersion.id).where(
            ProposalVersion.proposal_id == told.proposal.id)).first()  # fmt: skip
        for person, stance, body in [
            (a1, "in_favour", "Serve ai quartieri lontani."),
            (r1, "against", "Costa troppo per le cooperative."),
        ]:
            session.add(Comment(proposal_id=told.proposal.id, version_id=version,
                                author_id=person.id, body=body, stance=stance))  # fmt: skip
    web = make_web()
    page = web.get(f"/decisions/{told.approved.year}/{told.approved.seq:03d}")
    assert page.status_code == 200
    versions = section(page, "versions-title")
    assert "Versione 1" in versions and "Versione 2" in versions
    assert "Differenze rispetto alla versione 1" in versions and "messa ai voti" in versions
    stances = section(page, "discussion-title")
    assert "Serve ai quartieri lontani." in stances and "Costa troppo" in stances
    assert "1 commento" in stances
    ballots = section(page, "ballots-title")
    assert a1.name in ballots and "Serve ai quartieri più lontani dai servizi." in ballots
    assert "per delega" in ballots
    assert "Nessuno ha preso la parola." in section(page, "speakers-title")
    assert "non è ancora pubblicato" in section(page, "minutes-title")
    implementation_part = section(page, "implementation-title")
    assert "non ha ancora riferito" in implementation_part
    assert "Pubblica l'aggiornamento" not in implementation_part  # no form for the public
    assert "È stata registrata la deliberazione n." in section(page, "trail-title")


def test_the_minutes_extract_once_approved(council, make_web):
    closed = closed_story(council)
    found = drafted(closed)
    told = closed.told
    path = f"/decisions/{told.rejected.year}/{told.rejected.seq:03d}"
    web = make_web()
    assert "non è ancora pubblicato" in section(web.get(path), "minutes-title")
    office = make_web()
    office.login(council.secretary.email)
    draft = section(office.get(path), "minutes-title")
    assert "Bozza del verbale" in draft and "Nominare Zeno?" in draft
    later, item = later_meeting(council, closed.meeting)
    vote_on_minutes(council, later, item)
    extract = section(web.get(path), "minutes-title")
    assert "Nominare Zeno?" in extract and "Bozza" not in extract
    speakers = section(web.get(path), "speakers-title")
    assert council.members[0].name in speakers and council.members[3].name in speakers
    assert found.id


def _decision_path(told) -> str:
    return f"/decisions/{told.approved.year}/{told.approved.seq:03d}"


def test_the_secretariat_posts_updates_from_the_page(council, make_web):
    told = story(council)
    path = _decision_path(told)
    web = make_web()
    web.login(council.secretary.email)
    form = {"state": "in_progress", "progress": "35", "text": "Affidato il servizio."}
    done = web.post(f"{path}/implementation", form, token_from=path)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"{path}#implementation")
    page = web.get(path)
    part = section(page, "implementation-title")
    assert "Affidato il servizio." in part and "35%" in part and council.secretary.name in part
    assert "Pubblica l'aggiornamento" in page.get_data(as_text=True)
    event = db.session.scalars(select(RecordEvent).where(
        RecordEvent.kind == "implementation.updated")).one()  # fmt: skip
    assert event.subject == f"decision:{told.approved.id}"
    assert "Attuazione della deliberazione n." in section(page, "trail-title")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"state": "completed", "progress": "80", "text": "Quasi."},
         "Con questo stato l'avanzamento è 100%."),
        ({"state": "in_progress", "progress": "101", "text": "Troppo."}, "100"),
        ({"state": "in_progress", "progress": "abc", "text": "Numero?"}, ""),
        ({"state": "finished", "progress": "10", "text": "Stato?"}, ""),
        ({"state": "in_progress", "progress": "10", "text": ""}, ""),
    ],
)  # fmt: skip
def test_bad_updates_are_refused_on_the_form(council, make_web, form, message):
    told = story(council)
    path = _decision_path(told)
    web = make_web()
    web.login(council.secretary.email)
    page = web.post(f"{path}/implementation", form, token_from=path)
    assert page.status_code == 422
    assert message in words(page)
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    assert db.session.scalars(select(ImplementationUpdate)).all() == []


def test_updates_need_the_role_and_the_token(council, make_web):
    told = story(council)
    path = _decision_path(told)
    form = {"state": "in_progress", "progress": "10", "text": "Tentativo di scrittura."}
    chair = make_web()
    chair.login(council.chair.email)
    assert chair.post(f"{path}/implementation", form, token_from=path).status_code == 403
    public = make_web()
    assert public.post(f"{path}/implementation", form, token_from=path).status_code in (302, 403)
    secretary = make_web()
    secretary.login(council.secretary.email)
    forged = secretary.post(f"{path}/implementation", {**form, "csrf_token": "forged"})
    assert forged.status_code == 400
    rejected = f"/decisions/{told.rejected.year}/{told.rejected.seq:03d}"
    refused = secretary.post(f"{rejected}/implementation", form, token_from=path)
    assert refused.status_code == 409 and "nulla da attuare" in words(refused)
    assert db.session.scalars(select(ImplementationUpdate)).all() == []
    assert run(implementation.latest_updates, [told.approved.id]) == {}


def test_the_page_says_when_matches_are_too_many_to_rank(client, author, monkeypatch):
    archived(author, title="Trasporto sociale")
    assert "ordinarle per pertinenza" not in words(client.get("/decisions?q=trasporto"))
    monkeypatch.setattr(archive, "RANKED_AT_MOST", 0)
    assert "sono mostrate dalla più recente" in words(client.get("/decisions?q=trasporto"))
