"""Proposal pages over HTTP: the public list with its filters, sort and pages; a proposal's page;
the editor with its preview; submission; co-signing; supports; follows; versions and
differences; and what wrong, late, repeated or forged requests get."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from council.clock import ROME
from council.domain.community import organisations
from council.domain.community.topics import save_topic
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations
from council.domain.proposals import proposals as ops
from council.extensions import db
from council.models.notification import Notification
from council.models.proposal import Proposal, ProposalState, ProposalVersion, Support
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.factories import fresh

BODY = "Un custode sociale in ogni scala.\n\nOrari: dalle 8 alle 12.\n\n- primo punto\n- secondo"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def head() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.max(RecordEvent.seq))) or 0


def kinds_since(seq: int) -> list[str]:
    return list(
        db.session.scalars(
            select(RecordEvent.kind).where(RecordEvent.seq > seq).order_by(RecordEvent.seq)
        )
    )


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def english(web, path="/proposals"):
    web.post("/language", {"locale": "en", "next": path}, token_from=path)
    return web


@pytest.fixture
def other_org(app, zone):
    with unit_of_work() as session:
        return organisations.save_organisation(
            session, SYSTEM, None, name="Associazione Vicini di Casa", kind="APS", zone=zone
        )


@pytest.fixture
def author(make_user):
    return make_user("stakeholder", name="Anna Autrice", email="autrice@example.org")


@pytest.fixture
def outsider(make_user, other_org):
    return make_user("stakeholder", organisation=other_org, name="Oscar Altro",
                     email="altro@example.org")  # fmt: skip


@pytest.fixture
def as_(make_web):
    """A browser logged in as this person (English pages), or anonymous with None."""

    def factory(person):
        web = make_web()
        if person is not None:
            web.login(person.email)
        return english(web)

    return factory


def make_draft(author, title="Custode sociale nei condomini Aler", body=BODY, **kw):
    with unit_of_work() as session:
        return ops.create(session, author, title=title, body=body, **kw)


def make_published(author, days=30, **kw):
    proposal = make_draft(author, **kw)
    with unit_of_work() as session:
        ops.submit(session, author, proposal, deadline=datetime.now(UTC) + timedelta(days=days))
    return proposal


# --- the list ---------------------------------------------------------------------------------


def test_the_list_is_public_and_shows_what_matters(as_, author, zone):
    with unit_of_work() as session:
        topic = save_topic(session, SYSTEM, None, name="Anziani")
    published = make_published(author, zones=[zone], topic=topic, days=10)
    make_draft(author, title="Bozza segreta")
    page = text(as_(None).get("/proposals"))
    assert "Custode sociale nei condomini Aler" in page
    assert "Bozza segreta" not in page
    item = page[page.index(f'id="proposal-{published.id}-title"') :]
    for shown in ("In consultation", "Cooperativa Il Ponte", "Zona Est", "Anziani",
                  "closes in 9 days", "Comments", "Supports"):  # fmt: skip
        assert shown in item, shown
    assert "Un custode sociale in ogni scala" in item  # an excerpt
    assert 'href="/proposals"' in page and 'aria-current="page"' in page  # the main nav


def test_filters(as_, author, outsider, other_org, zone, secretary):
    with unit_of_work() as session:
        anziani = save_topic(session, SYSTEM, None, name="Anziani")
        casa = save_topic(session, SYSTEM, None, name="Casa e abitare")
        north = organisations.save_zone(session, SYSTEM, None, name="Zona Nord")
    a = make_published(author, title="Trasporto solidale per visite mediche", topic=anziani,
                       zones=[zone], body="Volontari con auto.")  # fmt: skip
    b = make_published(outsider, title="Spazio compiti nei Punti di comunità", topic=casa,
                       zones=[north], body="Doposcuola per i ragazzi.")  # fmt: skip
    with unit_of_work() as session:
        ops.schedule(session, secretary, session.get(Proposal, b.id))
    web = as_(None)

    def titles(query: str) -> set[str]:
        response = web.get("/proposals?" + query)
        assert response.status_code == 200, query
        return set(
            re.findall(r'id="proposal-\d+-title"><a href="[^"]+">([^<]+)</a>', text(response))
        )

    everything = {a.title, b.title}
    assert titles("") == everything
    assert titles("q=MEDICHE") == {a.title}
    assert titles("q=doposcuola") == {b.title}  # words of the body too
    assert titles("q=auto+volontari") == {a.title}
    assert titles("q=50%25") == set()
    assert titles("state=on_agenda") == {b.title}
    assert titles("state=consultation") == {a.title}
    assert titles(f"zone={north.id}") == {b.title}
    assert titles(f"topic={anziani.id}") == {a.title}
    assert titles(f"organisation={other_org.id}") == {b.title}
    assert titles(f"author={author.public_id}") == {a.title}
    assert titles(f"author={author.public_id}&zone={north.id}") == set()
    assert titles("state=draft") == set()  # the public has no drafts


@pytest.mark.parametrize(
    "query",
    ["state=nonsense", "sort=random", "zone=abc", "topic=-1", "page=x", "organisation=1e9"],
)
def test_malformed_filters_are_a_clear_422(as_, query):
    response = as_(None).get("/proposals?" + query)
    assert response.status_code == 422
    assert "is not valid" in text(response)


def test_my_drafts_are_listed_for_their_author_only(as_, author, outsider):
    make_draft(author, title="La mia bozza")
    assert "La mia bozza" in text(as_(author).get("/proposals?state=draft"))
    assert "La mia bozza" not in text(as_(outsider).get("/proposals?state=draft"))
    assert "La mia bozza" not in text(as_(author).get("/proposals"))


def test_sort_orders(as_, author):
    soon = make_published(author, title="Chiude presto", days=3)
    late = make_published(author, title="Chiude tardi", days=90)
    talked = make_published(author, title="Molto discussa", days=60)
    with unit_of_work() as session:
        session.get(Proposal, talked.id).comment_count = 12
        session.get(Proposal, soon.id).comment_count = 2
    web = as_(None)

    def order(sort: str) -> list[str]:
        page = text(web.get(f"/proposals?sort={sort}"))
        return re.findall(r'id="proposal-\d+-title"><a href="[^"]+">([^<]+)</a>', page)

    assert order("newest") == ["Molto discussa", "Chiude tardi", "Chiude presto"]
    assert order("discussed") == ["Molto discussa", "Chiude presto", "Chiude tardi"]
    assert order("deadline") == ["Chiude presto", "Molto discussa", "Chiude tardi"]
    assert late.id


def test_pages_of_twenty_keep_the_filters(as_, author, zone):
    for n in range(23):
        make_published(author, title=f"Proposta numero {n:02d}", zones=[zone])
    web = as_(None)
    first = text(web.get(f"/proposals?zone={zone.id}&sort=deadline"))
    assert first.count('class="proposal-item"') == 20
    assert "23 proposals" in first and "Page 1 of 2" in first
    link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1)
    assert f"zone={zone.id}" in link and "sort=deadline" in link and "page=2" in link
    second = text(web.get(link))
    assert second.count('class="proposal-item"') == 3
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert text(web.get("/proposals?page=99")).count('class="proposal-item"') == 3  # the last


# --- a proposal's page --------------------------------------------------------------------------


def test_the_page_shows_the_text_in_paragraphs_and_the_facts(as_, author, zone):
    proposal = make_published(author, zones=[zone], days=5)
    page = text(as_(None).get(f"/proposals/{proposal.id}"))
    for index in range(3):
        assert f'id="p-{index}" data-paragraph="{index}"' in page
    assert 'id="p-3"' not in page
    assert "<li>primo punto</li>" in page  # markdown rendered
    assert "Anna Autrice" in page and "Cooperativa Il Ponte" in page
    deadline = fresh(proposal).consultation_deadline.astimezone(ROME)
    assert deadline.strftime("%H:%M") in page  # shown in Europe/Rome
    assert "closes in 4 days" in page or "closes in 5 days" in page
    assert "Log in" in page and "to support it" in page


@pytest.mark.parametrize("who", ["public", "outsider", "secretary"])
def test_a_draft_is_404_for_everyone_but_its_author_and_invited(
    as_, author, outsider, secretary, who
):
    proposal = make_draft(author)
    reader = {"public": None, "outsider": outsider, "secretary": secretary}[who]
    web = as_(reader)
    for path in ("", "/edit", "/submit", "/diff", "/versions/1", "/cosigners", "/withdraw"):
        assert web.get(f"/proposals/{proposal.id}{path}").status_code in (404, 302), path
    assert web.get(f"/proposals/{proposal.id}").status_code == 404
    assert as_(author).get(f"/proposals/{proposal.id}").status_code == 200


def test_unknown_proposals_and_versions_are_404(as_, author):
    proposal = make_published(author)
    web = as_(None)
    assert web.get("/proposals/999999").status_code == 404
    assert web.get(f"/proposals/{proposal.id}/versions/7").status_code == 404
    assert web.get(f"/proposals/{proposal.id}/diff?from=1&to=9").status_code == 404
    assert web.get(f"/proposals/{proposal.id}/diff?from=uno&to=1").status_code == 422


# --- writing --------------------------------------------------------------------------------


def test_new_needs_an_account_with_the_right(as_, make_user):
    response = as_(None).get("/proposals/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert as_(make_user("admin", organisation=None)).get("/proposals/new").status_code == 403


def test_write_preview_and_save_a_draft(as_, author, zone):
    web = as_(author)
    form = web.get("/proposals/new")
    assert form.status_code == 200 and 'name="zones"' in text(form)
    before = head()
    data = {"title": "Spazio compiti", "body": "Un **doposcuola**.\n\n<script>x</script>",
            "topic": "", "zones": [str(zone.id)], "action": "preview"}  # fmt: skip
    preview = web.post("/proposals/new", data, token_from="/proposals/new")
    page = text(preview)
    assert preview.status_code == 200
    assert "<strong>doposcuola</strong>" in page
    assert "<script>x</script>" not in preview.get_data(as_text=True)  # escaped, everywhere
    assert 'value="Spazio compiti"' in page  # the form is kept filled
    assert count(Proposal) == 0
    saved = web.post("/proposals/new", {**data, "action": "save"})
    assert saved.status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert saved.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert (proposal.state, proposal.title, proposal.current_version) == (
        ProposalState.DRAFT, "Spazio compiti", 1,
    )  # fmt: skip
    assert [z.id for z in proposal.zones] == [zone.id]
    assert head() == before, "drafts are not recorded"


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("x" * 201, "Testo", "The title is too long"),
        ("Titolo", "y" * 50_001, "The text is too long"),
        ("", "Testo", "Write a title"),
        ("Titolo", "   ", "Write the text of the proposal"),
    ],
)
def test_bad_input_keeps_the_form_filled(as_, author, title, body, message):
    web = as_(author)
    response = web.post("/proposals/new", {"title": title, "body": body, "action": "save"},
                        token_from="/proposals/new")  # fmt: skip
    page = text(response)
    assert response.status_code == 422
    assert message in page
    assert body.strip()[:50] in page and (title[:50] in page)
    assert count(Proposal) == 0


def test_a_forged_csrf_token_changes_nothing(as_, author):
    web = as_(author)
    response = web.post("/proposals/new", {"title": "Titolo", "body": "Testo",
                                           "csrf_token": "forged"})  # fmt: skip
    assert response.status_code == 400
    assert "did not come from this site" in text(response)
    assert count(Proposal) == 0
    proposal = make_published(author)
    for path in ("support", "follow", "schedule", "withdraw", "edit", "submit"):
        response = web.post(f"/proposals/{proposal.id}/{path}", {"csrf_token": "forged"})
        assert response.status_code in (400, 409), path
    assert fresh(proposal).state == ProposalState.CONSULTATION


def test_the_live_preview_endpoint(as_, make_web, author):
    web = as_(author)
    token = web.token("/proposals/new")
    response = web.client.post(
        "/proposals/preview",
        data={"body": "Ciao [link](javascript:alert(1)) <img src=x onerror=alert(1)>"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    rendered = response.get_json()["html"]
    assert "javascript:" not in rendered and "onerror" not in rendered and "<img" not in rendered
    too_long = web.client.post("/proposals/preview", data={"body": "x" * 50_001},
                               headers={"X-CSRFToken": token})  # fmt: skip
    assert too_long.status_code == 422 and "too long" in too_long.get_json()["message"]
    assert web.client.post("/proposals/preview", data={"body": "x"}).status_code == 400  # no CSRF
    public = make_web()
    assert public.post("/proposals/preview", {"body": "x"}, token_from="/").status_code == 403


def test_editing_a_draft_then_a_new_version_after_submission(as_, author, outsider):
    proposal = make_draft(author)
    web = as_(author)
    form = text(web.get(f"/proposals/{proposal.id}/edit"))
    assert "Custode sociale nei condomini Aler" in form and 'name="change_note"' not in form
    web.post(f"/proposals/{proposal.id}/edit", {"title": "Custode sociale", "body": "Testo 1",
                                                "action": "save"})  # fmt: skip
    assert fresh(proposal).current_version == 1
    with unit_of_work() as session:
        current = session.get(Proposal, proposal.id, populate_existing=True)
        ops.submit(session, author, current, deadline=datetime.now(UTC) + timedelta(days=3))
    assert 'name="change_note"' in text(web.get(f"/proposals/{proposal.id}/edit"))
    before = head()
    response = web.post(f"/proposals/{proposal.id}/edit", {
        "title": "Custode sociale", "body": "Testo 2", "change_note": "Orari corretti",
        "action": "save"})  # fmt: skip
    assert response.status_code == 302
    assert fresh(proposal).current_version == 2
    assert kinds_since(before) == ["proposal.version_added"]
    assert as_(outsider).get(f"/proposals/{proposal.id}/edit").status_code == 403
    nothing = web.post(f"/proposals/{proposal.id}/edit", {"title": "Custode sociale",
                       "body": "Testo 2", "action": "save"})  # fmt: skip
    assert nothing.status_code == 422 and "Nothing was changed" in text(nothing)


def test_no_edit_on_the_agenda(as_, author, secretary):
    proposal = make_published(author)
    with unit_of_work() as session:
        ops.schedule(session, secretary, session.get(Proposal, proposal.id, populate_existing=True))
    web = as_(author)
    response = web.get(f"/proposals/{proposal.id}/edit")
    assert response.status_code == 409 and "on the agenda" in text(response)
    response = web.post(f"/proposals/{proposal.id}/edit", {"title": "X", "body": "Y"},
                        token_from=f"/proposals/{proposal.id}")  # fmt: skip
    assert response.status_code == 409
    assert fresh(proposal).title == "Custode sociale nei condomini Aler"


def test_submit_with_a_deadline_in_rome_time(as_, author):
    proposal = make_draft(author)
    web = as_(author)
    page = text(web.get(f"/proposals/{proposal.id}/submit"))
    assert 'type="date"' in page and 'type="time"' in page
    day = (datetime.now(ROME) + timedelta(days=20)).date()
    before = head()
    response = web.post(f"/proposals/{proposal.id}/submit",
                        {"deadline_date": day.isoformat(), "deadline_time": "18:30"})  # fmt: skip
    assert response.status_code == 302
    stored = fresh(proposal)
    assert stored.state == ProposalState.CONSULTATION
    expected = datetime(day.year, day.month, day.day, 18, 30, tzinfo=ROME).astimezone(UTC)
    assert stored.consultation_deadline == expected
    assert kinds_since(before) == ["proposal.submitted"]
    again = web.post(f"/proposals/{proposal.id}/submit",
                     {"deadline_date": day.isoformat(), "deadline_time": "18:30"})  # fmt: skip
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("date", "time", "message"),
    [
        ("today", "23:59", "at least 24 hours"),
        ("far", "12:00", "at most 180 days"),
        ("2026-02-30", "12:00", "Not a valid date"),
        ("", "12:00", "Choose a date"),
        ("tomorrow", "25:00", "Not a valid time"),
    ],
)
def test_a_bad_deadline_is_refused_with_the_form_kept(as_, author, date, time, message):
    proposal = make_draft(author)
    now = datetime.now(ROME)
    date = {"today": now.date().isoformat(),
            "far": (now + timedelta(days=200)).date().isoformat(),
            "tomorrow": (now + timedelta(days=1)).date().isoformat()}.get(date, date)  # fmt: skip
    web = as_(author)
    response = web.post(f"/proposals/{proposal.id}/submit",
                        {"deadline_date": date, "deadline_time": time},
                        token_from=f"/proposals/{proposal.id}/submit")  # fmt: skip
    assert response.status_code == 422
    assert message.lower() in text(response).lower()
    assert fresh(proposal).state == ProposalState.DRAFT


def test_withdraw(as_, author, outsider):
    proposal = make_published(author)
    assert as_(outsider).get(f"/proposals/{proposal.id}/withdraw").status_code == 403
    web = as_(author)
    assert web.get(f"/proposals/{proposal.id}/withdraw").status_code == 200
    before = head()
    response = web.post(f"/proposals/{proposal.id}/withdraw", {"reason": "Superata dal bando"})
    assert response.status_code == 302
    assert fresh(proposal).state == ProposalState.WITHDRAWN
    assert kinds_since(before) == ["proposal.state_changed"]
    assert web.get(f"/proposals/{proposal.id}/withdraw").status_code == 409
    page = text(web.get(f"/proposals/{proposal.id}"))
    assert "Withdrawn" in page and f"/proposals/{proposal.id}/edit" not in page


# --- co-signing, supports, follows, the agenda ---------------------------------------------------


def test_invite_and_answer_from_the_page(as_, make_user, author, outsider, other_org):
    proposal = make_draft(author)
    web = as_(author)
    page = text(web.get(f"/proposals/{proposal.id}/cosigners"))
    assert "Associazione Vicini di Casa" in page and "Cooperativa Il Ponte" not in page
    response = web.post(
        f"/proposals/{proposal.id}/cosigners", {"organisations": [str(other_org.id)]}
    )
    assert response.status_code == 302
    note = db.session.scalars(select(Notification).where(Notification.user_id == outsider.id)).one()
    assert note.kind == "cosign_invited"
    assert "invited" in text(web.get(f"/proposals/{proposal.id}"))  # the author sees who
    guest = as_(outsider)
    page = text(guest.get(f"/proposals/{proposal.id}"))
    assert "Co-sign for Associazione Vicini di Casa" in page
    assert guest.post(f"/proposals/{proposal.id}/cosign/accept", {},
                      token_from=f"/proposals/{proposal.id}").status_code == 302  # fmt: skip
    again = guest.post(f"/proposals/{proposal.id}/cosign/decline", {})
    assert again.status_code == 409 and "already answered" in text(again)
    page = text(as_(author).get(f"/proposals/{proposal.id}"))
    assert "Associazione Vicini di Casa" in page
    bad = web.post(f"/proposals/{proposal.id}/cosigners", {"organisations": ["999999"]},
                   token_from=f"/proposals/{proposal.id}/cosigners")  # fmt: skip
    assert bad.status_code == 422


def test_support_once_and_withdraw(as_, make_user, author, outsider):
    proposal = make_published(author)
    page_path = f"/proposals/{proposal.id}"
    assert "Support on behalf of" not in text(as_(author).get(page_path))  # its own
    web = as_(outsider)
    assert "Support on behalf of Associazione Vicini di Casa" in text(web.get(page_path))
    before = head()
    assert web.post(f"{page_path}/support", {}, token_from=page_path).status_code == 302
    assert kinds_since(before) == ["proposal.supported"]
    colleague = as_(make_user("member", organisation=outsider.organisation))
    again = colleague.post(f"{page_path}/support", {}, token_from=page_path)
    assert again.status_code == 409
    assert "Associazione Vicini di Casa already supports this proposal" in text(again)
    assert count(Support) == 1 and fresh(proposal).support_count == 1
    page = text(web.get(page_path))
    assert "Withdraw the support of Associazione Vicini di Casa" in page
    assert web.post(f"{page_path}/support/withdraw", {}).status_code == 302
    assert count(Support) == 0
    anonymous = as_(None).post(f"{page_path}/support", {}, token_from=page_path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_support_is_refused_on_a_decided_proposal(as_, author, outsider):
    proposal = make_published(author)
    with unit_of_work() as session:
        ops.withdraw(session, author, session.get(Proposal, proposal.id, populate_existing=True))
    web = as_(outsider)
    response = web.post(f"/proposals/{proposal.id}/support", {},
                        token_from=f"/proposals/{proposal.id}")  # fmt: skip
    assert response.status_code == 409 and count(Support) == 0


def test_follow_and_unfollow(as_, outsider, author):
    proposal = make_published(author)
    web = as_(outsider)
    path = f"/proposals/{proposal.id}"
    assert web.post(f"{path}/follow", {}, token_from=path).status_code == 302
    assert "Stop following" in text(web.get(path))
    assert web.post(f"{path}/unfollow", {}, token_from=path).status_code == 302
    assert ">Follow<" in text(web.get(path))


def test_only_the_secretary_puts_a_proposal_on_the_agenda(as_, author, outsider, secretary):
    proposal = make_published(author)
    path = f"/proposals/{proposal.id}"
    assert "Put on the agenda" not in text(as_(outsider).get(path))
    assert as_(outsider).post(f"{path}/schedule", {}, token_from=path).status_code == 403
    office = as_(secretary)
    assert "Put on the agenda" in text(office.get(path))
    assert office.post(f"{path}/schedule", {}, token_from=path).status_code == 302
    assert fresh(proposal).state == ProposalState.ON_AGENDA
    again = office.post(f"{path}/schedule", {}, token_from=path)
    assert again.status_code == 409


# --- versions and differences ---------------------------------------------------------------------


def test_versions_and_a_readable_diff(as_, author):
    proposal = make_published(author, body="Il custode apre alle 9.\n\nFine.")
    for body, note in (("Il custode apre alle 8.\n\nFine.", "Orario anticipato"),
                       ("Il custode apre alle 8.\n\nFine. Anche il sabato.", "")):  # fmt: skip
        with unit_of_work() as session:
            current = session.get(Proposal, proposal.id, populate_existing=True)
            ops.edit(session, author, current, title=proposal.title, body=body,
                     topic=None, zones=[], change_note=note)  # fmt: skip
    web = as_(None)
    page = text(web.get(f"/proposals/{proposal.id}"))
    assert "Version 3" in page and "Orario anticipato" in page
    diff = text(web.get(f"/proposals/{proposal.id}/diff?from=1&to=3"))
    assert '<del><span class="visually-hidden">[removed: </span>9.<' in diff
    assert '<ins><span class="visually-hidden">[added: </span>8.<' in diff
    assert "Anche il sabato." in diff and "Orario anticipato" in diff
    old = text(web.get(f"/proposals/{proposal.id}/versions/1"))
    assert "apre alle 9." in old
    assert db.session.scalar(select(func.count()).select_from(ProposalVersion)) == 3


def test_notifications_go_to_followers_on_a_new_version(as_, make_user, author):
    proposal = make_published(author)
    reader = make_user("member", email="lettore@example.org")
    web = as_(reader)
    path = f"/proposals/{proposal.id}"
    web.post(f"{path}/follow", {}, token_from=path)
    as_(author).post(f"{path}/edit", {"title": proposal.title, "body": "Nuovo testo",
                                      "action": "save"}, token_from=f"{path}/edit")  # fmt: skip
    note = db.session.scalars(select(Notification).where(Notification.user_id == reader.id)).one()
    assert note.kind == "new_version" and json.loads(note.params)["number"] == 2


def test_cosigning_invitations_use_the_domain_rules(author, other_org):
    proposal = make_published(author)
    with unit_of_work() as session:
        proposal_organisations.invite_cosigners(
            session, author, session.get(Proposal, proposal.id, populate_existing=True), [other_org]
        )
    assert fresh(proposal).cosigners[0].organisation_id == other_org.id
