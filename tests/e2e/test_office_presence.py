"""The office in the room, in Chromium: the chair who opens the session from the console is
checked in with it (the note before, no prompt after); the secretary, not present, is asked on
the console and the prompt goes once they check in, without reloading."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, axe_check, log_in
from tests.meeting_helpers import convened_meeting, make_council

PROMPT = "section.office-presence"


def wait_live(page: Page) -> None:
    """live.js has joined the room and drawn the first snapshot."""
    page.wait_for_function("() => window.consiglio?.socket?.connected === true")
    expect(page.locator('[data-live="presence"]').first).not_to_contain_text("—")


def stays(page: Page) -> None:
    page.evaluate("() => { window.__stayed = true; }")


def still_here(page: Page) -> bool:
    """Not reloaded since stays()."""
    return page.evaluate("() => window.__stayed === true")


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def test_the_chair_is_checked_in_by_opening_and_the_secretary_is_asked(new_context, council):
    meeting = convened_meeting(council)
    console = f"/meetings/{meeting.id}/console"
    chair = new_context(DESKTOP).new_page()
    secretary = new_context(DESKTOP).new_page()
    log_in(chair, council.chair.email)
    log_in(secretary, council.secretary.email)
    chair.goto(console)
    secretary.goto(console)
    wait_live(chair)
    wait_live(secretary)
    stays(chair)
    stays(secretary)
    note = chair.locator(".office-presence-note")
    expect(note).to_have_text("Aprendo la seduta risulterai presente.")
    expect(chair.locator(PROMPT)).to_be_hidden()

    chair.locator('form[data-socket="session.open"] button').click()
    expect(chair.locator('[data-live="present"]')).to_contain_text(council.chair.name)
    expect(note).to_be_hidden()
    expect(chair.locator(PROMPT)).to_be_hidden()

    prompt = secretary.locator(PROMPT)
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Non risulti presente: registra la tua presenza")
    axe_check(secretary)
    prompt.get_by_role("button", name="Registra la tua presenza").click()
    expect(prompt).to_be_hidden()
    expect(secretary.locator('[data-live="present"]')).to_contain_text(council.secretary.name)
    assert still_here(chair) and still_here(secretary)
