"""Proposals in a real Chromium on a 360 px phone: a stakeholder writes a proposal with the
preview, saves the draft and submits it; another organisation supports it. axe on the list,
the page, the editor and the differences; the editor's preview without JavaScript too."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from council.clock import ROME
from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations
from council.domain.proposals import proposals as ops
from council.extensions import db
from council.models.proposal import Proposal, ProposalState
from council.unit_of_work import unit_of_work
from tests.e2e.conftest import PHONE, axe_check, horizontal_overflow, log_in

BODY = (
    "Nei condomini Aler di San Polo vivono molti anziani soli.\n\n"
    "Proponiamo un **custode sociale** quattro mattine a settimana.\n\n"
    "- un operatore a 24 ore\n- un locale al piano terra"
)


@pytest.fixture
def people(make_user, zone):
    with unit_of_work() as session:
        other = organisations.save_organisation(
            session, SYSTEM, None, name="Banco del Tempo Buffalora", kind="ODV", zone=zone
        )
    return {
        "author": make_user("stakeholder", email="autrice@example.org", name="Anna Autrice"),
        "supporter": make_user("stakeholder", email="banco@example.org", name="Bruno Banco",
                               organisation=other),
    }  # fmt: skip


def checked(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0, f"{page.url} scrolls sideways on a phone"


def test_write_preview_save_submit_and_support_on_a_phone(new_context, people, zone):
    page = new_context(PHONE).new_page()
    log_in(page, "autrice@example.org")
    page.goto("/proposals")
    page.locator("a[href='/proposals/new']").first.click()
    expect(page).to_have_url(re.compile(r"/proposals/new$"))
    page.fill("#title", "Custode sociale nei condomini Aler di San Polo")
    page.fill("#body", BODY)
    # the live preview (editor.js) renders through the server's sanitizer: a tab on a phone
    page.locator("[data-md-tab=preview]").click()
    live = page.locator("[data-md-output]")
    expect(live.locator("strong")).to_have_text("custode sociale")
    page.locator("[data-md-tab=write]").click()
    page.locator(f"input[name=zones][value='{zone.id}']").check()
    checked(page)
    # the "Preview" button: the server renders the text and keeps the form filled
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("#preview strong")).to_have_text("custode sociale")
    expect(page.locator("#title")).to_have_value("Custode sociale nei condomini Aler di San Polo")
    expect(page.locator(f"input[name=zones][value='{zone.id}']")).to_be_checked()
    # save the draft
    page.locator("button[name=action][value=save]").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    proposal_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#p-1")).to_contain_text("custode sociale")
    expect(page.locator(".proposal-status .badge")).to_have_text(re.compile("Draft|Bozza"))
    checked(page)
    # submit it for consultation, with a closing date in Italian time
    page.locator(f"a[href='/proposals/{proposal_id}/submit']").click()
    day = (datetime.now(ROME) + timedelta(days=21)).date()
    page.fill("#deadline_date", day.isoformat())
    page.fill("#deadline_time", "18:00")
    checked(page)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal_id}$"))
    expect(page.locator(".proposal-status")).to_contain_text("18:00")
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    assert proposal.state == ProposalState.CONSULTATION
    assert proposal.consultation_deadline == datetime(
        day.year, day.month, day.day, 18, 0, tzinfo=ROME
    ).astimezone(UTC)

    # another organisation supports it, from another phone
    other = new_context(PHONE).new_page()
    log_in(other, "banco@example.org")
    other.goto(f"/proposals/{proposal_id}")
    checked(other)
    support = other.locator(f"form[action='/proposals/{proposal_id}/support'] button")
    expect(support).to_contain_text("Banco del Tempo Buffalora")
    support.click()
    expect(other.locator("#supports li")).to_have_text(["Banco del Tempo Buffalora"])
    expect(
        other.locator(f"form[action='/proposals/{proposal_id}/support/withdraw'] button")
    ).to_be_visible()
    # the public list shows it with its support
    other.goto("/proposals")
    item = other.locator(".proposal-item", has_text="Custode sociale nei condomini Aler")
    expect(item.locator(".proposal-item-facts dd").last).to_have_text("1")  # supports
    checked(other)


@pytest.fixture
def versions(people):
    author = people["author"]
    with unit_of_work() as session:
        proposal = ops.create(session, author, title="Spazio compiti", body="Il lunedì.\n\nFine.")
    with unit_of_work() as session:
        ops.submit(session, author, proposal, deadline=datetime.now(UTC) + timedelta(days=9))
    with unit_of_work() as session:
        ops.edit(session, author, proposal, title="Spazio compiti nei Punti di comunità",
                 body="Il lunedì e il giovedì.\n\nFine.", topic=None, zones=[],
                 change_note="Un secondo pomeriggio")  # fmt: skip
    return proposal


def test_list_page_and_differences_are_accessible(page: Page, versions):
    page.goto("/proposals")
    checked(page)
    page.goto(f"/proposals/{versions.id}")
    checked(page)
    page.goto(f"/proposals/{versions.id}/diff?from=1&to=2")
    expect(page.locator(".diff ins")).to_contain_text("e il giovedì")
    expect(page.locator(".diff-notes")).to_contain_text("Un secondo pomeriggio")
    checked(page)
    page.goto(f"/proposals/{versions.id}/versions/1")
    checked(page)


def test_the_editor_preview_works_without_javascript(new_context, people):
    page = new_context(PHONE, java_script_enabled=False).new_page()
    log_in(page, "autrice@example.org")
    page.goto("/proposals/new")
    expect(page.locator("[data-md-bar]")).to_be_hidden()  # no toolbar, no tabs: the box alone
    expect(page.locator("[data-md-preview]")).to_be_hidden()
    page.fill("#title", "Senza script")
    page.fill("#body", "Testo *in corsivo*.")
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("#preview em")).to_have_text("in corsivo")
    page.locator("button[name=action][value=save]").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    assert db.session.scalar(select(Proposal.title)) == "Senza script"


def test_the_page_tells_of_changes_live(page: Page, versions, people):
    page.goto(f"/proposals/{versions.id}")
    notice = page.locator("[data-proposal-changed]")
    expect(notice).to_be_hidden()
    page.wait_for_function("() => window.consiglio && window.consiglio.socket.connected")
    page.wait_for_timeout(300)  # the room is joined right after connecting
    with unit_of_work() as session:
        proposal_organisations.support(session, people["supporter"], versions)
    expect(page.locator("[data-support-count]")).to_have_text("1")
    expect(notice).to_be_hidden()
    with unit_of_work() as session:
        ops.edit(session, people["author"], versions, title=versions.title,
                 body="Il lunedì, il giovedì e il sabato.\n\nFine.",
                 topic=None, zones=[])  # fmt: skip
    expect(notice).to_be_visible()
    expect(page.locator("#live-announcer")).to_have_text(notice.get_attribute("data-message"))
    checked(page)
