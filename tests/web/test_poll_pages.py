"""The public pages of polls and decisions over HTTP, read as a visitor without an account
reads them (in Italian unless told): what a vote decided and by which rule, who voted what in
a named poll, only who took part in a secret one, nothing before the close, and clear 404s."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from council.domain.meetings import attendance
from council.domain.voting import majority, polls
from council.extensions import db
from council.models.record import RecordEvent
from council.web.polls import EXPLANATIONS, explain
from tests.meeting_helpers import detach, new_meeting
from tests.poll_helpers import Vote, group_council, hold, prepare, run, story, voting_meeting


@pytest.fixture
def council(make_user):
    return detach(group_council(make_user))


@pytest.fixture
def told(council):
    return story(council)


def words(response) -> str:
    """The page's main content as a reader sees it: text only, spaces collapsed."""
    body = response.get_data(as_text=True)
    main = body[body.index("<main") : body.index("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def section(response, heading_id: str) -> str:
    """The HTML of the <section> labelled by heading_id."""
    body = response.get_data(as_text=True)
    start = body.index(f'aria-labelledby="{heading_id}"')
    return body[start : body.index("</section>", start)]


def read(web, path: str, status: int = 200):
    response = web.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response


# --- a named poll -----------------------------------------------------------------------------


def test_a_closed_named_poll_shows_the_rule_the_outcome_and_each_vote(told, make_web):
    web = make_web()  # nobody logged in
    page = read(web, f"/polls/{told.named.id}")
    seen = words(page)
    assert "Votazione palese" in seen and "Approvare la proposta?" in seen
    assert "Ogni voto è pubblico, con il nome del consigliere" in seen
    assert "Regola di maggioranza Maggioranza semplice" in seen
    assert "Maggioranza semplice: approvata se i voti favorevoli superano i contrari" in seen
    assert (
        "Regola applicata: maggioranza semplice. Favorevoli 5, ne servivano almeno 4: approvata."
        in seen
    )
    for fact in ("Favorevoli 5", "Contrari 3", "Astenuti 1", "Conflitti di interessi dichiarati 1",
                 "Presenti alla chiusura 9", "Rappresentati per delega 1",
                 "Componenti del Consiglio 10", "Numero legale 6 — raggiunto"):  # fmt: skip
        assert fact in seen, fact
    assert "Proposta Punti di ascolto per gli anziani" in seen
    ballots = words_of(section(page, "ballots-title"))
    assert "Realtà 4 per delega: espresso da Realtà 1 contrario Terzo settore" in ballots
    assert (
        "Assessore 1 favorevole Amministrazione comunale Serve ai quartieri più lontani" in ballots
    )
    assert "Realtà 1 contrario Terzo settore Le cooperative non sono state ascoltate" in ballots
    assert "Assessore 3" not in ballots  # a conflict is not a vote...
    assert "Assessore 3" in words_of(section(page, "conflicts-title"))  # ...but said as such
    groups = words_of(section(page, "groups-title"))
    assert "Amministrazione comunale 3 0 1 favorevole" in groups
    assert "Terzo settore 1 3 0 contrario" in groups
    assert "Consiglieri senza gruppo 1 0 0 favorevole" in groups
    assert "I gruppi non erano d'accordo" in groups
    body = page.get_data(as_text=True)
    assert f'href="/record?subject=poll:{told.named.id}"' in body
    assert f'href="/decisions/{told.approved.year}/001"' in body
    assert f'href="/proposals/{told.proposal.id}"' in body


def words_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_an_amendment_poll_says_its_outcome_is_on_the_amendment_and_the_groups_agreed(
    told, make_web
):
    seen = words(read(make_web(), f"/polls/{told.amendment_poll.id}"))
    assert "Emendamento n. 1 di Assessore 1" in seen
    assert "Favorevoli 9, ne serviva almeno 1: emendamento approvato." in seen
    assert "L'esito è registrato sull'emendamento: Emendamento n. 1 Approvato dal consiglio" in seen
    assert "I gruppi erano d'accordo" in seen


# --- a secret poll ----------------------------------------------------------------------------


def test_a_secret_poll_shows_who_took_part_by_name_and_the_totals_never_a_choice(told, make_web):
    page = read(make_web(), f"/polls/{told.secret.id}")
    seen = words(page)
    assert "Votazione segreta" in seen
    assert "Si conservano solo chi ha partecipato (pubblicato alla chiusura" in seen
    assert "e i totali, non chi ha votato cosa. Il voto è segreto" in seen
    assert "Favorevoli 2, ne servivano almeno 6: respinta." in seen
    assert "Una votazione segreta non ha risultati per gruppo" in seen
    people = section(page, "participants-title")
    names = re.findall(r"<li>([^<]*)</li>", people)
    assert names == sorted(names) and len(names) == 9
    assert names[0] == "Assessore 1"  # the first to vote was the chair: not the order shown
    body = page.get_data(as_text=True)
    assert "ballots-title" not in body and "vote-table" not in body
    for choice in ("favorevole", "contrario", "astenuto"):  # no choice beside anyone's name
        assert choice not in words_of(people).lower()
    for name in names:  # nowhere on the page is a name next to a choice
        for choice in ("favorevole", "contrario", "astenuto"):
            assert not re.search(f"{re.escape(name)}\\W{{0,40}}{choice}", seen, re.I)


def test_the_decision_page_of_a_secret_poll_and_the_meeting_page_tie_nobody_to_a_choice(
    told, make_web
):
    web = make_web()
    decision = read(web, f"/decisions/{told.rejected.year}/002")
    meeting = read(web, f"/meetings/{told.meeting.id}")
    for page in (decision, meeting):
        seen = words(page)
        for name in ("Assessore 1", "Teresa Presidente", "Zeno Senzagruppo"):
            for choice in ("favorevole", "contrario", "astenuto"):
                assert not re.search(f"{name}\\W{{0,40}}{choice}", seen, re.I), (name, choice)
    assert "Chi ha partecipato" in words(decision)


# --- before the close -------------------------------------------------------------------------


def test_a_prepared_poll_shows_no_result_and_a_draft_meetings_poll_is_not_found(council, make_web):
    meeting = voting_meeting(council)
    poll = prepare(council, meeting, kind="secret")
    seen = words(read(make_web(), f"/polls/{poll.id}"))
    assert "Non ancora aperta" in seen and "non ancora aperta" in seen
    assert "Risultato" not in seen and "Favorevoli" not in seen
    draft = new_meeting(council.secretary, items=1)  # not convened: invisible to the public
    hidden = prepare(council, draft, question="Segreto di bozza?")
    response = read(make_web(), f"/polls/{hidden.id}", 404)
    assert "Questa votazione non esiste." in words(response)
    assert "Segreto di bozza" not in response.get_data(as_text=True)
    member = make_web()
    member.login(council.members[0].email)
    read(member, f"/polls/{hidden.id}", 404)
    secretary = make_web()
    secretary.login(council.secretary.email)
    assert "Segreto di bozza?" in words(read(secretary, f"/polls/{hidden.id}"))


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_an_open_poll_shows_only_how_many_have_voted(council, make_web, kind):
    meeting = voting_meeting(council)
    first, second = council.members[0], council.members[4]
    vote = Vote(choices={first: "in_favour", second: "against"})
    if kind == "named":
        vote.reasons[first] = "Una dichiarazione ancora riservata al voto."
    poll, _none = hold(council, meeting, vote, kind=kind, close=False)
    page = read(make_web(), f"/polls/{poll.id}")
    seen = words(page)
    assert "Votazione in corso" in seen
    assert "Finora sono stati espressi 2 voti." in seen
    assert "Risultato" not in seen and "Favorevoli" not in seen
    assert first.name not in seen and second.name not in seen
    assert "dichiarazione ancora riservata" not in seen
    assert f'href="/meetings/{meeting.id}/live"' in page.get_data(as_text=True)


def test_a_void_vote_and_a_tie_say_why_in_a_sentence(council, make_web):
    meeting = voting_meeting(council)
    a1, a2, _a3, r1, r2, *_rest = council.members
    tie, _decision = hold(council, meeting, Vote({a1: "in_favour", a2: "in_favour",
                                                 r1: "against", r2: "against"}))  # fmt: skip
    void, _none = hold(council, meeting, Vote({a1: "in_favour"}), close=False)
    for person in council.members[:5]:
        run(attendance.check_out, person, meeting.id)
    run(polls.close_poll, council.chair, void.id)
    web = make_web()
    seen = words(read(web, f"/polls/{tie.id}"))
    assert "Favorevoli 2 e contrari 2: in caso di parità non si approva." in seen
    assert "respinta" in seen
    seen = words(read(web, f"/polls/{void.id}"))
    assert "nulla per mancanza del numero legale" in seen
    assert (
        "Alla chiusura della votazione mancava il numero legale: presenti 5, ne servivano 6. "
        "La votazione è nulla e non si decide nulla."
    ) in seen
    assert "Numero legale 6 — non raggiunto" in seen
    assert "Deliberazione n." not in seen and "non è ancora stata registrata" not in seen


# --- the decision -----------------------------------------------------------------------------


def test_the_decision_page_shows_the_trail_that_led_to_it(told, make_web):
    web = make_web()
    year = told.approved.year
    page = read(web, f"/decisions/{year}/001")
    seen = words(page)
    assert f"Deliberazione n. {year}/001" in seen
    assert "Esito Approvata" in seen
    assert "Proposta Punti di ascolto per gli anziani Versione 2, quella messa ai voti" in seen
    assert "Punto all'ordine del giorno 1. Punti di ascolto" in seen
    assert "Votazione Votazione palese, maggioranza semplice" in seen
    amendments = words_of(section(page, "amendments-title"))
    assert "Emendamento n. 1 Approvato dal consiglio di Assessore 1" in amendments
    assert "emendamento approvato 9 favorevoli · 0 contrari · 0 astenuti" in amendments
    assert "Regola applicata: maggioranza semplice. Favorevoli 5, ne servivano almeno 4" in seen
    assert "Presenti alla chiusura 9" in seen and "Numero legale 6 — raggiunto" in seen
    body = page.get_data(as_text=True)
    assert f'href="/proposals/{told.proposal.id}/versions/2"' in body
    assert f'href="/polls/{told.named.id}"' in body
    event = db.session.scalar(
        select(RecordEvent).where(RecordEvent.subject == f"decision:{told.approved.id}")
    )
    trail = section(page, "trail-title")
    links = [html.unescape(href) for href in re.findall(r'href="([^"]+)"', trail)]
    events = [link for link in links if link.startswith("/record?")]
    assert f"/record?subject=decision:{told.approved.id}&before={event.seq + 1}" in events[-1]
    for link in events:  # each opens the record on its event
        path, _hash, anchor = link.partition("#")
        assert f'id="{anchor}"' in read(web, path).get_data(as_text=True)
    assert links[-1] == "/record/verify"  # how to check it, for those who verify
    said = words_of(trail)  # in words: no event code, no hash as a headline
    assert "decision.recorded" not in said and "poll." not in said and event.hash[:12] not in said
    assert f"È stata registrata la deliberazione n. {told.approved.number}." in said
    assert "È stata preparata una votazione" in said and "La votazione si è aperta" in said
    assert "ha votato" not in said  # the vote, not every ballot
    assert words(read(web, f"/decisions/{year}/1")) == seen  # the same decision


def test_the_list_of_decisions_newest_first(told, make_web):
    web = make_web()
    seen = words(read(web, "/decisions"))
    year = told.approved.year
    assert seen.index(f"{year}/002") < seen.index(f"{year}/001")
    assert "Nomina del rappresentante ai tavoli di zona" in seen and "respinta" in seen
    assert "Punti di ascolto per gli anziani" in seen and "approvata" in seen
    assert "Pagina" not in seen
    assert f"{year}/002" in words(read(web, "/decisions?page=9"))  # past the last: the last
    read(web, "/decisions?page=due", 422)


def test_the_meeting_and_the_proposal_link_their_votes_and_decision(told, make_web):
    web = make_web()
    year = told.approved.year
    votes = words_of(section(read(web, f"/meetings/{told.meeting.id}"), "votes-title"))
    assert "Approvare l'emendamento n. 1? palese emendamento approvato" in votes
    named = "Approvare la proposta? palese approvata 5 favorevoli · 3 contrari · 1 astenuto"
    assert f"{named} · Deliberazione n. {year}/001" in votes
    secret = "Nominare Zeno? segreta respinta 2 favorevoli · 6 contrari · 1 astenuto"
    assert f"{secret} · Deliberazione n. {year}/002" in votes
    proposal = read(web, f"/proposals/{told.proposal.id}")
    assert f"Deliberazione Deliberazione n. {year}/001" in words(proposal)
    assert f'href="/decisions/{year}/001"' in proposal.get_data(as_text=True)


def test_an_empty_list_and_a_meeting_without_votes(council, make_web):
    meeting = voting_meeting(council)
    web = make_web()
    assert "Non è ancora stata registrata nessuna deliberazione." in words(read(web, "/decisions"))
    page = read(web, f"/meetings/{meeting.id}").get_data(as_text=True)
    # kept in the page, hidden, for live_phases.js to fill when a poll is prepared
    assert re.search(r'<section [^>]*aria-labelledby="votes-title"[^>]* hidden>', page)


@pytest.mark.parametrize(
    "path",
    ["/polls/999999", "/polls/99999999999", "/decisions/2026/999", "/decisions/2026/0",
     "/decisions/1999/1", "/decisions/2026/abc", "/decisions/99999999999/1"],
)  # fmt: skip
def test_what_does_not_exist_is_a_404_in_italian(council, make_web, path):
    seen = words(read(make_web(), path, 404))
    assert "Pagina non trovata" in seen or "non esiste" in seen


def test_a_missing_decision_is_said_in_the_readers_language(told, make_web):
    web = make_web()
    assert "Questa deliberazione non esiste." in words(read(web, "/decisions/2026/999", 404))
    web.post("/language", {"locale": "en", "next": "/decisions"}, token_from="/decisions")
    assert "This decision does not exist." in words(read(web, "/decisions/2026/999", 404))
    assert "Decision no." in words(read(web, f"/decisions/{told.approved.year}/001"))


def test_the_rules_explanations_are_the_domains_and_translated(app):
    english = [*majority.EXPLANATION.values(), majority.NO_QUORUM]
    with force_locale("en"):
        assert [str(text) for text in EXPLANATIONS] == english
        assert explain(majority.Rule.SIMPLE) == majority.EXPLANATION[majority.Rule.SIMPLE]
    with force_locale("it"):
        for rule in majority.Rule:
            assert explain(rule) not in english and explain(rule).startswith("Maggioranza")
