"""Online consultations in Chromium on a 360 px phone: a member ranks the options (the place
selects swap with JavaScript), sends, sees the response and the Borda results; the multiple
choice stops at its maximum; every page passes axe and fits; the header's sections stay on
one row."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.consultation_helpers import OPTIONS, draft, opened, respond
from tests.e2e.conftest import axe_check, horizontal_overflow, log_in
from tests.meeting_helpers import make_council


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=3)


def rank(page: Page, label: str):
    return page.get_by_label(label, exact=True)


def test_a_member_ranks_the_options_on_a_phone(page: Page, council):
    consultation = opened(council.secretary, kind="ranking")
    respond(council.members[1], consultation, 4, 3, 2, 1)
    log_in(page, council.members[0].email)
    page.goto("/consultations")
    expect(page.get_by_role("link", name=consultation.title)).to_be_visible()
    axe_check(page)
    assert horizontal_overflow(page) == 0
    # the header's sections are behind the menu button on a phone (tests/e2e/test_shell.py)
    expect(page.locator("[data-menu-open]")).to_be_visible()

    page.get_by_role("link", name=consultation.title).click()
    expect(page.get_by_role("heading", name="La tua risposta")).to_be_visible()
    axe_check(page)
    assert horizontal_overflow(page) == 0
    for place, label in enumerate(OPTIONS, start=1):
        rank(page, label).select_option(str(place))
    rank(page, OPTIONS[3]).select_option("1")  # taken by the first: they swap
    expect(rank(page, OPTIONS[0])).to_have_value("4")
    with page.expect_navigation():
        page.get_by_role("button", name="Invia la mia risposta").click()

    expect(page.locator(".flash-success")).to_contain_text("La tua risposta è registrata")
    expect(rank(page, OPTIONS[3])).to_have_value("1")
    expect(page.get_by_role("button", name="Cambia la mia risposta")).to_be_visible()
    results = page.locator("#results")
    expect(results).to_contain_text("2 persone hanno risposto")
    expect(results).to_contain_text("metodo di Borda")
    expect(results.locator(".result").first).to_contain_text(OPTIONS[3])
    expect(results.locator(".result").first).to_contain_text("6 punti")
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_a_multiple_choice_stops_at_its_maximum(page: Page, council):
    consultation = opened(council.secretary, kind="multiple", max_choices=2,
                          audience="stakeholders")  # fmt: skip
    log_in(page, council.stakeholder.email)
    page.goto(f"/consultations/{consultation.id}")
    page.get_by_label(OPTIONS[0]).check()
    page.get_by_label(OPTIONS[2]).check()
    expect(page.get_by_label(OPTIONS[1])).to_be_disabled()
    page.get_by_label(OPTIONS[0]).uncheck()
    expect(page.get_by_label(OPTIONS[1])).to_be_enabled()
    page.get_by_label(OPTIONS[1]).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Invia la mia risposta").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_label(OPTIONS[1])).to_be_checked()
    expect(page.get_by_label(OPTIONS[2])).to_be_checked()
    axe_check(page)


def test_the_secretariat_pages_pass_axe_on_a_phone(page: Page, council):
    consultation = draft(council.secretary)
    log_in(page, council.secretary.email)
    for path in ("/consultations", "/consultations/new", f"/consultations/{consultation.id}",
                 f"/consultations/{consultation.id}/edit"):  # fmt: skip
        page.goto(path)
        axe_check(page)
        assert horizontal_overflow(page) == 0, path
    page.goto("/consultations/new")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva la bozza").click()
    expect(page.locator("#form-errors")).to_be_visible()
    axe_check(page)
