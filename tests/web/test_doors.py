"""The door of the state-changing views (council/web/doors.py), over HTTP: the anonymous are
sent to log in, a missing role is a 403, a domain error is answered with its status and its
reason, and a refused operation leaves nothing behind (rows, record, events)."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest

from council import events
from council.domain.meetings import meetings
from council.errors import InvalidState
from council.extensions import db
from council.models.meeting import Meeting, MeetingState
from tests.factories import make_proposal, reread
from tests.meeting_helpers import convened_meeting, head, new_meeting


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def state_of(meeting_id: int) -> MeetingState:
    reread()
    return db.session.get(Meeting, meeting_id).state


# One POST of each blueprint that changes state; {m}: a meeting, {p}: a proposal.
DOORS = [
    "/proposals/{p}/follow",
    "/proposals/{p}/support",
    "/proposals/{p}/amendments/1/accept",
    "/proposals/{p}/withdraw",
    "/consultations/1/open",
    "/consultations/1/respond",
    "/meetings/{m}/convene",
    "/meetings/{m}/items",
    "/meetings/{m}/session/open",
    "/meetings/{m}/polls/1/ballot",
    "/meetings/{m}/minutes/draft",
    "/admin/users/1/approve",
    "/notifications/read-all",
    "/account/sessions/end-all",
    "/account/two-step/off",
]


@pytest.mark.parametrize("path", DOORS)
def test_the_anonymous_are_sent_to_log_in_and_come_back(as_, council, path):
    meeting_id = new_meeting(council.secretary).id
    proposal = make_proposal(council.stakeholder)
    url = path.format(m=meeting_id, p=proposal.id)
    response = as_("public").post(url, {}, token_from="/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [url]
    assert state_of(meeting_id) == MeetingState.SCHEDULED


def test_a_role_the_door_asks_for_is_refused_with_403_and_nothing_changes(as_, council):
    meeting_id = new_meeting(council.secretary).id
    before = head()
    response = as_("member").post(f"/meetings/{meeting_id}/convene", {}, token_from="/")
    assert response.status_code == 403
    assert state_of(meeting_id) == MeetingState.SCHEDULED
    assert head() == before
    assert as_("member").get("/meetings/new").status_code == 403


def test_a_domain_error_is_answered_with_its_status_and_its_reason(as_, council):
    meeting_id = convened_meeting(council).id
    secretary = as_("secretary")
    response = secretary.post(f"/meetings/{meeting_id}/convene", {}, token_from="/")
    assert response.status_code == 409
    assert state_of(meeting_id) == MeetingState.CONVENED


def test_a_refusal_on_a_form_keeps_the_form_and_says_why(as_, council):
    secretary = as_("secretary")
    response = secretary.post("/meetings/new", {"title": "x", "day": "2020-01-01",
                                                "starts": "18:00", "ends": "20:00"},
                              token_from="/meetings/new")  # fmt: skip
    assert response.status_code == 422
    assert 'value="x"' in response.get_data(as_text=True)


def test_a_refused_operation_is_rolled_back_whole(as_, council, monkeypatch):
    """The operation wrote (the meeting convened, its record event, the mail queued) and
    then refused: nothing of it is kept, no event reaches a listener, the flash never
    comes."""
    meeting_id = new_meeting(council.secretary).id
    convene = meetings.convene

    def convene_then_refuse(work, actor, meeting_id):
        convene(work, actor, meeting_id)
        work.flush()
        raise InvalidState("Refused after writing.")

    monkeypatch.setattr(meetings, "convene", convene_then_refuse)
    secretary = as_("secretary")
    heard: list = []
    events.subscribe(heard.append)
    before = head()
    try:
        response = secretary.post(f"/meetings/{meeting_id}/convene", {}, token_from="/")
    finally:
        events.unsubscribe(heard.append)
    assert response.status_code == 409 and "Refused after writing." in text(response)
    assert state_of(meeting_id) == MeetingState.SCHEDULED
    assert head() == before
    assert heard == []
    assert "La convocazione è stata inviata" not in text(secretary.get(f"/meetings/{meeting_id}"))


def test_a_done_operation_commits_once_flashes_and_redirects(as_, council):
    meeting_id = new_meeting(council.secretary).id
    before = head()
    secretary = as_("secretary")
    response = secretary.post(f"/meetings/{meeting_id}/convene", {}, token_from="/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meetings/{meeting_id}")
    assert state_of(meeting_id) == MeetingState.CONVENED
    assert head() > before
    assert "La convocazione è stata inviata a tutti i consiglieri." in text(
        secretary.get(f"/meetings/{meeting_id}")
    )


def test_a_post_without_the_form_token_is_refused_before_the_door(as_, council):
    meeting_id = new_meeting(council.secretary).id
    secretary = as_("secretary")
    response = secretary.post(f"/meetings/{meeting_id}/convene", {"csrf_token": "forged"})
    assert response.status_code == 400
    assert state_of(meeting_id) == MeetingState.SCHEDULED
