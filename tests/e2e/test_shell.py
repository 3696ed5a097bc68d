"""The shell in a real Chromium: Bootstrap Italia's header (one row of sections at 1280 px, a
menu on a 360 px phone that opens by keyboard and by touch, the current page marked, no label
cut), the footer's links, the accessibility statement whose feedback reaches the secretariat's
outbox, and axe at both widths on the home, a proposal, a meeting and the record."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.factories import make_proposal
from tests.meeting_helpers import convened_meeting, make_council

NAV = "nav.main-nav"
LINKS = f"{NAV} .navbar-nav .nav-link"


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=2)


def cut_labels(page: Page) -> list[str]:
    """The sections whose label does not fit its link (scrollWidth > clientWidth)."""
    return page.eval_on_selector_all(
        LINKS, "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"
    )


def rows(page: Page, selector: str) -> int:
    """On how many lines the visible elements matching the selector sit (boxes that overlap
    vertically share a line)."""
    return page.eval_on_selector_all(
        selector,
        """els => {
            const boxes = els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect())
                .sort((a, b) => a.top - b.top);
            let lines = 0, bottom = -Infinity;
            for (const box of boxes) {
                if (box.top >= bottom - 1) { lines += 1; bottom = box.bottom; }
                else bottom = Math.max(bottom, box.bottom);
            }
            return lines;
        }""",
    )


def test_at_1280_the_brand_and_the_sections_are_one_row(new_context, council):
    page = new_context(DESKTOP).new_page()
    log_in(page, council.admin.email)  # the longest menu: with Administration
    page.goto("/proposals")
    links = page.locator(LINKS)
    expect(links.first).to_be_visible()
    assert rows(page, f".it-brand-wrapper, {LINKS}") == 1, "the brand and the sections: a row"
    assert rows(page, ".it-header-slim-right-zone > *") == 1, "the header's tools wrap"
    assert cut_labels(page) == []
    expect(page.locator("[data-menu-open]")).to_be_hidden()
    current = page.locator(f'{LINKS}[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_have_text("Proposte")
    header = page.locator("header.it-header-wrapper").bounding_box()
    assert header and header["height"] <= 130  # the slim band and that row


def test_on_a_phone_the_menu_opens_by_keyboard_and_closes_with_escape(page: Page, council):
    log_in(page, council.members[0].email)
    page.goto("/meetings")
    opener = page.locator("[data-menu-open]")
    expect(opener).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "false")
    expect(opener).to_have_attribute("aria-controls", "main-menu")
    expect(opener).to_have_accessible_name("Menu")
    expect(page.locator(LINKS).first).to_be_hidden()  # closed: nothing to tab through
    # the header is two rows at most: the slim band, then the brand with the menu button
    assert rows(page, ".it-header-slim-wrapper, .it-header-center-wrapper") == 2
    box = opener.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44

    opener.focus()
    page.keyboard.press("Enter")
    expect(opener).to_have_attribute("aria-expanded", "true")
    current = page.locator(f'{LINKS}[aria-current="page"]')
    expect(current).to_have_text("Sedute")
    expect(current).to_be_focused()  # the focus goes to where one is
    for link in page.locator(LINKS).all():
        expect(link).to_be_visible()
    assert cut_labels(page) == []
    expect(page.locator(".menu-account-link")).to_have_text(council.members[0].name)
    axe_check(page)

    page.keyboard.press("Escape")
    expect(opener).to_have_attribute("aria-expanded", "false")
    expect(opener).to_be_focused()
    expect(page.locator(LINKS).first).to_be_hidden()
    assert horizontal_overflow(page) == 0


def test_on_a_phone_the_menu_opens_by_touch_and_leads_to_a_section(new_context):
    page = new_context(PHONE, has_touch=True).new_page()
    page.goto("/")
    page.locator("[data-menu-open]").tap()
    expect(page.locator("[data-menu-open]")).to_have_attribute("aria-expanded", "true")
    # Tab stays inside the open menu: from the last link back to its first control
    page.locator(LINKS).last.focus()
    page.keyboard.press("Tab")
    expect(page.locator("[data-menu-close]")).to_be_focused()
    page.locator("[data-menu-close]").tap()
    expect(page.locator("[data-menu-open]")).to_have_attribute("aria-expanded", "false")

    page.locator("[data-menu-open]").tap()
    with page.expect_navigation():
        page.locator(LINKS, has_text="Deliberazioni").tap()
    expect(page).to_have_url(re.compile(r"/decisions$"))
    page.locator("[data-menu-open]").tap()
    expect(page.locator(f'{LINKS}[aria-current="page"]')).to_have_text("Deliberazioni")


def test_without_javascript_the_sections_are_a_list(new_context):
    page = new_context(PHONE, java_script_enabled=False).new_page()
    page.goto("/")
    expect(page.locator("[data-menu-open]")).to_be_hidden()
    for link in page.locator(LINKS).all():
        expect(link).to_be_visible()
    assert cut_labels(page) == []
    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize(
    ("name", "path", "heading"),
    [
        ("Registro pubblico", "/record", "Registro pubblico"),
        ("Dati aperti", "/open-data", "Dati aperti"),
        ("Dichiarazione di accessibilità", "/accessibility", "Dichiarazione di accessibilità"),
        ("Privacy", "/privacy", "Privacy"),
    ],
)
def test_the_footers_links(page: Page, name, path, heading):
    page.goto("/")
    footer = page.locator("footer")
    link = footer.get_by_role("link", name=name, exact=True)
    expect(link).to_have_attribute("href", path)
    with page.expect_navigation():
        link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_accessibility_feedback_reaches_the_secretariats_outbox(app, page: Page, council):
    outbox = Path(app.config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    before = set(outbox.glob("*.eml"))
    page.goto("/accessibility")
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Invia alla segreteria").click()  # nothing written
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.get_by_label("Che cosa non ti è accessibile")).to_have_attribute(
        "aria-invalid", "true"
    )
    page.get_by_label("Che cosa non ti è accessibile").fill(
        "Il calendario delle sedute non si legge ingrandendo il testo al 200%."
    )
    page.get_by_label("Quale pagina o documento (facoltativo)").fill("/meetings")
    page.get_by_label("La tua e-mail (facoltativa: senza, non possiamo risponderti)").fill(
        "lettrice@example.net"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Invia alla segreteria").click()
    expect(page.locator(".flash-success")).to_contain_text("inviato alla segreteria")
    axe_check(page)
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(set(outbox.glob("*.eml")) - before)
    ]
    assert [m["To"] for m in mails] == [council.secretary.email]
    assert "200%" in mails[0].get_body(preferencelist=("plain",)).get_content()
    assert mails[0]["Reply-To"] == "lettrice@example.net"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_axe_on_the_home_a_proposal_a_meeting_and_the_record(new_context, council, viewport):
    proposal = make_proposal(council.stakeholder)
    meeting = convened_meeting(council)
    page = new_context(viewport).new_page()
    log_in(page, council.members[0].email)
    for path in ("/", f"/proposals/{proposal.id}", f"/meetings/{meeting.id}", "/record"):
        page.goto(path)
        expect(page.locator("header.it-header-wrapper")).to_be_visible()
        axe_check(page)
        assert horizontal_overflow(page) == 0, path
        assert cut_labels(page) == [], path
