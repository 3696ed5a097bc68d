"""Amendment pages over HTTP: the proposal page's section, the form (prefilled, kept on error),
the amendment with its differences, the decisions; forged, late and foreign requests."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from council.extensions import db
from council.models.proposal import Amendment, AmendmentState, ProposalState, ProposalVersion
from council.unit_of_work import unit_of_work
from tests.factories import PLAIN_BODY, add_version, make_proposal

NEW_BODY = PLAIN_BODY.replace("in ogni quartiere", "in ogni quartiere, anche la sera")
REASON = "Molti anziani sono soli soprattutto la sera."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def state_of(number: int = 1) -> AmendmentState:
    db.session.expire_all()
    return db.session.scalar(select(Amendment.state).where(Amendment.number == number))


@pytest.fixture
def proposer(make_user):
    return make_user("member")


@pytest.fixture
def proposal(author):
    return make_proposal(author, body=PLAIN_BODY)


@pytest.fixture
def as_author(make_web, author):
    web = make_web()
    web.login(author.email)
    return web


@pytest.fixture
def as_proposer(make_web, proposer):
    web = make_web()
    web.login(proposer.email)
    return web


def new_path(proposal) -> str:
    return f"/proposals/{proposal.id}/amendments/new"


def propose(web, proposal, body=NEW_BODY, reason=REASON):
    return web.post(
        new_path(proposal), {"body": body, "reason": reason}, token_from=new_path(proposal)
    )


def test_the_proposal_page_invites_amendments(as_proposer, client, proposal):
    page = text(as_proposer.get(f"/proposals/{proposal.id}"))
    assert 'id="amendments"' in page and new_path(proposal) in page
    public = text(client.get(f"/proposals/{proposal.id}"))
    assert f"/login?next={new_path(proposal)}" in public.replace("%2F", "/")


def test_the_form_is_prefilled_and_proposing_leads_to_the_amendment(as_proposer, proposal):
    form = as_proposer.get(new_path(proposal))
    assert form.status_code == 200
    assert html.escape(PLAIN_BODY.split("\n")[0], quote=False) in form.get_data(as_text=True)
    response = propose(as_proposer, proposal)
    assert response.status_code == 302
    assert response.location == f"/proposals/{proposal.id}/amendments/1"
    page = as_proposer.get(response.location).get_data(as_text=True)
    assert "<ins>" in page and "anche la sera" in page and REASON in html.unescape(page)
    listed = text(as_proposer.get(f"/proposals/{proposal.id}"))
    assert f"/proposals/{proposal.id}/amendments/1" in listed
    assert f"/proposals/{proposal.id}/amendments/1" in text(
        as_proposer.get(f"/proposals/{proposal.id}/amendments")
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (NEW_BODY, "corto"),
        (NEW_BODY, "r" * 2001),
        ("", REASON),
        (PLAIN_BODY, REASON),
        ("x" * 50_001, REASON),
    ],
)
def test_bad_input_keeps_the_form(as_proposer, proposal, body, reason):
    response = propose(as_proposer, proposal, body=body, reason=reason)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page and 'aria-invalid="true"' in page
    if reason and len(reason) < 100:
        assert re.search(rf'name="reason">\r?\n?{reason}</textarea>', page)
    assert count(Amendment) == 0


def test_forged_and_foreign_requests(as_proposer, make_web, make_user, client, proposal):
    as_proposer.get(new_path(proposal))
    no_token = as_proposer.client.post(
        new_path(proposal), data={"body": NEW_BODY, "reason": REASON}
    )
    assert no_token.status_code == 400
    assert client.get(new_path(proposal)).status_code == 302
    assert client.post(new_path(proposal), data={"body": NEW_BODY}).status_code in (302, 400)
    admin = make_web()
    admin.login(make_user("admin").email)
    assert admin.get(new_path(proposal)).status_code == 403
    assert count(Amendment) == 0


def test_late_or_closed_proposals_and_drafts(as_proposer, author):
    closed = make_proposal(author, state=ProposalState.ON_AGENDA, body=PLAIN_BODY)
    assert as_proposer.get(new_path(closed)).status_code == 409
    assert f"{new_path(closed)}" not in text(as_proposer.get(f"/proposals/{closed.id}"))
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False, body=PLAIN_BODY)
    assert as_proposer.get(new_path(draft)).status_code == 404
    assert as_proposer.get(f"/proposals/{draft.id}/amendments/1").status_code == 404
    running = make_proposal(author, body=PLAIN_BODY)
    form = as_proposer.get(new_path(running))
    with unit_of_work() as session:  # the deadline passes while the form is open
        session.merge(running).consultation_deadline = datetime.now(UTC) - timedelta(minutes=1)
    response = as_proposer.post(new_path(running), {"body": NEW_BODY, "reason": REASON})
    assert form.status_code == 200
    assert response.status_code == 409
    assert 'id="form-errors"' in text(response) and NEW_BODY.split("\n")[0] in text(response)
    assert count(Amendment) == 0


def test_the_author_accepts_and_a_new_version_appears(as_author, as_proposer, proposal):
    propose(as_proposer, proposal)
    path = f"/proposals/{proposal.id}/amendments/1"
    assert "/accept" not in as_proposer.get(path).get_data(as_text=True)
    assert "/accept" in as_author.get(path).get_data(as_text=True)
    refused = as_proposer.post(f"{path}/accept", token_from=path)
    assert refused.status_code == 403 and state_of() == AmendmentState.PROPOSED
    response = as_author.post(f"{path}/accept", token_from=path)
    assert response.status_code == 302 and response.location == path
    assert state_of() == AmendmentState.ACCEPTED
    assert count(ProposalVersion) == 2
    page = text(as_author.get(path))
    assert f"/proposals/{proposal.id}/versions/2" in page
    again = as_author.post(f"{path}/accept", token_from=path)
    assert again.status_code == 409 and count(ProposalVersion) == 2


def test_a_stale_amendment_says_so_and_is_refused(as_author, as_proposer, author, proposal):
    propose(as_proposer, proposal)
    path = f"/proposals/{proposal.id}/amendments/1"
    add_version(proposal, author, PLAIN_BODY + "\n\nAggiunta.")
    page = as_author.get(path).get_data(as_text=True)
    assert "/accept" not in page and "/to-vote" in page
    response = as_author.post(f"{path}/accept", token_from=path)
    assert response.status_code == 409
    assert 'id="action-error"' in response.get_data(as_text=True)
    assert state_of() == AmendmentState.PROPOSED


def test_to_the_vote_and_withdrawal(as_author, as_proposer, proposal):
    propose(as_proposer, proposal)
    propose(as_proposer, proposal, body=NEW_BODY + "\n\nAnche la domenica.")
    first, second = (f"/proposals/{proposal.id}/amendments/{n}" for n in (1, 2))
    assert as_author.post(f"{first}/to-vote", token_from=first).status_code == 302
    assert state_of(1) == AmendmentState.TO_VOTE
    assert as_author.post(f"{second}/withdraw", token_from=second).status_code == 403
    assert as_proposer.post(f"{second}/withdraw", token_from=second).status_code == 302
    assert state_of(2) == AmendmentState.WITHDRAWN
    assert as_proposer.client.post(f"{first}/withdraw").status_code == 400  # no CSRF
    assert as_proposer.post(f"{first}/withdraw", token_from=first).status_code == 409
    assert as_author.get(f"/proposals/{proposal.id}/amendments/3").status_code == 404
    assert as_author.get(f"/proposals/{proposal.id}/amendments/abc").status_code == 404


def test_hostile_text_is_escaped(as_proposer, proposal, client):
    attack = "<script>alert(1)</script> [x](javascript:alert(1))"
    propose(as_proposer, proposal, body=NEW_BODY + "\n\n" + attack, reason=REASON + " " + attack)
    page = client.get(f"/proposals/{proposal.id}/amendments/1").get_data(as_text=True)
    assert "<script>alert" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;" in page
