"""Open data over HTTP, as an outside program reads it: decisions, meetings, proposals and
Popolo vote events as JSON validated against the published OpenAPI document, pages, errors,
caching, the CSV files and the Atom feed; and nothing private in any of them."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import inspect

from council.domain.discussion import comments
from council.domain.meetings import live_session
from council.domain.proposals import proposals
from council.extensions import db
from council.models.user import User
from council.web.open_data import OPENAPI
from tests.factories import make_proposal, reread
from tests.meeting_helpers import Council, detach, new_meeting
from tests.poll_helpers import Vote, group_council, hold, run, story, voting_meeting
from tests.statements import statements_of

DOC = json.loads(OPENAPI.read_text())
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://localhost:5000"  # PUBLIC_URL in the tests


@pytest.fixture
def council(make_user):
    return detach(group_council(make_user))


@pytest.fixture
def told(council):
    return story(council)


def fetch(client, path: str, status: int = 200, **kwargs):
    response = client.get(path, buffered=True, **kwargs)
    assert response.status_code == status, (path, response.status_code, response.data[:300])
    return response


def valid(response, template: str, status: str = "200") -> dict:
    """The answer's JSON, checked against the schema the OpenAPI document gives this path."""
    answer = DOC["paths"][template]["get"]["responses"][status]
    if "$ref" in answer:
        answer = DOC["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = {**answer["content"]["application/json"]["schema"], "components": DOC["components"]}
    data = response.get_json()
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors[:5]
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return data


def rows_of(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


# --- the document ---------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_describes_every_open_data_address(app, client):
    validate_openapi(DOC)
    assert DOC["openapi"].startswith("3.1")
    served = fetch(client, "/api/v1/openapi.json")
    assert served.get_json() == DOC
    published = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("open_data", "feeds", "api")
    }
    assert published == set(DOC["paths"])


# --- decisions ------------------------------------------------------------------------------


def test_decisions_carry_the_vote_named_ballots_and_groups_or_only_a_secret_polls_totals(
    told, client
):
    page = valid(fetch(client, "/api/v1/decisions"), "/api/v1/decisions")
    assert page["total"] == 2 and page["next"] is None and page["prev"] is None
    secret, named = page["items"]  # newest first
    assert named["number"] == told.approved.number and secret["number"] == told.rejected.number
    one = valid(fetch(client, named["api"].removeprefix(BASE)), "/api/v1/decisions/{decision_id}")
    assert one == named
    assert named["outcome"] == "approved" and named["title"] == "Punti di ascolto per gli anziani"
    assert named["text"]["markdown"] == "Approvare la proposta?"
    assert named["text"]["html"] == "<p>Approvare la proposta?</p>"
    assert named["proposal"]["id"] == told.proposal.id
    assert named["proposal"]["version"] == 2  # the approved amendment made version 2
    assert named["meeting"]["id"] == told.meeting.id and named["item"]["number"] == 1
    assert named["url"] == f"{BASE}/decisions/{told.approved.year}/001"
    assert named["record"] == {
        "subject": f"decision:{told.approved.id}",
        "url": f"{BASE}/record?subject=decision:{told.approved.id}",
    }
    poll = named["poll"]
    assert (poll["kind"], poll["rule"], poll["outcome"]) == ("named", "simple", "approved")
    assert poll["result"] == {"in_favour": 5, "against": 3, "abstain": 1, "present": 9,
                              "represented": 1, "members": 10, "conflict": 1, "needed": 4,
                              "approved": True, "valid": True}  # fmt: skip
    ballots = {b["member"]["name"]: b for b in poll["ballots"]}
    assert list(ballots) == sorted(ballots) and len(ballots) == 9
    assert "Assessore 3" not in ballots  # a conflict of interest, listed as such
    assert [p["name"] for p in poll["conflicts"]] == ["Assessore 3"]
    proxy = ballots["Realtà 4"]
    assert proxy["choice"] == "against" and proxy["by_proxy"] is True
    assert proxy["cast_by"]["name"] == "Realtà 1" and proxy["member"]["group"] == "third_sector"
    assert ballots["Assessore 1"]["statement"] == "Serve ai quartieri più lontani dai servizi."
    assert ballots["Zeno Senzagruppo"]["member"]["group"] is None
    groups = {g["group"]: g for g in poll["groups"]}
    assert groups["administration"] | {"name": ""} == {
        "group": "administration", "name": "", "in_favour": 3, "against": 0, "abstain": 1,
        "prevailing": "in_favour"}  # fmt: skip
    assert groups["administration"]["name"] == "Amministrazione comunale"
    assert (groups["third_sector"]["against"], groups["third_sector"]["prevailing"]) == (
        3, "against")  # fmt: skip
    assert groups[None]["in_favour"] == 1
    hidden = secret["poll"]
    assert hidden["kind"] == "secret" and hidden["outcome"] == "rejected"
    assert (hidden["result"]["in_favour"], hidden["result"]["against"]) == (2, 6)
    assert hidden["ballots"] is None and hidden["groups"] is None
    names = [p["name"] for p in hidden["participants"]]
    assert names == sorted(names) and len(names) == 9 and names[0] == "Assessore 1"
    assert (
        secret["proposal"] is None
        and secret["title"] == "Nomina del rappresentante ai tavoli di zona"
    )


def test_pages_of_a_list_link_each_other_and_keep_the_page_size(told, client):
    first = valid(fetch(client, "/api/v1/decisions?per_page=1"), "/api/v1/decisions")
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 1, 2, 2)
    assert first["prev"] is None
    assert first["next"] == f"{BASE}/api/v1/decisions?per_page=1&page=2"
    second = valid(fetch(client, first["next"].removeprefix(BASE)), "/api/v1/decisions")
    assert second["next"] is None and second["prev"] == f"{BASE}/api/v1/decisions?per_page=1&page=1"
    assert [d["number"] for d in first["items"] + second["items"]] == [
        told.rejected.number, told.approved.number]  # fmt: skip
    past = valid(fetch(client, "/api/v1/decisions?page=9&per_page=1"), "/api/v1/decisions")
    assert past["items"] == [] and past["next"] is None and past["prev"].endswith("page=2")


