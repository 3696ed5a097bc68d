"""The bell and the amendment pages in Chromium: the count changes live on a phone when someone
else acts, the notification pages and an amendment page pass axe and fit 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from council.domain.community import topics
from council.domain.notifications import notifications
from council.domain.permissions import SYSTEM
from council.domain.proposals import amendments
from council.unit_of_work import unit_of_work
from tests.e2e.conftest import DESKTOP, axe_check, horizontal_overflow, log_in
from tests.factories import PLAIN_BODY, make_proposal

CHANGED = PLAIN_BODY.replace("in ogni quartiere", "in ogni quartiere, anche la sera")


@pytest.fixture
def author(make_user):
    return make_user("stakeholder", name="Anna Autrice")


@pytest.fixture
def proposer(make_user):
    return make_user("member", name="Marco Emendante")


@pytest.fixture
def proposal(author):
    return make_proposal(author, body=PLAIN_BODY)


def test_the_bell_counts_live_on_a_phone(page: Page, new_context, author, proposer, proposal):
    log_in(page, author.email)
    page.goto(f"/proposals/{proposal.id}")
    bell = page.locator("a.bell")
    expect(bell).to_be_visible()
    expect(page.locator("[data-bell-count]")).to_be_hidden()
    expect(page.locator('a.bell[data-joined="yes"]')).to_be_attached()  # in its private room

    other = new_context(DESKTOP).new_page()
    log_in(other, proposer.email)
    other.goto(f"/proposals/{proposal.id}/amendments/new")
    other.fill("#body", CHANGED)
    other.fill("#reason", "Molti anziani sono soli soprattutto la sera.")
    with other.expect_navigation():
        other.locator("form.form button[type=submit]").click()

    expect(page.locator("[data-bell-count]")).to_have_text("1", timeout=5000)
    expect(page.locator("[data-bell-count]")).to_be_visible()
    expect(page.locator("[data-bell-text]")).to_contain_text("1")
    expect(page.locator("#live-announcer")).to_contain_text("1")
    assert horizontal_overflow(page) == 0

    page.locator("a.bell").click()
    expect(page).to_have_url(f"{page.url.split('/notifications')[0]}/notifications")
    item = page.locator(".notification.is-unread .link-button")
    expect(item).to_contain_text("Marco Emendante")
    with page.expect_navigation():
        item.click()
    assert page.url.endswith(f"/proposals/{proposal.id}/amendments/1")
    expect(page.locator("[data-bell-count]")).to_be_hidden()


@pytest.fixture
def inbox(author, proposer, proposal, zone):
    """A proposal with an amendment: its notification read, another one unread; a topic."""
    with unit_of_work() as session:
        topics.save_topic(session, SYSTEM, None, name="Anziani")
        amendment = amendments.propose(
            session, proposer, proposal, body=CHANGED, reason="Soprattutto la sera, d'inverno."
        )
        notifications.notify(
            session, [author], kind="new_version", subject=f"proposal:{proposal.id}",
            url=f"/proposals/{proposal.id}", params={"title": proposal.title, "number": 2},
            actor=SYSTEM,
        )  # fmt: skip
    with unit_of_work() as session:
        rows, _more = notifications.page(session, author)
        notifications.mark_read(session, author, rows[-1].id)
    return amendment


@pytest.mark.parametrize(
    "path",
    ["/notifications", "/notifications/settings", "amendment", "amendment-new", "proposal"],
)
def test_pages_are_accessible_on_a_phone(page: Page, author, proposal, inbox, path):
    log_in(page, author.email)
    target = {
        "amendment": f"/proposals/{proposal.id}/amendments/{inbox.number}",
        "amendment-new": f"/proposals/{proposal.id}/amendments/new",
        "proposal": f"/proposals/{proposal.id}",
    }.get(path, path)
    response = page.goto(target)
    assert response is not None and response.status == 200
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_settings_errors_and_the_amendment_form_errors_pass_axe(page: Page, proposer, proposal):
    log_in(page, proposer.email)
    page.goto(f"/proposals/{proposal.id}/amendments/new")
    page.fill("#reason", "corto")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#reason-error")).to_be_visible()
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_the_settings_by_keyboard(page: Page, author, zone):
    log_in(page, author.email)
    page.goto("/notifications/settings")
    page.locator("#new_comments").focus()
    page.keyboard.press("Space")
    page.select_option("#email", "weekly")
    page.locator("form.form button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#new_comments")).to_be_checked()
    expect(page.locator("#email")).to_have_value("weekly")
