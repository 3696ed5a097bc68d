"""The demo's minutes: the past meeting's approved by the short session after it (its PDF open to
anyone, its anchor verifying), that session's own still a draft, on the upcoming meeting's
agenda for approval, readable by members and not by the public."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from council.extensions import db
from council.models.meeting import Meeting, MeetingState
from council.models.minutes import Minutes, MinutesState
from tests.factories import reread


def test_the_demo_has_approved_minutes_and_a_draft_on_the_next_agenda(app, demo, make_web):
    runner = app.test_cli_runner()
    reread()
    approved, draft = db.session.scalars(select(Minutes).order_by(Minutes.id)).all()
    assert approved.state == MinutesState.APPROVED and draft.state == MinutesState.DRAFT
    assert approved.meeting.starts_at < draft.meeting.starts_at
    assert approved.approval_poll.meeting_id == draft.meeting_id  # approved at the next session
    upcoming = db.session.scalar(  # the next meeting after today's (demo/meetings.py)
        select(Meeting)
        .where(Meeting.state == MeetingState.CONVENED)
        .order_by(Meeting.starts_at.desc())
    )
    assert draft.approval_item.meeting_id == upcoming.id
    assert draft.approval_item.title == "Approvazione del verbale della seduta precedente"
    anchor = f"{approved.anchor_seq}:{approved.anchor_hash}"
    assert runner.invoke(args=["record", "verify", "--anchor", anchor]).exit_code == 0
    ids = approved.meeting_id, draft.meeting_id

    public = make_web()
    pdf = public.get(f"/meetings/{ids[0]}/minutes.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "Verbale della seduta del" in " ".join(text.split())
    assert approved.anchor_hash in text.replace("\n", "").replace(" ", "")
    assert public.get(f"/meetings/{ids[1]}/minutes").status_code == 404
    member = make_web()
    member.login("consigliere1@example.org", "consiglio-demo")
    assert member.get(f"/meetings/{ids[1]}/minutes").status_code == 200