@pytest.mark.parametrize(
    "query", ["per_page=0", "per_page=101", "page=0", "page=abc", "page=-1", "per_page=1.5",
              "page=%EF%BC%91"]  # a full-width digit one
)  # fmt: skip
def test_a_bad_page_is_refused_with_a_message_in_the_readers_language(app, client, query):
    response = fetch(client, f"/api/v1/meetings?{query}", 422)
    error = valid(response, "/api/v1/meetings", "422")
    name = query.split("=")[0]
    limit = 100 if name == "per_page" else 1_000_000
    assert error == {
        "error": "invalid",
        "message": f"Il parametro {name} deve essere un numero intero da 1 a {limit}.",
    }
    english = fetch(client, f"/api/v1/meetings?{query}&lang=en", 422).get_json()
    assert english["message"] == f"The parameter {name} must be a whole number from 1 to {limit}."


def test_an_unknown_id_is_a_json_404_in_the_readers_language(app, client):
    for path, what in (("decisions", "deliberazione"), ("meetings", "seduta"),
                       ("proposals", "proposta")):  # fmt: skip
        response = fetch(client, f"/api/v1/{path}/4242", 404)
        error = valid(response, f"/api/v1/{path}/{{{path[:-1]}_id}}", "404")
        assert error["error"] == "not_found" and what in error["message"].lower()
    assert fetch(client, "/api/v1/decisions/99999999999", 404).get_json()["error"]
    english = fetch(client, "/api/v1/meetings/4242?lang=en", 404).get_json()
    assert english["message"] == "This meeting does not exist."


# --- meetings and proposals -----------------------------------------------------------------


