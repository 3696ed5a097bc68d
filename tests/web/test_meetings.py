"""Meeting pages over HTTP, without JavaScript: the public list and page, who may open what
(a table of URL x role), preparing a meeting through its forms, a live session driven by the
plain forms, refusals that change nothing, and the page of a past meeting."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from council.domain.meetings import live_session, speakers
from council.extensions import db
from council.models.base import utcnow
from council.models.meeting import Meeting, MeetingState, SpeakerRequest
from council.unit_of_work import unit_of_work
from council.web.meeting_forms import rome
from tests.factories import PLAIN_BODY, fresh, make_proposal, reread
from tests.meeting_helpers import convened_meeting, events_since, head, new_meeting, running_meeting


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(web, path: str, data: dict | None = None, page: str | None = None):
    """POST a form as the browser would, with the CSRF token of the page it sits on."""
    return web.post(path, data or {}, token_from=page or path.rsplit("/", 1)[0])


# --- public pages ---------------------------------------------------------------------------


def test_the_list_shows_convened_meetings_and_hides_drafts(as_, council):
    draft = new_meeting(council.secretary, title="Bozza riservata")
    convened = convened_meeting(council, title="Seduta di dicembre")
    public = text(as_("public").get("/meetings"))
    assert "Seduta di dicembre" in public and "Bozza riservata" not in public
    assert as_("public").get(f"/meetings/{draft.id}").status_code == 404
    assert as_("member").get(f"/meetings/{draft.id}").status_code == 404
    assert "Bozza riservata" in text(as_("secretary").get("/meetings"))
    page = text(as_("public").get(f"/meetings/{convened.id}"))
    assert "Punto numero 1" in page and "Sala dei Giudici" in page
    assert as_("public").get("/meetings/999999").status_code == 404


def test_the_meeting_page_shows_the_time_in_rome(as_, council):
    meeting = convened_meeting(council)
    page = text(as_("public").get(f"/meetings/{meeting.id}"))
    assert rome(meeting.starts_at).strftime("%H:%M") in page


def test_user_text_is_escaped_and_markdown_sanitised(as_, council):
    meeting = new_meeting(council.secretary, title="<script>alert(1)</script> Seduta",
                          description="**Ordine** <img src=x onerror=alert(1)>")  # fmt: skip
    page = as_("secretary").get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<strong>Ordine</strong>" in page and "onerror" not in page


def test_the_calendar_invitation_downloads(as_, council):
    meeting = convened_meeting(council)
    response = as_("public").get(f"/meetings/{meeting.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert (
        b"BEGIN:VEVENT" in response.data and f"UID:meeting-{meeting.id}@".encode() in response.data
    )


# --- who may open what ------------------------------------------------------------------------

ROLES = ["public", "stakeholder", "member", "chair", "secretary", "admin"]
PAGES = [
    ("/meetings", set(ROLES)),
    ("/meetings/{m}", set(ROLES)),
    ("/meetings/{m}/live", set(ROLES)),
    ("/meetings/new", {"secretary"}),
    ("/meetings/{m}/prepare", {"secretary"}),
    ("/meetings/{m}/edit", {"secretary"}),
    ("/meetings/{m}/items/{i}", {"secretary"}),
    ("/meetings/{m}/console", {"chair", "secretary"}),
]


@pytest.mark.parametrize(("path", "allowed"), PAGES, ids=[p for p, _a in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_each_page(as_, council, path, allowed, role):
    meeting = convened_meeting(council)
    response = as_(role).get(path.format(m=meeting.id, i=meeting.items[0].id))
    if role in ("member", "chair", "secretary") and path.endswith("/live"):
        # a member (the chair and the secretary are members too) who can take part is sent
        # to their own live page: the meeting's page
        assert response.status_code == 302
        assert response.headers["Location"] == f"/meetings/{meeting.id}#now"
    elif role in allowed:
        assert response.status_code == 200
    elif role == "public":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


# --- preparing --------------------------------------------------------------------------------


def test_the_secretary_prepares_and_convenes_through_the_forms(as_, council):
    web = as_("secretary")
    day = (utcnow() + timedelta(days=7)).date()
    response = web.post("/meetings/new", {
        "title": "Seduta straordinaria", "day": day.isoformat(), "starts": "18:30",
        "ends": "20:00", "place": "Sala Libretti", "link": "", "description": "",
    }, token_from="/meetings/new")  # fmt: skip
    assert response.status_code == 302
    reread()
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Seduta straordinaria"))
    assert rome(meeting.starts_at).strftime("%H:%M") == "18:30"
    assert (meeting.ends_at - meeting.starts_at) == timedelta(minutes=90)
    prepare = f"/meetings/{meeting.id}/prepare"
    proposal = make_proposal(council.stakeholder, title="Custode sociale", body=PLAIN_BODY)
    for title, proposal_id in (("Comunicazioni", ""), ("Custode sociale", str(proposal.id))):
        response = web.post(f"/meetings/{meeting.id}/items", {
            "item-title": title, "item-description": "", "item-proposal": proposal_id,
        }, token_from=prepare)  # fmt: skip
        assert response.status_code == 302
    meeting = fresh(meeting)
    second = meeting.items[1]
    assert second.proposal_id == proposal.id
    web.post(f"/meetings/{meeting.id}/items/{second.id}/move", {"position": "1"},
             token_from=prepare)  # fmt: skip
    assert [i.title for i in fresh(meeting).items] == ["Custode sociale", "Comunicazioni"]
    response = web.post(f"/meetings/{meeting.id}/documents", {
        "document-title": "Relazione", "document-link": "https://example.org/r.pdf",
        "document-item": "",
    }, token_from=prepare)  # fmt: skip
    assert response.status_code == 302
    response = web.post(f"/meetings/{meeting.id}/convene", {}, token_from=prepare)
    assert response.status_code == 302
    assert fresh(meeting).state == MeetingState.CONVENED
    page = text(as_("public").get(f"/meetings/{meeting.id}"))
    assert "Relazione" in page and "Custode sociale" in page


@pytest.mark.parametrize(
    ("fields", "field_id"),
    [
        ({"title": ""}, "title"),
        ({"day": ""}, "day"),
        ({"starts": "25:99"}, "starts"),
        ({"ends": "17:00"}, "ends"),  # before the start
        ({"place": "", "link": ""}, "place"),
        ({"link": "javascript:alert(1)"}, "link"),
    ],
)
def test_bad_details_are_a_422_with_the_form_kept(as_, council, fields, field_id):
    web = as_("secretary")
    day = (utcnow() + timedelta(days=7)).date().isoformat()
    data = {"title": "Seduta di prova", "day": day, "starts": "18:00", "ends": "",
            "place": "Sala", "link": "", "description": "Note tenute"} | fields  # fmt: skip
    before = head()
    response = web.post("/meetings/new", data, token_from="/meetings/new")
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field_id}-error"' in page or "form-errors" in page
    assert "Note tenute" in page  # the form is kept filled
    assert head() == before


def test_a_bad_document_link_is_refused_on_its_field(as_, council):
    meeting = new_meeting(council.secretary)
    web = as_("secretary")
    prepare = f"/meetings/{meeting.id}/prepare"
    response = web.post(f"/meetings/{meeting.id}/documents", {
        "document-title": "Strano", "document-link": "file:///etc/passwd", "document-item": "",
    }, token_from=prepare)  # fmt: skip
    assert response.status_code == 422
    assert 'id="document-link-error"' in text(response)
    assert fresh(meeting).documents == []


def test_the_secretary_edits_a_convened_meeting_and_it_is_marked(as_, council):
    # the form holds one day: a meeting starting tomorrow at 17:00 in Rome, whatever the hour
    now = rome(utcnow())
    tomorrow = (now + timedelta(days=1)).replace(hour=17, minute=0, second=0, microsecond=0)
    meeting = convened_meeting(council, starts_in=tomorrow - now)
    web = as_("secretary")
    page = f"/meetings/{meeting.id}/edit"
    start = rome(meeting.starts_at)
    response = web.post(page, {
        "title": meeting.title, "day": start.date().isoformat(),
        "starts": start.strftime("%H:%M"), "ends": rome(meeting.ends_at).strftime("%H:%M"),
        "place": "Sala Nuova", "link": "", "description": "",
    }, token_from=page)  # fmt: skip
    assert response.status_code == 302
    assert fresh(meeting).place == "Sala Nuova" and fresh(meeting).changed_at is not None
    view = text(as_("public").get(f"/meetings/{meeting.id}"))
    assert "Sala Nuova" in view


# --- the live session, without JavaScript ---------------------------------------------------


def test_a_session_driven_by_the_plain_forms(as_, council):
    meeting = convened_meeting(council)
    page, first = f"/meetings/{meeting.id}", meeting.items[0].id
    chair, member, member2 = as_("chair"), as_("member"), as_("member2")
    start = head()
    console = f"{page}/console"
    assert post(chair, f"{page}/session/open", page=console).status_code == 302
    assert events_since(start) == [  # the chair who opens is in the room
        ("attendance.checked_in", {"member": council.chair.public_id}),
        ("meeting.opened", {"present": 1, "members": 6, "quorum_needed": 4, "quorum": False}),
    ]
    assert post(chair, f"{page}/current-item", {"item": first}, page=console).status_code == 302
    for web in (member, member2):
        assert post(web, f"{page}/attendance/check-in", page=page).status_code == 302
    # asking twice with the same form (a double click) is one request
    form = text(member.get(page))
    client_id = re.search(r'name="client_id" value="([^"]+)"', form).group(1)
    for _ in range(2):
        response = member.post(f"{page}/speakers", {"kind": "intervention",
                               "client_id": client_id}, token_from=page)  # fmt: skip
        assert response.status_code == 302
    post(member2, f"{page}/speakers", {"kind": "point_of_order", "client_id": "form-2"}, page=page)
    reread()
    requests = list(db.session.scalars(select(SpeakerRequest).order_by(SpeakerRequest.position)))
    assert [r.user_id for r in requests] == [council.members[1].id, council.members[0].id]
    shown = text(member.get(page))
    assert shown.index(council.members[1].name) < shown.rindex(council.members[0].name)
    response = post(chair, f"{page}/speakers/{requests[0].id}/floor", {"minutes": "2"},
                    page=console)  # fmt: skip
    assert response.status_code == 302
    assert "2:00" in text(as_("public").get(f"{page}/live"))
    post(chair, f"{page}/speakers/{requests[0].id}/end", page=console)
    post(chair, f"{page}/speakers/{requests[1].id}/floor", page=console)
    post(member2, f"{page}/proxy", {"to": council.members[0].public_id}, page=page)
    live_page = text(as_("public").get(f"{page}/live"))
    assert council.members[1].name in live_page and council.members[0].name in live_page
    post(member2, f"{page}/proxy/revoke", page=page)
    post(member, f"{page}/attendance/check-out", page=page)
    assert post(chair, f"{page}/session/close", page=console).status_code == 302
    assert fresh(meeting).state == MeetingState.CLOSED
    kinds = [kind for kind, _data in events_since(start)]
    assert kinds == [
        "attendance.checked_in", "meeting.opened", "agenda.item_started",  # the chair, opening
        "attendance.checked_in", "attendance.checked_in",
        "speakers.requested", "speakers.requested",
        "speakers.floor_given", "speakers.floor_ended", "speakers.floor_given",
        "proxy.granted", "proxy.revoked", "attendance.checked_out",
        "speakers.floor_ended", "meeting.closed",
    ]  # fmt: skip


def test_refused_actions_show_why_and_change_nothing(as_, council):
    meeting = running_meeting(council, present=[council.members[0]])
    page, second = f"/meetings/{meeting.id}", meeting.items[1].id
    member, public = as_("member"), as_("public")
    before = head()
    assert post(member, f"{page}/session/close", page=page).status_code == 403
    assert post(member, f"{page}/current-item", {"item": second}, page=page).status_code == 403
    assert post(member, f"{page}/attendance/check-in",
                {"member": council.members[1].public_id}, page=page).status_code == 403  # fmt: skip
    response = post(as_("chair"), f"{page}/current-item", {"item": "x"}, page=page)
    assert response.status_code == 422
    assert post(as_("chair"), f"{page}/session/open", page=page).status_code == 409
    assert post(as_("chair"), f"{page}/session/dance", page=page).status_code == 404
    assert post(as_("chair"), f"{page}/speakers/424242/floor", page=page).status_code == 404
    response = post(public, f"{page}/attendance/check-in", page=page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    forged = member.client.post(f"{page}/attendance/check-out", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert head() == before
    assert fresh(meeting).state == MeetingState.IN_PROGRESS


def test_the_console_lists_the_queue_with_the_chairs_buttons(as_, council):
    meeting = running_meeting(council)
    with unit_of_work() as session:
        speakers.request(session, council.members[0], meeting.id, kind="reply", client_id="c1")
    chair_view = text(as_("chair").get(f"/meetings/{meeting.id}/console"))
    assert 'data-socket="session.open"' in chair_view
    assert 'data-socket="speakers.give_floor"' in chair_view
    assert 'data-socket="attendance.check_in"' in chair_view  # the roll call
    secretary_view = text(as_("secretary").get(f"/meetings/{meeting.id}/console"))
    assert 'data-socket="speakers.give_floor"' not in secretary_view
    assert 'data-socket="attendance.check_in"' in secretary_view


def office_prompt(page: str) -> bool:
    """Whether the console shows its user the prompt to check in (rendered, not hidden)."""
    tag = re.search(r'<section class="[^"]*office-presence[^"]*"[^>]*>', page)
    assert tag is not None and "Non risulti presente: registra la tua presenza" in page
    return re.search(r"\shidden[\s>]", tag.group(0)) is None


def test_the_console_asks_the_chair_and_the_secretary_to_check_in(as_, council):
    meeting = convened_meeting(council)
    console, page = f"/meetings/{meeting.id}/console", f"/meetings/{meeting.id}"
    chair, secretary = as_("chair"), as_("secretary")
    before = text(chair.get(console))
    assert not office_prompt(before)  # not yet open: opening will check the chair in
    note = re.search(r'<p class="office-presence-note"[^>]*>', before).group(0)
    assert "hidden" not in note and "Aprendo la seduta risulterai presente." in before
    assert office_prompt(text(secretary.get(console)))  # attendance is open: within the hour
    far = convened_meeting(council, starts_in=timedelta(days=3))
    assert not office_prompt(text(secretary.get(f"/meetings/{far.id}/console")))
    assert post(chair, f"{page}/session/open", page=console).status_code == 302
    assert not office_prompt(text(chair.get(console)))  # checked in with the opening
    assert office_prompt(text(secretary.get(console)))  # the secretary is asked, not marked
    assert post(secretary, f"{page}/attendance/check-in", page=console).status_code == 302
    assert not office_prompt(text(secretary.get(console)))
    assert post(chair, f"{page}/attendance/check-out", page=page).status_code == 302
    assert office_prompt(text(chair.get(console)))  # the chair stepped out: asked again
    for who in ("member", "stakeholder"):  # no console, so no prompt
        assert as_(who).get(console).status_code == 403


def test_a_past_meeting_shows_attendance_interventions_and_outcomes(as_, council):
    meeting = running_meeting(council, present=council.all_members[:3])
    with unit_of_work() as session:
        row = speakers.request(session, council.chair, meeting.id, kind="intervention",
                               client_id="x")  # fmt: skip
        speakers.give_floor(session, council.chair, meeting.id, row.id)
        live_session.close(session, council.chair, meeting.id)
    item = meeting.items[0]
    web = as_("secretary")
    page = f"/meetings/{meeting.id}/items/{item.id}"
    response = web.post(page, {"title": "ignored", "description": "", "proposal": "",
                               "outcome": "Approvato all'unanimità"}, token_from=page)  # fmt: skip
    assert response.status_code == 302
    assert fresh(meeting).items[0].title == "Punto numero 1"  # closed: only the outcome changes
    view = text(as_("public").get(f"/meetings/{meeting.id}"))
    assert "Approvato all'unanimità" in view
    for person in council.all_members[:3]:
        assert person.name in view
    assert council.members[3].name in view  # among the absent


def test_the_demo_has_a_past_meeting_with_its_history_and_an_upcoming_one(app, demo, make_web):
    reread()
    rows = list(db.session.scalars(select(Meeting).order_by(Meeting.starts_at)))
    # the autumn session that voted two proposals (demo/earlier.py), the past meeting, the short
    # session that approved its minutes (demo/minutes.py)
    closed, convened = MeetingState.CLOSED, MeetingState.CONVENED
    # then today's, to try a live session (test_demo_live.py), and the next one
    assert [m.state for m in rows] == [closed, closed, closed, convened, convened]
    autumn, past, _approving, _today, upcoming = rows
    assert autumn.starts_at < past.starts_at and all(item.outcome for item in autumn.items)
    assert past.starts_at < utcnow() < upcoming.starts_at
    assert any(item.proposal_id for item in past.items)
    assert all(item.outcome for item in past.items)
    web = make_web()
    listing = text(web.get("/meetings"))
    assert past.title in listing and upcoming.title in listing
    page = text(web.get(f"/meetings/{past.id}"))
    assert "Teresa Gnutti" in page  # the chair, present and speaking
    assert "4:00" in page  # the length of an intervention
    assert rome(past.starts_at).strftime("%H:%M") == "17:30"
    assert app.test_cli_runner().invoke(args=["record", "verify"]).exit_code == 0


# --- the member's live page -------------------------------------------------------------------


def test_segui_in_diretta_sends_a_member_to_their_live_page(as_, council):
    meeting = running_meeting(council)
    live, page = f"/meetings/{meeting.id}/live", f"/meetings/{meeting.id}"
    response = as_("member").get(live)
    assert response.status_code == 302 and response.headers["Location"] == f"{page}#now"
    projector = as_("member").get(f"{live}?view=projector")  # one link away when wanted
    assert projector.status_code == 200 and 'data-mode="projector"' in text(projector)
    assert "Vista per il proiettore" in text(as_("member").get(page))
    for who in ("public", "stakeholder", "admin"):
        response = as_(who).get(live)
        assert response.status_code == 200 and 'data-mode="projector"' in text(response)
    home = text(as_("public").get("/"))  # the home page leads to the session in progress
    assert f"Seduta in corso: {meeting.title}" in home and f'href="{live}"' in home
    post(as_("chair"), f"{page}/session/close", page=f"{page}/console")
    assert as_("member").get(live).status_code == 200  # nothing to take part in any more
    assert f"Seduta in corso: {meeting.title}" not in text(as_("public").get("/"))


def test_the_members_page_puts_what_needs_them_first(as_, council):
    meeting = running_meeting(council)
    me, other = council.members[0], council.members[1]
    page, item_title = f"/meetings/{meeting.id}", meeting.items[0].title
    with unit_of_work() as session:
        speakers.request(session, other, meeting.id, kind="intervention", client_id="o")
        mine = speakers.request(session, me, meeting.id, kind="reply", client_id="m")
    shown = text(as_("member").get(page))
    now = shown[shown.index('id="now"') : shown.index('id="mine-title"')]
    assert "In discussione" in now and item_title in now
    assert "Sei presente" in now and "Sei il 2° iscritto a parlare." in now
    assert f"/speakers/{mine.id}/withdraw" in now
    assert 'data-now="floor" hidden' in now  # not mine yet
    # the calendar links come after what needs the member
    assert shown.index('id="now"') < shown.index("Aggiungi al calendario")
    with unit_of_work() as session:
        speakers.give_floor(session, council.chair, meeting.id, mine.id)
    shown = text(as_("member").get(page))  # reloaded without JavaScript: the same state
    now = shown[shown.index('id="now"') : shown.index('id="mine-title"')]
    assert 'data-now="floor" hidden' not in now and "Hai la parola" in now
    assert "Tempo di intervento" in now
    assert 'id="now"' not in text(as_("public").get(page))  # only for a member
    assert 'id="now"' not in text(as_("stakeholder").get(page))


def test_the_home_page_leads_to_a_session_convened_for_the_next_hours(as_, council):
    soon = convened_meeting(council, title="Seduta di stasera")
    convened_meeting(council, title="Seduta lontana", starts_in=timedelta(days=3))
    home = text(as_("public").get("/"))
    assert "Prossima seduta" in home and "Seduta di stasera" in home
    assert f'href="/meetings/{soon.id}/live"' in home and "Seduta lontana" not in home
