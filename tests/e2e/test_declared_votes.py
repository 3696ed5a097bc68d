"""A vote declared aloud (appello nominale) in Chromium: the chair, at 1280 x 800, records the
vote a member without a device declares; it takes a confirming step, counts once, leaves the
list of those still to vote, and the named list shows it labelled, on the console and on the
projector."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from council.domain.voting import polls
from council.extensions import db
from council.models.poll import Ballot
from tests.e2e.conftest import DESKTOP, PHONE, log_in
from tests.e2e.test_live_session import stays, still_here, wait_live
from tests.e2e.test_live_votes import accessible, count, poll_on
from tests.factories import reread
from tests.meeting_helpers import make_council, running_meeting
from tests.poll_helpers import run


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=4)


def test_the_chair_records_a_vote_declared_aloud_and_it_appears_labelled(new_context, council):
    a, b, no_device, d = council.members
    meeting = running_meeting(council)
    poll = poll_on(council, meeting)
    run(polls.cast_ballot, a, poll, "against", "a-1")
    chair = new_context(DESKTOP).new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    wait_live(chair)
    stays(chair)
    projector = new_context(PHONE).new_page()
    projector.goto(f"/meetings/{meeting.id}/live")
    wait_live(projector)

    box = chair.locator('[data-live="declared-votes"]')
    expect(box).to_be_visible()
    expect(box).to_contain_text("Voti dichiarati a voce")
    row = box.locator(f'[data-declare-member="{no_device.public_id}"]')
    expect(row).to_contain_text(no_device.name)
    expect(box.locator(f'[data-declare-member="{a.public_id}"]')).to_have_count(0)  # voted
    accessible(chair)

    row.get_by_role("button", name=f"Favorevole — {no_device.name}").click()
    expect(row).to_contain_text(f"Registrare per {no_device.name}: favorevole?")
    assert count(Ballot, poll) == 1  # nothing recorded before the confirmation
    accessible(chair)
    row.get_by_role("button", name="Annulla").click()  # changed their mind: back to the choices
    row = box.locator(f'[data-declare-member="{no_device.public_id}"]')
    expect(row.get_by_role("button", name=f"Contrario — {no_device.name}")).to_be_visible()
    row.get_by_role("button", name=f"Astenuto — {no_device.name}").click()
    row.get_by_role("button", name="Conferma").click()

    expect(box.locator(f'[data-declare-member="{no_device.public_id}"]')).to_have_count(0)
    expect(box.locator(f'[data-declare-member="{b.public_id}"]')).to_be_visible()
    # the focus moves on to the next member of the roll call
    expect(box.locator(f'[data-declare-member="{d.public_id}"] button').first).to_be_focused()
    label = f"dichiarato a voce, registrato da {council.chair.name}"
    for screen in (chair, projector):
        line = screen.locator(".vote-table tr", has_text=no_device.name)
        expect(line).to_contain_text(label)
        expect(line).to_contain_text("astenuto")
        expect(screen.locator(".vote-progress")).to_contain_text("Hanno votato 2 di")
    reread()
    stored = db.session.scalar(select(Ballot).where(Ballot.cast_for_id == no_device.id))
    assert (stored.choice.value, stored.entered_by_id) == ("abstain", council.chair.id)
    assert count(Ballot, poll) == 2
    assert still_here(chair)
    accessible(chair)