def test_meetings_list_the_agenda_attendance_polls_and_decisions_never_a_draft_meeting(
    told, council, client
):
    draft = new_meeting(council.secretary, items=1, title="Seduta in preparazione riservata")
    page = valid(fetch(client, "/api/v1/meetings"), "/api/v1/meetings")
    assert page["total"] == 1
    meeting = page["items"][0]
    assert meeting == valid(fetch(client, f"/api/v1/meetings/{told.meeting.id}"),
                            "/api/v1/meetings/{meeting_id}")  # fmt: skip
    assert meeting["state"] == "in_progress" and meeting["place"].startswith("Sala dei Giudici")
    assert [i["title"] for i in meeting["agenda"]] == [
        "Punti di ascolto", "Nomina del rappresentante ai tavoli di zona"]  # fmt: skip
    assert meeting["agenda"][0]["proposal"]["id"] == told.proposal.id
    assert meeting["attendance"] == {"attended": 9, "present": 9}  # Realtà 4 stayed away
    assert [(p["id"], p["kind"], p["outcome"]) for p in meeting["polls"]] == [
        (told.amendment_poll.id, "named", "approved"), (told.named.id, "named", "approved"),
        (told.secret.id, "secret", "rejected")]  # fmt: skip
    assert meeting["polls"][0]["amendment"] == told.amendment.id
    assert [d["number"] for d in meeting["decisions"]] == [
        told.approved.number, told.rejected.number]  # fmt: skip
    assert meeting["calendar"] == f"{BASE}/meetings/{told.meeting.id}/calendar.ics"
    fetch(client, f"/api/v1/meetings/{draft.id}", 404)


def test_proposals_are_the_submitted_ones_with_their_versions_a_draft_is_not_found(
    told, council, client
):
    draft = run(proposals.create, council.stakeholder, title="Bozza riservata del quartiere",
                body="Testo della bozza che nessuno deve leggere.")  # fmt: skip
    page = valid(fetch(client, "/api/v1/proposals"), "/api/v1/proposals")
    assert [p["id"] for p in page["items"]] == [told.proposal.id]
    listed = page["items"][0]
    assert listed["state"] == "approved" and listed["current_version"] == 2
    assert listed["author"]["name"] == "Portatrice di interesse"
    assert listed["organisation"]["name"] == "Cooperativa Il Ponte"
    assert listed["decision"]["number"] == told.approved.number
    one = valid(fetch(client, listed["api"].removeprefix(BASE)), "/api/v1/proposals/{proposal_id}")
    assert [v["number"] for v in one["versions"]] == [1, 2]
    assert one["versions"][1]["body"].endswith("rapporto pubblico al Consiglio.")
    assert {k: v for k, v in one.items() if k != "versions"} == listed
    fetch(client, f"/api/v1/proposals/{draft.id}", 404)
    approved = valid(fetch(client, "/api/v1/proposals?state=approved"), "/api/v1/proposals")
    assert approved["total"] == 1
    assert fetch(client, "/api/v1/proposals?state=consultation").get_json()["total"] == 0
    refused = fetch(client, "/api/v1/proposals?state=draft", 422).get_json()
    assert refused["message"].startswith("Il parametro state deve essere uno tra: consultation")


# --- Popolo ---------------------------------------------------------------------------------


def test_vote_events_in_popolo_with_votes_and_group_results_for_named_polls_only(told, client):
    page = valid(fetch(client, "/api/v1/popolo/vote-events"), "/api/v1/popolo/vote-events")
    assert [o["id"] for o in page["organizations"]] == [
        "council", "council/administration", "council/third_sector"]  # fmt: skip
    assert page["organizations"][1]["name"] == "Amministrazione comunale"
    events = {e["id"]: e for e in page["vote_events"]}
    assert list(events) == [f"poll:{p.id}" for p in (told.secret, told.named,
                                                     told.amendment_poll)]  # fmt: skip
    named = events[f"poll:{told.named.id}"]
    assert named["identifier"] == told.approved.number and named["result"] == "pass"
    assert named["organization_id"] == "council"
    assert named["legislative_session_id"] == f"meeting:{told.meeting.id}"
    assert named["motion"] == {"text": "Approvare la proposta?", "classification": "agenda_item",
                               "requirement": "simple", "result": "pass"}  # fmt: skip
    assert named["counts"] == [{"option": "yes", "value": 5}, {"option": "no", "value": 3},
                               {"option": "abstain", "value": 1}]  # fmt: skip
    groups = {g["group_id"]: g for g in named["group_results"]}
    assert groups["council/administration"]["result"] == "pass"
    assert groups["council/third_sector"]["result"] == "fail"
    assert groups["council/third_sector"]["counts"][1] == {"option": "no", "value": 3}
    votes = {v["voter"]["name"]: v for v in named["votes"]}
    assert votes["Realtà 4"]["option"] == "no" and votes["Realtà 4"]["group_id"] == (
        "council/third_sector")  # fmt: skip
    assert votes["Realtà 4"]["proxy"]["name"] == "Realtà 1"  # by proxy (delega)
    assert votes["Assessore 3"] == {  # a conflict of interest declared: in the room, no vote
        "voter_id": votes["Assessore 3"]["voter_id"], "option": "not voting",
        "voter": votes["Assessore 3"]["voter"], "group_id": "council/administration",
        "reason": "conflict_of_interest"}  # fmt: skip
    assert votes["Zeno Senzagruppo"]["group_id"] is None and len(votes) == 10
    secret = events[f"poll:{told.secret.id}"]
    assert secret["result"] == "fail" and secret["secret"] is True
    assert "votes" not in secret and "group_results" not in secret
    assert secret["counts"][0] == {"option": "yes", "value": 2}
    amendment = events[f"poll:{told.amendment_poll.id}"]
    assert amendment["motion"]["classification"] == "amendment" and amendment["identifier"] is None


