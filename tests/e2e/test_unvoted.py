"""Proposals left without a vote, in a real Chromium on a 360 px phone: the secretary finds
them on the closed meeting's page, puts one on the next meeting's agenda and sends another
back to consultation; with no next meeting the button is disabled and says why."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from council.extensions import db
from council.models.proposal import Proposal, ProposalState
from tests.e2e.conftest import axe_check, horizontal_overflow, log_in
from tests.factories import make_proposal, reread
from tests.meeting_helpers import make_council
from tests.unvoted_helpers import closed_without_vote, next_meeting


def state_of(proposal) -> ProposalState:
    reread()
    return db.session.get(Proposal, proposal.id).state


def test_the_secretary_deals_with_what_a_closed_meeting_left(page: Page, make_user):
    council = make_council(make_user)
    first = make_proposal(council.stakeholder, title="Orti condivisi in ogni quartiere")
    second = make_proposal(council.stakeholder, title="Sportello casa per le famiglie")
    closed = closed_without_vote(council, first, second)
    log_in(page, council.secretary.email)

    # no next meeting yet: the button is disabled, with the reason beside it
    page.goto(f"/meetings/{closed.id}")
    section = page.locator("#unvoted")
    expect(section).to_contain_text("Proposte rimaste senza voto")
    expect(
        section.get_by_role(
            "button", name="Metti all'ordine del giorno della prossima seduta"
        ).first
    ).to_be_disabled()
    expect(section).to_contain_text("Non c'è ancora una seduta in preparazione o convocata.")
    assert horizontal_overflow(page) == 0
    axe_check(page)

    later = next_meeting(council)
    page.reload()
    item = section.locator("li", has_text="Orti condivisi in ogni quartiere")
    item.get_by_role(
        "button",
        name=re.compile(
            "Metti all'ordine del giorno della prossima seduta: «Seduta ordinaria di gennaio»"
        ),
    ).click()
    expect(page.locator(".flash").first).to_contain_text(
        "all'ordine del giorno della prossima seduta"
    )
    expect(page).to_have_url(re.compile(rf"/meetings/{closed.id}#unvoted$"))
    expect(section).not_to_contain_text("Orti condivisi in ogni quartiere")
    assert state_of(first) == ProposalState.ON_AGENDA
    page.goto(f"/meetings/{later.id}")
    expect(page.locator(".agenda")).to_contain_text("Orti condivisi in ogni quartiere")

    page.goto(f"/meetings/{closed.id}")
    page.locator("#unvoted li", has_text="Sportello casa").get_by_role(
        "link", name="Rimanda in consultazione"
    ).click()
    expect(page.locator("h1")).to_have_text("Rimanda in consultazione")
    assert horizontal_overflow(page) == 0
    axe_check(page)
    page.get_by_role("button", name="Apri la consultazione").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{closed.id}#unvoted$"))
    expect(page.locator(".flash").first).to_contain_text("di nuovo in consultazione")
    expect(page.locator("#unvoted")).to_have_count(0)  # nothing left
    assert state_of(second) == ProposalState.CONSULTATION
