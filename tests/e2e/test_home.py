"""The home page in Chromium, on a 360 x 740 phone (and 1280 px): the public follows a session
in progress, finds the next meeting, the latest decisions, the open consultations and the
record one link away; a member reaches an open vote in one tap and a convened meeting's
attendance and proxy; a stakeholder finds the invitations, the replies and the news of what
they follow. Every state passes axe and fits 360 px."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from council.domain.community import organisations
from council.domain.discussion import comments
from council.domain.notifications import follows
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations
from council.domain.voting import polls
from council.models.comment import Comment
from council.models.proposal import FollowTarget
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.consultation_helpers import opened
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.e2e.test_live_session import wait_live
from tests.factories import add_version, make_proposal
from tests.meeting_helpers import convened_meeting, make_council, run, running_meeting

SMALL_PHONE = {"width": 360, "height": 640}
QUESTION = "Approvare il custode sociale?"


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=4)


def fits(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0


def at_both_widths(page: Page) -> None:
    """axe and no overflow at 360 px, then axe at 1280 px."""
    fits(page)
    page.set_viewport_size(DESKTOP)
    axe_check(page)
    page.set_viewport_size(PHONE)


def in_first_screen(page: Page, control, viewport=SMALL_PHONE) -> None:
    expect(control).to_be_visible()
    box = control.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_the_public_follows_a_session_and_finds_the_news(new_context, council):
    soon = convened_meeting(council, title="Seduta di dicembre", starts_in=timedelta(days=2))
    archived(council.admin, title="Registro unico dei volontari")
    opened(council.secretary, title="Priorità del Piano welfare 2027")
    page = new_context(PHONE).new_page()
    page.goto("/")
    expect(page.locator("[data-home=live]")).to_have_count(0)
    nxt = page.locator("[data-home=next-meeting]")
    expect(nxt).to_contain_text("Seduta di dicembre")
    expect(nxt).to_contain_text("Sala dei Giudici")
    expect(page.locator("[data-home=decisions]")).to_contain_text("Registro unico dei volontari")
    consultations = page.locator("[data-home=consultations]")
    expect(consultations).to_contain_text("Priorità del Piano welfare 2027")
    expect(consultations).to_contain_text("Si chiude")
    at_both_widths(page)
    nxt.get_by_role("link", name="Leggi l'ordine del giorno").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{soon.id}#agenda-title$"))

    live = running_meeting(council, title="Seduta straordinaria")
    page.goto("/")
    banner = page.locator("[data-home=live]")
    expect(banner).to_contain_text("Seduta in corso: Seduta straordinaria")
    in_first_screen(page, banner.get_by_role("link", name="Segui in diretta"), PHONE)
    at_both_widths(page)
    banner.get_by_role("link", name="Segui in diretta").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{live.id}/live$"))

    page.goto("/")
    page.locator("[data-home=verify]").click()
    expect(page).to_have_url(re.compile(r"/record$"))


def test_a_member_reaches_an_open_vote_in_one_tap(new_context, council):
    me = council.members[0]
    meeting = running_meeting(council)
    item = meeting.items[0].id
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=item, kind="named",
               rule="simple", question=QUESTION)  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    phone = new_context(SMALL_PHONE, has_touch=True).new_page()
    log_in(phone, me.email)
    phone.goto("/")
    vote = phone.locator("[data-home=vote]")
    expect(vote).to_contain_text(QUESTION)
    in_first_screen(phone, vote.get_by_role("link", name="Vota ora"))
    expect(phone.locator("[data-home=live]")).to_have_count(0)  # the vote leads there
    fits(phone)
    vote.get_by_role("link", name="Vota ora").tap()
    expect(phone).to_have_url(re.compile(rf"/meetings/{meeting.id}#now$"))
    expect(phone.locator("#now").get_by_role("button", name="Favorevole")).to_be_visible()


def test_a_member_is_led_to_attendance_and_proxy_of_a_convened_meeting(new_context, council):
    me = council.members[0]
    soon = convened_meeting(council, title="Seduta tra mezz'ora", starts_in=timedelta(minutes=30))
    phone = new_context(PHONE).new_page()
    log_in(phone, me.email)
    phone.goto("/")
    mine = phone.locator("[data-home=meetings]")
    expect(mine).to_contain_text("Seduta tra mezz'ora")
    at_both_widths(phone)
    mine.get_by_role("link", name="Non puoi venire? Delega il voto").click()
    expect(phone).to_have_url(re.compile(rf"/meetings/{soon.id}#mine-title$"))
    expect(phone.get_by_label("Delega il tuo voto a un consigliere presente")).to_be_attached()
    phone.goto("/")
    mine = phone.locator("[data-home=meetings]")
    mine.get_by_role("link", name="Registra la tua presenza").click()
    expect(phone).to_have_url(re.compile(rf"/meetings/{soon.id}#now$"))
    wait_live(phone)
    phone.locator("#now").get_by_role("button", name="Sono presente").click()  # by socket
    expect(phone.locator("#now .now-presence")).to_be_visible()
    phone.goto("/")
    expect(phone.locator("[data-home=meetings]")).to_contain_text("Sei presente")
    fits(phone)


def test_a_member_with_nothing_to_do_is_told_what_comes_next(new_context, council):
    phone = new_context(PHONE).new_page()
    log_in(phone, council.members[0].email)
    phone.goto("/")
    expect(phone.locator("h1")).to_have_text("Ciao, Consigliere 1")
    expect(phone.locator("[data-home=meetings]")).to_contain_text("Quando la segreteria ne convoca")
    expect(phone.locator("[data-home=my-consultations]")).to_contain_text("ricevi una notifica")
    expect(phone.locator("[data-home=replies]")).to_contain_text("Partecipa alla discussione")
    expect(phone.locator("[data-home=changes]")).to_contain_text("Segui una proposta")
    expect(phone.locator("[data-home=vote]")).to_have_count(0)
    at_both_widths(phone)


def test_a_stakeholder_finds_invitations_replies_and_news(new_context, council, make_user, zone):
    with unit_of_work() as s:
        sole = organisations.save_organisation(s, SYSTEM, None, name="Associazione Sole",
                                               kind="Associazione", zone=zone)  # fmt: skip
    author = make_user("stakeholder", name="Anna Sole", organisation=sole)
    me = council.stakeholder
    invited = make_proposal(author, title="Orti sociali in ogni zona")
    with unit_of_work() as s:
        org = s.get(User, me.id).organisation
        proposal_organisations.invite_cosigners(s, s.merge(author), s.merge(invited), [org])
    discussed = make_proposal(author, title="Punti di ascolto")
    with unit_of_work() as s:
        mine = comments.post_comment(s, s.merge(me), s.merge(discussed), "Servono operatori.")
    with unit_of_work() as s:
        comments.post_comment(s, s.merge(council.members[0]), s.merge(discussed),
                              "Anche il sabato.", parent=s.get(Comment, mine.id))  # fmt: skip
    followed = make_proposal(author, title="Casa per i giovani")
    run(follows.follow, me, FollowTarget.PROPOSAL, followed.id)
    add_version(followed, author, "Un testo nuovo per la casa dei giovani.")

    phone = new_context(PHONE).new_page()
    log_in(phone, me.email)
    phone.goto("/")
    expect(phone.locator("[data-home=replies]")).to_contain_text(
        "Consigliere 1 ha risposto su “Punti di ascolto”"
    )
    expect(phone.locator("[data-home=changes]")).to_contain_text("Nuova versione (2)")
    invitations = phone.locator("[data-home=invitations]")
    expect(invitations).to_contain_text("Orti sociali in ogni zona")
    expect(phone.locator("[data-home=meetings]")).to_have_count(0)  # not a member
    at_both_widths(phone)
    invitations.get_by_role("link", name="Orti sociali in ogni zona").click()
    expect(phone).to_have_url(re.compile(rf"/proposals/{invited.id}#invitation-title$"))
    expect(phone.get_by_role("button", name="Co-firma per Cooperativa Il Ponte")).to_be_visible()
    phone.goto("/")
    phone.locator("[data-home=replies]").get_by_role("link").first.click()
    expect(phone).to_have_url(re.compile(rf"/proposals/{discussed.id}/comments/{mine.id}#c-\d+$"))