# --- files ----------------------------------------------------------------------------------


def test_the_csv_files_hold_decisions_and_named_ballots_for_a_spreadsheet(told, client):
    response = fetch(client, "/api/v1/decisions.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="deliberazioni.csv"'
    decisions = rows_of(response)
    assert [d["number"] for d in decisions] == [told.approved.number, told.rejected.number]
    assert decisions[0] | {"date": "", "url": ""} == {
        "number": told.approved.number, "date": "", "outcome": "approved",
        "title": "Punti di ascolto per gli anziani", "proposal_id": str(told.proposal.id),
        "proposal_version": "2", "meeting_id": str(told.meeting.id),
        "meeting_title": "Seduta ordinaria di novembre", "item_number": "1",
        "item_title": "Punti di ascolto", "poll_id": str(told.named.id), "poll_kind": "named",
        "rule": "simple", "in_favour": "5", "against": "3", "abstain": "1", "present": "9",
        "represented": "1", "members": "10", "conflict": "1", "needed": "4", "url": "",
    }  # fmt: skip
    assert decisions[1]["poll_kind"] == "secret" and decisions[1]["against"] == "6"
    response = fetch(client, "/api/v1/votes.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="voti-palesi.csv"'
    votes = rows_of(response)
    assert {v["poll_id"] for v in votes} == {str(told.amendment_poll.id), str(told.named.id)}
    mine = [v for v in votes if v["poll_id"] == str(told.named.id)]
    assert [v["member_name"] for v in mine] == sorted(v["member_name"] for v in mine)
    proxy = next(v for v in mine if v["member_name"] == "Realtà 4")
    assert (proxy["choice"], proxy["by_proxy"], proxy["cast_by_name"], proxy["decision"]) == (
        "against", "true", "Realtà 1", told.approved.number)  # fmt: skip


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_escaped(council, client):
    title = '=HYPERLINK("http://esempio.invalid","clic")'
    proposal = make_proposal(council.stakeholder, title=title)
    meeting = voting_meeting(council, proposal=proposal)
    first, second = council.members[0], council.members[1]
    vote = Vote(choices={first: "in_favour", second: "in_favour"},
                reasons={first: "@SUM(1+1)", second: "-2+3 perché sì"})  # fmt: skip
    hold(council, meeting, vote)
    decisions = rows_of(fetch(client, "/api/v1/decisions.csv"))
    assert decisions[0]["title"] == "'" + title
    votes = rows_of(fetch(client, "/api/v1/votes.csv"))
    statements = {v["member_name"]: v["statement"] for v in votes}
    assert statements[first.name] == "'@SUM(1+1)" and statements[second.name] == "'-2+3 perché sì"


def test_the_atom_feed_lists_the_latest_decisions_with_their_pages(told, client):
    response = fetch(client, "/feeds/decisions.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title").startswith("Deliberazioni — Consiglio di indirizzo")
    assert feed.findtext(f"{ATOM}id") == f"{BASE}/feeds/decisions.atom"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": f"{BASE}/feeds/decisions.atom", "alternate": f"{BASE}/decisions"}
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        f"Deliberazione n. {told.rejected.number} — Nomina del rappresentante ai tavoli di zona",
        f"Deliberazione n. {told.approved.number} — Punti di ascolto per gli anziani",
    ]
    newest = entries[0]
    page = f"{BASE}/decisions/{told.rejected.year}/002"
    assert newest.findtext(f"{ATOM}id") == page
    assert newest.find(f"{ATOM}link").get("href") == page
    assert feed.findtext(f"{ATOM}updated") == newest.findtext(f"{ATOM}updated")
    for entry in entries:
        updated = entry.findtext(f"{ATOM}updated")
        assert datetime.strptime(updated, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert newest.findtext(f"{ATOM}summary").startswith(
        "Regola applicata: maggioranza assoluta dei presenti. Favorevoli 2, ne servivano almeno 6"
    )
    assert newest.find(f"{ATOM}content").get("type") == "html"


def test_the_list_of_decisions_links_its_open_data(app, client):
    body = fetch(client, "/decisions").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/atom+xml" title="Deliberazioni (Atom)" '
            'href="/feeds/decisions.atom">') in body  # fmt: skip
    links = body[body.index('class="open-data-links"') :]
    links = links[: links.index("</p>")]
    assert "Dati aperti:" in links
    for href in ("/api/v1/decisions.csv", "/api/v1/votes.csv", "/open-data#dataset-feed",
                 "/open-data"):  # fmt: skip
        assert f'href="{href}"' in links


# --- caching --------------------------------------------------------------------------------


def test_an_answer_is_revalidated_against_the_records_head(told, client):
    first = fetch(client, "/api/v1/decisions")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] and first.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/v1/decisions", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    since = client.get("/feeds/decisions.atom",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})  # fmt: skip
    assert since.status_code == 304
    assert fetch(client, "/api/v1/decisions?per_page=5").headers["ETag"] != etag
    assert fetch(client, "/api/v1/decisions?lang=en").headers["ETag"] != etag
    with_comment = make_proposal(told.council.stakeholder, title="Un'altra proposta")
    run(comments.post_comment, told.council.stakeholder, with_comment, "Un commento nuovo.")
    changed = client.get("/api/v1/decisions", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_script_on_another_site_may_ask_conditionally(app, client):
    preflight = client.options(
        "/api/v1/decisions",
        headers={"Origin": "https://dati.example.net", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "if-none-match"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "ETag" in fetch(client, "/api/v1/meetings").headers["Access-Control-Expose-Headers"]


def queries(client, path: str) -> int:
    """How many SQL queries answering this request takes (in this thread: the live room's own
    work after each commit runs in others)."""
    return len(statements_of(lambda: fetch(client, path), selects=True))


def loaded(council: Council) -> Council:
    """The council's people read again in the test's session, for operations after requests
    (each request ends the thread's session, leaving the rows it had expired unusable)."""
    reread()
    get = lambda person: db.session.get(User, inspect(person).identity)  # noqa: E731
    return Council(get(council.chair), get(council.secretary), list(map(get, council.members)),
                   get(council.stakeholder), get(council.admin))  # fmt: skip


LISTS = ["/api/v1/decisions?per_page=100", "/api/v1/meetings?per_page=100",
         "/api/v1/proposals?per_page=100", "/api/v1/popolo/vote-events?per_page=100"]  # fmt: skip


def test_a_longer_list_takes_no_more_queries(told, client):
    before = {path: queries(client, path) for path in LISTS}
    council = loaded(told.council)  # the story's people, as the requests left them
    for n in (1, 2):
        proposal = make_proposal(council.stakeholder, title=f"Proposta in più {n}")
        meeting = voting_meeting(council, proposal=proposal, second_item=True)
        everyone = Vote(choices=dict.fromkeys(council.all_members, "in_favour"))
        hold(council, meeting, everyone)
        run(live_session.move_to, council.chair, meeting.id, meeting.items[1].id)
        hold(council, meeting, everyone, kind="secret", item=1)
    after = {path: queries(client, path) for path in LISTS}
    assert fetch(client, LISTS[0]).get_json()["total"] == 6
    assert after == before


# --- privacy --------------------------------------------------------------------------------


def everything(client, told) -> dict[str, bytes]:
    """Every open data answer, first pages and each item, in both languages."""
    paths = ["/api/v1/decisions", "/api/v1/meetings", "/api/v1/proposals",
             "/api/v1/popolo/vote-events", "/api/v1/decisions.csv", "/api/v1/votes.csv",
             "/feeds/decisions.atom", "/api/v1/openapi.json"]  # fmt: skip
    for listing in ("decisions", "meetings", "proposals"):
        for item in fetch(client, f"/api/v1/{listing}?per_page=100").get_json()["items"]:
            paths.append(item["api"].removeprefix(BASE))
    found = {}
    for path in paths:
        for lang in ("it", "en"):
            joined = f"{path}{'&' if '?' in path else '?'}lang={lang}"
            found[joined] = fetch(client, joined).data
    return found


def test_nothing_private_is_published_drafts_emails_hidden_comments_secret_choices(
    told, council, client
):
    secretary = council.secretary
    run(proposals.create, council.stakeholder, title="Bozza riservata del quartiere",
        body="Testo della bozza che nessuno deve leggere.")  # fmt: skip
    new_meeting(secretary, items=1, title="Seduta in preparazione riservata")
    open_proposal = make_proposal(council.stakeholder, title="Proposta con un commento nascosto")
    comment = run(comments.post_comment, council.stakeholder, open_proposal,
                  "Frase offensiva da nascondere XYZZY.")  # fmt: skip
    run(comments.hide_comment, secretary, comment, "Linguaggio offensivo.")
    answers = everything(client, told)
    assert len(answers) > 20
    for path, body in answers.items():
        for secret in (b"Bozza riservata", b"nessuno deve leggere", b"in preparazione riservata",
                       b"XYZZY", b"@example.org", b"password"):  # fmt: skip
            assert secret not in body, (path, secret)
    # the secret poll: its voters appear only among its participants, never beside a choice
    for path, body in answers.items():
        if body.lstrip(b"\xef\xbb\xbf")[:1] != b"{":
            continue
        for poll in polls_in(json.loads(body)):
            if poll.get("id") in (told.secret.id, f"poll:{told.secret.id}"):
                assert poll.get("ballots") is None and poll.get("groups") is None, path
                assert "votes" not in poll and "group_results" not in poll, path
    votes = rows_of(fetch(client, "/api/v1/votes.csv"))
    assert str(told.secret.id) not in {v["poll_id"] for v in votes}


def polls_in(data) -> list[dict]:
    """Every poll (and vote event) object anywhere in an answer."""
    found = []
    if isinstance(data, dict):
        if "question" in data or "motion" in data:
            found.append(data)
        for value in data.values():
            found.extend(polls_in(value))
    elif isinstance(data, list):
        for value in data:
            found.extend(polls_in(value))
    return found


def test_a_council_with_only_secret_votes_publishes_no_choice_of_anyone(council, client):
    meeting = voting_meeting(council)
    choices = ["in_favour", "against", "abstain"]
    vote = Vote(choices={p: choices[n % 3] for n, p in enumerate(council.all_members)})
    poll, decision = hold(council, meeting, vote, kind="secret")
    bodies = [fetch(client, path).data for path in (
        "/api/v1/decisions", f"/api/v1/decisions/{decision.id}", "/api/v1/meetings",
        f"/api/v1/meetings/{meeting.id}", "/api/v1/popolo/vote-events", "/api/v1/decisions.csv",
        "/feeds/decisions.atom")]  # fmt: skip
    for body in bodies:
        assert b'"choice"' not in body and b'"votes"' not in body
        assert b'"ballots":[' not in body and b'"groups":[' not in body
    votes = fetch(client, "/api/v1/votes.csv").get_data(as_text=True)
    assert votes.strip().count("\n") == 0  # the header alone
    decided = fetch(client, f"/api/v1/decisions/{decision.id}").get_json()
    assert len(decided["poll"]["participants"]) == len(council.all_members)
    assert decided["poll"]["id"] == poll.id
    assert decided["poll"]["result"]["in_favour"] == 4  # 10 members, one of each in turn
