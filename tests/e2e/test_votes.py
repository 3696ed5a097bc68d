"""The pages of a vote in Chromium, as a visitor without an account opens them on a phone: the
decision, the named and the secret poll, the list of decisions and the meeting's votes;
axe finds nothing serious and nothing scrolls sideways at 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, axe_check, horizontal_overflow
from tests.meeting_helpers import detach
from tests.poll_helpers import group_council, story


@pytest.fixture
def told(make_user):
    return story(detach(group_council(make_user)))


def opened(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    axe_check(page)
    assert horizontal_overflow(page) == 0, f"{path} scrolls sideways"


def test_a_decision_and_its_trail_on_a_phone(page: Page, told):
    year = told.approved.year
    opened(page, "/decisions")
    page.get_by_role("link", name=f"{year}/001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deliberazione n. {year}/001")
    axe_check(page)
    assert horizontal_overflow(page) == 0
    expect(page.locator(".vote-outcome")).to_contain_text(
        "Regola applicata: maggioranza semplice. Favorevoli 5, ne servivano almeno 4: approvata."
    )
    trail = page.get_by_role("table", name="Eventi del registro per questa deliberazione")
    expect(trail.get_by_role("row")).to_have_count(6)  # the header and five events
    expect(trail).to_contain_text(f"È stata registrata la deliberazione n. {year}/001.")
    page.get_by_role("link", name="Votazione palese, maggioranza semplice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approvare la proposta?")


def test_the_named_and_the_secret_poll_on_a_phone(page: Page, told):
    opened(page, f"/polls/{told.named.id}")
    ballots = page.get_by_role("table", name="Voti per consigliere, in ordine alfabetico")
    expect(ballots.get_by_role("row", name="Realtà 4")).to_contain_text("per delega")
    expect(page.get_by_role("table", name="Voti per gruppo del Consiglio")).to_be_visible()
    opened(page, f"/polls/{told.secret.id}")
    expect(page.get_by_role("heading", name="Chi ha partecipato (9)")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)  # no table of votes by person or group
    expect(page.get_by_text("Una votazione segreta non ha risultati per gruppo")).to_be_visible()
    page.get_by_role("link", name="Come funziona il voto segreto").first.click()
    expect(
        page.get_by_role("heading", name="Chi potrebbe scoprire come hai votato")
    ).to_be_visible()
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_the_meeting_lists_its_votes_on_a_desktop(new_context, told):
    page = new_context(DESKTOP).new_page()
    opened(page, f"/meetings/{told.meeting.id}")
    votes = page.get_by_role("region", name="Votazioni")
    expect(votes.get_by_role("listitem")).to_have_count(3)
    votes.get_by_role("link", name=f"Deliberazione n. {told.rejected.year}/002").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Deliberazione n. {told.rejected.year}/002"
    )
    axe_check(page)
