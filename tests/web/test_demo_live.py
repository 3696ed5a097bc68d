"""The demo's live session anyone can try (README.md, "Prova una seduta dal vivo"): a meeting
convened for the day the demo is loaded, which the chair opens at once from the console and a
member follows from a phone; the other demo meetings as they were."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from council.demo.meetings import ROME, TODAY_TITLE, todays_start
from council.extensions import db
from council.models.meeting import Meeting, MeetingState
from council.models.poll import Poll
from council.models.user import User
from tests.factories import reread
from tests.meeting_helpers import events_since, head

PASSWORD = "consiglio-demo"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_demo_has_a_meeting_today_the_chair_can_open_at_once(demo, make_web):
    reread()
    loaded = demo.loaded_at
    today = db.session.scalars(
        select(Meeting).where(Meeting.state == MeetingState.CONVENED).order_by(Meeting.starts_at)
    ).first()
    assert today.title == TODAY_TITLE
    assert today.starts_at.astimezone(ROME).date() == loaded.astimezone(ROME).date()
    assert loaded < today.starts_at <= loaded + timedelta(minutes=31)
    states = [m.state for m in db.session.scalars(select(Meeting).order_by(Meeting.starts_at))]
    assert states == [MeetingState.CLOSED, MeetingState.CLOSED, MeetingState.CLOSED,
                      MeetingState.CONVENED, MeetingState.CONVENED]  # fmt: skip
    listed = text(make_web().get("/meetings"))
    assert listed.index(TODAY_TITLE) < listed.index("Seduta ordinaria: voto sulle proposte")

    chair, member = make_web(), make_web()
    chair.login("presidente@example.org", PASSWORD)
    member.login("consigliere1@example.org", PASSWORD)
    console, page = f"/meetings/{today.id}/console", f"/meetings/{today.id}"
    assert "Aprendo la seduta risulterai presente." in text(chair.get(console))
    start = head()
    opened = chair.post(f"{page}/session/open", {"next": console}, token_from=console)
    assert opened.status_code == 302
    reread()
    assert db.session.get(Meeting, today.id).state == MeetingState.IN_PROGRESS
    teresa = db.session.scalar(select(User).where(User.email == "presidente@example.org"))
    assert events_since(start)[:2] == [
        ("attendance.checked_in", {"member": teresa.public_id}),
        ("meeting.opened", {"present": 12, "members": 25, "quorum_needed": 13, "quorum": False}),
    ]
    checked = member.post(f"{page}/attendance/check-in", {}, token_from=page)
    assert checked.status_code == 302
    assert events_since(start)[-1][0] == "attendance.checked_in"
    assert "Presenti 13 su 25 — numero legale raggiunto" in text(make_web().get(f"{page}/live"))
    # the README's journey: the second item, a vote on it, the member's ballot
    item = today.items[1].id
    for path, form in ((f"{page}/current-item", {"item": item}),
                       (f"{page}/polls", {"item": item, "kind": "named", "rule": "simple",
                                          "question": "Approvare il calendario?"})):  # fmt: skip
        assert chair.post(path, form, token_from=console).status_code == 302
    reread()
    (poll,) = db.session.scalars(select(Poll).where(Poll.meeting_id == today.id))
    opened = chair.post(f"{page}/polls/{poll.id}/open", {}, token_from=console)
    assert opened.status_code == 302
    ballot = {"choice": "in_favour", "client_ballot_id": "readme-1", "confirm": "1"}
    assert member.post(f"{page}/polls/{poll.id}/ballot", ballot, token_from=page).status_code == 302
    assert events_since(start)[-1][0] == "ballot.cast"


def test_late_in_the_evening_the_meeting_stays_on_the_day(app):
    evening = datetime(2026, 12, 7, 23, 45, tzinfo=ROME).astimezone(UTC)
    start = todays_start(evening)
    assert start.astimezone(ROME).date() == evening.astimezone(ROME).date()
    assert evening < start <= evening + timedelta(minutes=30)
    afternoon = datetime(2026, 12, 7, 15, 2, 30, tzinfo=ROME).astimezone(UTC)
    assert todays_start(afternoon) == datetime(2026, 12, 7, 15, 32, tzinfo=ROME).astimezone(UTC)
