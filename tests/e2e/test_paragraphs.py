"""Paragraph comments in Chromium: the text's paragraphs numbered § 1, § 2… with one discreet
control each (its words shown on hover and focus, its icon always on a touch screen), none
on headings; the form opens beside the paragraph, quoting it; once commented, "§ 2 · 1
commento" stays visible; the discussion says what its numbers count. axe at 360 and 1280."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.factories import make_proposal

BODY = (
    "## Perché\n\n"
    "Molti anziani vivono soli nei condomini di San Polo.\n\n"
    "## Che cosa proponiamo\n\n"
    "Un custode sociale quattro mattine a settimana.\n\n"
    "Un rapporto pubblico alla fine di ogni anno."
)


@pytest.fixture
def with_headings(author):
    return make_proposal(author, body=BODY)


def width(page: Page, selector: str) -> float:
    return page.eval_on_selector(selector, "(node) => node.getBoundingClientRect().width")


def test_numbers_one_control_per_paragraph_and_the_form_beside_it(
    new_context, with_headings, member
):
    page = new_context(DESKTOP).new_page()
    log_in(page, member.email)
    page.goto(f"/proposals/{with_headings.id}")
    # blocks 0 and 2 are headings: no number, no control; the others are § 1, § 2, § 3
    marks = page.locator(".proposal-text [data-comment-paragraph]")
    expect(marks).to_have_count(3)
    for index in (0, 2):
        expect(page.locator(f"#p-{index} h2")).to_be_visible()
        expect(page.locator(f"#p-{index} .paragraph-mark")).to_have_count(0)
    for index, number in ((1, 1), (3, 2), (4, 3)):
        expect(page.locator(f"#p-{index} .paragraph-number")).to_have_text(f"§\u00a0{number}")
    # the action's words are not written out under every paragraph: they show on hover
    action = "#p-3 .paragraph-action"
    assert width(page, action) <= 1
    expect(page.locator("#p-3 .paragraph-mark")).to_have_accessible_name(
        "§\u00a02 Commenta questo paragrafo"
    )
    page.locator("#p-3 .paragraph-mark").hover()
    expect(page.locator(action)).to_be_visible()
    assert width(page, action) > 50
    axe_check(page)

    # the form opens next to the paragraph, quoting it
    page.locator("#p-3 .paragraph-mark").click()
    form = page.locator("#p-3 + #comment-form")
    expect(form).to_be_visible()
    expect(form.locator("[data-comment-form-context]")).to_contain_text("§ 2")
    expect(form.locator("[data-context-quote]")).to_have_text(
        "Un custode sociale quattro mattine a settimana."
    )
    expect(page.locator("#comment-body")).to_be_focused()
    assert page.locator("#comment-paragraph").input_value() == "3"
    axe_check(page)
    page.fill("#comment-body", "Perché non anche il sabato?")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # once commented, the paragraph says so, and the control stays
    summary = page.locator("#p-3 details.paragraph-comments > summary")
    expect(summary).to_have_text("§\u00a02 · 1 commento")
    expect(page.locator("#p-3 .paragraph-mark")).to_be_visible()
    expect(page.locator("#p-1 details")).to_have_count(0)
    summary.click()
    expect(page.locator("#p-3 details")).to_contain_text("Perché non anche il sabato?")
    # the comment says which paragraph it is about, by its number
    expect(page.locator("#discussion .comment-paragraph").first).to_have_text("sul § 2")
    # what the discussion's numbers count
    expect(page.locator("#discussion-title")).to_have_text("Discussione · 1 commento")
    expect(page.locator(".stance-tally-title")).to_have_text(
        "Posizioni espresse nei commenti sulla versione 1"
    )
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_on_a_touch_phone_the_control_shows_its_icon(new_context, with_headings, member):
    context = new_context(PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    log_in(page, member.email)
    page.goto(f"/proposals/{with_headings.id}")
    icon = page.locator("#p-1 .paragraph-icon")
    expect(icon).to_be_visible()
    assert icon.evaluate("(node) => getComputedStyle(node).opacity") == "1"
    mark = page.locator("#p-1 .paragraph-mark").bounding_box()
    assert mark["width"] >= 44 and mark["height"] >= 44
    page.locator("#p-4 .paragraph-mark").tap()
    expect(page.locator("#p-4 + #comment-form [data-context-quote]")).to_contain_text(
        "Un rapporto pubblico"
    )
    assert horizontal_overflow(page) == 0
    axe_check(page)


def test_the_public_sees_the_numbers_but_no_control(new_context, with_headings):
    page = new_context(PHONE).new_page()
    page.goto(f"/proposals/{with_headings.id}")
    expect(page.locator("#p-1 .paragraph-mark")).to_have_text("§\u00a01")
    expect(page.locator("[data-comment-paragraph]")).to_have_count(0)
    expect(page.locator("#p-0 .paragraph-mark")).to_have_count(0)
    axe_check(page)
