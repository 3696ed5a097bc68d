"""Text that would cost seconds to render, posted through the pages: refused at once with a
clear message and nothing stored; a text stored before the budget existed still shows (as
typed) on every page that lists or shows it; the public pages read what was rendered when
it was written, without converting it again."""

from __future__ import annotations

from sqlalchemy import func, select, update

from council.domain.discussion import comment_rules
from council.domain.proposals import proposals as proposal_rules
from council.extensions import db
from council.models.comment import Comment
from council.models.proposal import Proposal, ProposalVersion
from council.models.rendered_text import RenderedText
from council.unit_of_work import unit_of_work
from tests.factories import make_proposal
from tests.hostile_markdown import SHAPES, council_prose, count_conversions

WORST = SHAPES["link openers"](48_000)  # "[a](" * 12000: about 19 s before the budget
REFUSED_IT = "troppo complesso"


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_live_preview_refuses_the_worst_text_in_italian(as_, council):
    web = as_("stakeholder")
    token = web.token("/proposals/new")
    answer = web.client.post(
        "/proposals/preview", data={"body": WORST}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid"
    assert REFUSED_IT in answer.get_json()["message"]


def test_a_proposal_with_the_worst_body_is_refused_and_the_form_kept(as_, council, zone):
    web = as_("stakeholder")
    before = db.session.scalar(select(func.count()).select_from(Proposal))
    data = {"title": "Spazio compiti", "body": WORST, "topic": "", "zones": [str(zone.id)],
            "action": "save"}  # fmt: skip
    answer = web.post("/proposals/new", data, token_from="/proposals/new")
    assert answer.status_code == 422
    assert REFUSED_IT in text(answer)
    assert 'value="Spazio compiti"' in text(answer)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == before


def test_a_comment_with_the_worst_body_is_refused(as_, council):
    proposal = make_proposal(council.stakeholder)
    web = as_("member")
    url = f"/proposals/{proposal.id}/comments"
    hostile = SHAPES["link openers"](comment_rules.MAX_BODY)
    data = {"body": hostile, "stance": "", "parent": "", "paragraph": "", "next": url}
    answer = web.post(url, data, token_from=url)
    assert answer.status_code == 422
    assert REFUSED_IT in text(answer)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def _as_stored_before_the_budget(proposal: Proposal, body: str) -> None:
    """What an older version stored: the text, with no rendering kept."""
    with unit_of_work() as session:
        session.execute(
            update(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal.id)
            .values(body=body)
        )
        session.execute(RenderedText.__table__.delete())


def test_a_stored_worst_body_shows_as_typed_on_the_list_and_its_page(web, council, monkeypatch):
    proposal = make_proposal(council.stakeholder, title="Testo ostile")
    _as_stored_before_the_budget(proposal, WORST + "\n\n<script>alert(1)</script>")
    conversions = count_conversions(monkeypatch)
    listing = web.get("/proposals")
    assert listing.status_code == 200 and "Testo ostile" in text(listing)
    page = web.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert "[a]([a]([a](" in text(page)
    assert "<script>alert(1)</script>" not in text(page)
    # converting stops within the budget; the text is then kept as typed for the next reader
    made = conversions.made
    assert web.get(f"/proposals/{proposal.id}").status_code == 200
    assert conversions.made == made


def test_public_pages_read_what_was_rendered_when_written(as_, web, council, monkeypatch):
    proposal = make_proposal(council.stakeholder, body="Un **doposcuola** in ogni zona.")
    member = as_("member")
    url = f"/proposals/{proposal.id}/comments"
    data = {"body": "Sono *favorevole*.", "stance": "", "parent": "", "paragraph": "", "next": url}
    assert member.post(url, data, token_from=url).status_code == 302
    conversions = count_conversions(monkeypatch)
    page = text(web.get(f"/proposals/{proposal.id}"))
    assert "<strong>doposcuola</strong>" in page and "<em>favorevole</em>" in page
    assert "doposcuola in ogni zona" in text(web.get("/proposals"))
    assert conversions.made == 0


def test_the_longest_council_text_is_accepted(as_, council, zone):
    web = as_("stakeholder")
    body = council_prose(proposal_rules.MAX_BODY)
    data = {"title": "Piano di zona", "body": body, "topic": "", "zones": [str(zone.id)],
            "action": "save"}  # fmt: skip
    answer = web.post("/proposals/new", data, token_from="/proposals/new")
    assert answer.status_code == 302, text(answer)[:500]
