"""One's devices in Chromium: the account page lists them, fits 360 and 1280 px and passes
axe; "log out of every device" on the laptop turns the phone's open page, live, into the
public's (its socket is told session.ended and the page reloads)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in


@pytest.fixture
def member(make_user):
    return make_user("member", name="Marco Rossi", email="marco@example.org")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_account_page_lists_the_devices(new_context, member, viewport):
    other = new_context(DESKTOP).new_page()
    log_in(other, member.email)
    page = new_context(viewport).new_page()
    log_in(page, member.email)
    page.goto("/account")
    devices = page.locator("li.session")
    expect(devices).to_have_count(2)
    expect(devices.first).to_contain_text("Questo dispositivo")
    expect(devices.first).to_contain_text("Chrome")
    expect(page.get_by_role("button", name="Esci da tutti i dispositivi")).to_be_visible()
    assert horizontal_overflow(page) == 0
    axe_check(page)

    other.goto("/account")
    with other.expect_navigation():
        other.locator("li.session").filter(has_not_text="Questo dispositivo").get_by_role(
            "button"
        ).click()
    expect(other.locator("li.session")).to_have_count(1)
    page.goto("/account")
    expect(page.get_by_role("banner").get_by_role("link", name="Accedi")).to_be_visible()


def test_a_page_whose_login_ends_elsewhere_becomes_the_public_s(
    page: Page, new_context, member, proposal
):
    log_in(page, member.email)
    page.goto(f"/proposals/{proposal.id}")
    expect(page.locator('a.bell[data-joined="yes"]')).to_be_attached()  # its socket is in
    laptop = new_context(DESKTOP).new_page()
    log_in(laptop, member.email)
    laptop.goto("/account")
    with laptop.expect_navigation():
        laptop.get_by_role("button", name="Esci da tutti i dispositivi").click()
    expect(laptop.locator("main")).to_contain_text("Disconnessione eseguita su tutti i dispositivi")
    # the phone did nothing: its page reloads by itself, logged out
    expect(page.get_by_role("banner").get_by_role("link", name="Accedi")).to_be_visible()
    expect(page.locator("a.bell")).to_have_count(0)
    assert page.url.endswith(f"/proposals/{proposal.id}")
