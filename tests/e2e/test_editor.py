"""The writing boxes in Chromium: the toolbar puts markdown around the selection (by mouse and
by keyboard), the preview shows what the server's sanitizer makes of the text (a typed script
never runs), beside the text at 1280 px and behind the "Anteprima" tab at 360 px; axe clean."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from council.domain.discussion import comment_rules
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.hostile_markdown import SHAPES

SCRIPT = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def select(page: Page, selector: str, words: str) -> None:
    """Select `words` inside the textarea, as a mouse drag would."""
    page.eval_on_selector(
        selector,
        """(box, words) => { const at = box.value.indexOf(words);
                             box.focus(); box.setSelectionRange(at, at + words.length); }""",
        words,
    )


def test_bold_around_a_selection_and_the_preview_beside_the_text(new_context, proposal, member):
    page = new_context(DESKTOP).new_page()
    log_in(page, member.email)
    page.goto(f"/proposals/{proposal.id}")
    box = page.locator("#comment-body")
    box.fill("Un punto importante da chiarire.")
    select(page, "#comment-body", "importante")
    bold = page.get_by_role("button", name="Grassetto")
    bold.hover()
    tip = bold.locator("xpath=following-sibling::*[contains(@class, 'md-tip')]")
    expect(tip).to_be_visible()  # the visible tooltip, in Italian
    expect(tip).to_have_text("Grassetto · Ctrl+B")
    bold.click()
    expect(box).to_have_value("Un punto **importante** da chiarire.")
    # at 1280 px the preview sits beside the text: no tab to choose
    expect(page.locator("[data-md-tab=preview]")).to_be_hidden()
    output = page.locator("#comment-body-preview [data-md-output]")
    expect(output.locator("strong")).to_have_text("importante")
    box_left = box.bounding_box()["x"]
    expect(output).to_be_visible()
    assert output.bounding_box()["x"] > box_left + 200, "the preview is not beside the text"

    # a script typed in the text is rendered by the server's sanitizer: dropped, never run
    box.fill(f"Testo con **forza** {SCRIPT}")
    expect(output.locator("strong")).to_have_text("forza")
    assert output.locator("script, img").count() == 0
    assert page.evaluate("() => window.pwned") is None
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_the_toolbar_by_keyboard(new_context, proposal, member):
    page = new_context(DESKTOP).new_page()
    log_in(page, member.email)
    page.goto(f"/proposals/{proposal.id}")
    box = page.locator("#comment-body")
    box.fill("Prima voce\nSeconda voce")
    select(page, "#comment-body", "Prima voce\nSeconda voce")
    # one Tab stop for the toolbar; the arrows move inside it
    page.get_by_role("button", name="Grassetto").focus()
    page.keyboard.press("End")
    expect(page.get_by_role("button", name="Link")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("button", name="Elenco puntato")).to_be_focused()
    expect(page.locator("[data-md=bullets] + .md-tip")).to_be_visible()
    page.keyboard.press("Enter")
    expect(box).to_have_value("- Prima voce\n- Seconda voce")
    output = page.locator("#comment-body-preview [data-md-output]")
    expect(output.locator("li")).to_have_count(2)
    # Ctrl+I in the text: italics around the selection
    select(page, "#comment-body", "Seconda")
    page.keyboard.press("Control+i")
    expect(box).to_have_value("- Prima voce\n- *Seconda* voce")
    expect(output.locator("em")).to_have_text("Seconda")


def test_on_a_phone_the_preview_is_a_tab(new_context, proposal, author):
    page = new_context(PHONE).new_page()
    log_in(page, author.email)
    page.goto("/proposals/new")
    box = page.locator("#body")
    write, preview = page.locator("[data-md-tab=write]"), page.locator("[data-md-tab=preview]")
    expect(write).to_have_text("Scrivi")
    expect(preview).to_have_text("Anteprima")
    box.fill(f"## Spazio compiti\n\n- martedì\n- giovedì\n\n{SCRIPT}")
    output = page.locator("#body-preview [data-md-output]")
    expect(output).to_be_hidden()
    preview.click()
    expect(preview).to_have_attribute("aria-selected", "true")
    expect(box).to_be_hidden()
    expect(output.locator("h2")).to_have_text("Spazio compiti")
    expect(output.locator("li")).to_have_count(2)
    assert output.locator("script, img").count() == 0
    assert page.evaluate("() => window.pwned") is None
    assert horizontal_overflow(page) == 0
    axe_check(page)
    # back to the text, where the toolbar works
    write.click()
    expect(box).to_be_visible()
    box.fill("Orari")
    select(page, "#body", "Orari")
    page.get_by_role("button", name="Titolo").click()
    expect(box).to_have_value("## Orari")
    assert horizontal_overflow(page) == 0
    axe_check(page)


def test_a_text_refused_on_save_is_refused_in_the_preview(new_context, proposal, member):
    page = new_context(DESKTOP).new_page()
    log_in(page, member.email)
    page.goto(f"/proposals/{proposal.id}")
    page.locator("#comment-body").fill(SHAPES["link openers"](comment_rules.MAX_BODY))
    status = page.locator("#comment-body-preview [data-md-status]")
    expect(status).to_contain_text("Questo testo è troppo complesso da impaginare")
    page.locator("#comment-body").fill("Più corto.")
    expect(status).to_be_hidden()
    expect(page.locator("#comment-body-preview [data-md-output]")).to_have_text("Più corto.")
