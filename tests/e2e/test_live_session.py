"""The live session in Chromium: the chair's console on a desktop and a member's phone in two
browser contexts (the chair's actions appear on the phone without reloading), a dropped
connection that resynchronises, and every meeting page accessible at 360 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from council.domain.meetings import live_session, speakers
from council.unit_of_work import unit_of_work
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.meeting_helpers import convened_meeting, make_council, new_meeting, running_meeting


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def stays(page: Page) -> None:
    """Mark the document: if the page reloads or navigates, the mark is gone."""
    page.evaluate("() => { window.__stayed = true; }")


def still_here(page: Page) -> bool:
    return page.evaluate("() => window.__stayed === true")


def wait_live(page: Page) -> None:
    """live.js has joined the room and drawn the first snapshot."""
    page.wait_for_function(
        "() => window.consiglio && window.consiglio.socket && window.consiglio.socket.connected"
    )
    expect(page.locator('[data-live="presence"]').first).not_to_contain_text("—")


def test_the_chairs_actions_appear_on_the_members_phone(new_context, council):
    meeting = convened_meeting(council)
    member = council.members[0]
    chair = new_context(DESKTOP).new_page()
    phone = new_context(PHONE).new_page()
    log_in(chair, council.chair.email)
    log_in(phone, member.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(chair)
    wait_live(phone)
    stays(chair)
    stays(phone)

    chair.locator('form[data-socket="session.open"] button').click()
    expect(phone.locator('[data-live="state"] .badge-success')).to_be_visible()
    first_item = meeting.items[0]
    chair.locator("#console-agenda > summary").click()  # the agenda, one step away
    chair.locator(
        f'li[data-item="{first_item.id}"] form[data-socket="agenda.move_to"] button'
    ).click()
    expect(phone.locator('[data-live="current-item"]')).to_contain_text(first_item.title)
    expect(phone.locator(f'li[data-item="{first_item.id}"]')).to_have_attribute(
        "aria-current", "step"
    )

    # the member checks in from the phone: the chair sees it, and the phone offers to speak
    phone.locator('form[data-socket="attendance.check_in"] button').click()
    chair.locator("#console-attendance > summary").click()  # the roll call, one step away
    expect(chair.locator('[data-live="present"]')).to_contain_text(member.name)
    expect(
        chair.locator(f'li[data-member="{member.public_id}"] [data-live="roll-present"]')
    ).to_be_visible()
    speak = phone.locator('form[data-socket="speakers.request"]')
    expect(speak).to_be_visible()
    speak.get_by_label("Chiedi la parola per").select_option("point_of_order")
    speak.locator("button[type=submit]").click()
    queue = chair.locator('[data-live="queue"]')
    expect(queue).to_contain_text(member.name)
    expect(phone.locator('[data-live="queue"] button')).to_be_visible()  # withdraw, own

    # the chair gives the floor: the phone shows the speaker and a running timer
    chair.locator("#minutes").select_option("2")
    queue.locator("button.button-primary").first.click()
    expect(phone.locator('[data-live="speaker"]')).to_contain_text(member.name)
    expect(phone.locator('[data-live="timer"]')).to_have_count(2)
    for timer in phone.locator('[data-live="timer"]').all():  # the list's, and my banner's
        expect(timer).to_contain_text("1:5")  # counting down from 2:00
    expect(phone.locator('[data-now="floor"]')).to_contain_text("Hai la parola")
    expect(phone.locator('[data-live="queue"]')).not_to_contain_text(member.name)

    chair.locator('[data-live="end-form"] button').click()
    expect(phone.locator('[data-live="speaker"]')).not_to_contain_text(member.name)
    chair.locator('form[data-socket="session.suspend"] button').click()
    expect(phone.locator('[data-live="state"] .badge-warning')).to_be_visible()
    assert still_here(chair) and still_here(phone)
    with unit_of_work() as session:
        heard = speakers.interventions(session, meeting)
    assert len(heard) == 1 and heard[0].limit_s == 120 and heard[0].seconds is not None


def test_a_phone_that_lost_the_connection_catches_up(new_context, council):
    meeting = running_meeting(council)
    member = council.members[0]
    phone = new_context(PHONE).new_page()
    log_in(phone, member.email)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(phone)
    stays(phone)
    phone.evaluate("() => window.consiglio.socket.disconnect()")
    expect(phone.locator('[data-live="connection"]')).to_be_visible()

    with unit_of_work() as session:  # meanwhile, in the room
        request = speakers.request(session, council.members[1], meeting.id, kind="reply",
                                   client_id="other-1")  # fmt: skip
        speakers.give_floor(session, council.chair, meeting.id, request.id)
    phone.evaluate("() => window.consiglio.socket.connect()")
    expect(phone.locator('[data-live="speaker"]')).to_contain_text(council.members[1].name)
    expect(phone.locator('[data-live="connection"]')).to_be_hidden()
    assert still_here(phone)


def test_a_refused_action_shows_its_reason(new_context, council):
    meeting = running_meeting(council, present=[])
    phone = new_context(PHONE).new_page()
    log_in(phone, council.members[0].email)
    phone.goto(f"/meetings/{meeting.id}")
    wait_live(phone)
    # the form is hidden until one checks in; shown anyway (a stale page), it is refused
    form = phone.locator('form[data-socket="speakers.request"]')
    expect(form).to_be_hidden()
    form.evaluate("(node) => { node.hidden = false; }")
    form.locator("button[type=submit]").click()
    refusal = form.locator('xpath=following-sibling::*[@data-live="control-error"]')
    expect(refusal).to_be_visible()  # next to the form that was refused, and announced
    expect(refusal).not_to_be_empty()
    expect(refusal).to_have_attribute("role", "alert")


@pytest.fixture
def pages(council):
    convened = convened_meeting(council, title="Seduta convocata")
    running = running_meeting(council, present=council.all_members[:3], title="Seduta in corso")
    with unit_of_work() as session:
        speakers.request(session, council.members[0], running.id, kind="point_of_order",
                         client_id="p1")  # fmt: skip
    closed = running_meeting(council, present=council.all_members[:2], title="Seduta chiusa")
    with unit_of_work() as session:
        live_session.close(session, council.chair, closed.id)
    draft = new_meeting(council.secretary, title="Seduta in preparazione")
    return {"convened": convened.id, "running": running.id, "closed": closed.id,
            "draft": draft.id}  # fmt: skip


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("public", "/meetings"),
        ("public", "/meetings/{convened}"),
        ("public", "/meetings/{closed}"),
        ("public", "/meetings/{running}/live"),
        ("member", "/meetings/{running}"),
        ("chair", "/meetings/{running}/console"),
        ("secretary", "/meetings/{running}/console"),
        ("secretary", "/meetings/{draft}/prepare"),
        ("secretary", "/meetings/new"),
    ],
)
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_meeting_pages_are_accessible(new_context, council, pages, who, path, viewport):
    page = new_context(viewport).new_page()
    person = {"member": council.members[0], "chair": council.chair,
              "secretary": council.secretary}.get(who)  # fmt: skip
    if person is not None:
        log_in(page, person.email)
    response = page.goto(path.format(**pages))
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    if "{running}" in path:
        wait_live(page)
    axe_check(page)
    assert horizontal_overflow(page) == 0


def test_the_queue_is_reordered_by_touch_and_keyboard(new_context, council):
    meeting = running_meeting(council)
    a, b = council.members[:2]
    with unit_of_work() as session:
        speakers.request(session, a, meeting.id, kind="intervention", client_id="a")
        speakers.request(session, b, meeting.id, kind="intervention", client_id="b")
    chair = new_context(PHONE, has_touch=True).new_page()
    log_in(chair, council.chair.email)
    chair.goto(f"/meetings/{meeting.id}/console")
    wait_live(chair)
    queue = chair.locator('[data-live="queue"] > li')
    expect(queue.first).to_contain_text(a.name)
    queue.nth(1).get_by_role("button", name=b.name).filter(has_text="↑").tap()
    expect(queue.first).to_contain_text(b.name)
    down = queue.first.locator("button", has_text="↓")
    down.focus()
    chair.keyboard.press("Enter")
    expect(queue.first).to_contain_text(a.name)
