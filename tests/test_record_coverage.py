"""The record of the demo council, read as an auditor would: every capability leaves its
events, every event reads as a sentence, and nothing private is in any of them (no e-mail,
no person's name, no password, no secret choice beside a voter)."""

from __future__ import annotations

import json

from sqlalchemy import select

from council import record_text
from council.domain.record import record
from council.extensions import db
from council.models.poll import Poll, PollKind
from council.models.record import RecordEvent
from council.models.user import User

# At least one event of each capability the demo exercises.
EXPECTED_KINDS = {
    "account.created", "organisation.created",
    "zone.created", "topic.created", "community_point.created",
    "proposal.submitted", "proposal.version_added", "proposal.state_changed",
    "proposal.supported", "comment.posted", "comment.hidden", "amendment.proposed",
    "amendment.accepted", "meeting.created", "meeting.convened", "meeting.opened",
    "meeting.closed", "agenda.item_added", "agenda.item_started", "attendance.checked_in",
    "attendance.checked_out", "speakers.requested", "speakers.floor_given", "proxy.granted",
    "poll.prepared", "poll.opened", "ballot.cast", "poll.participated",
    "poll.conflict_declared", "poll.closed", "decision.recorded", "consultation.opened",
    "consultation.responded", "consultation.closed", "implementation.updated",
    "minutes.drafted", "minutes.scheduled", "minutes.approved",
}  # fmt: skip
FREE_TEXT = {"question", "title", "reason", "change_note", "options", "name"}


def test_the_demo_record_covers_every_capability_and_keeps_private_things_out(demo):
    assert record.verify(db.session).ok
    events = list(db.session.scalars(select(RecordEvent).order_by(RecordEvent.seq)))
    kinds = {event.kind for event in events}
    assert kinds >= EXPECTED_KINDS, EXPECTED_KINDS - kinds

    names = record_text.people(db.session, events)
    unreadable = {e.kind for e in events if record_text.describe(e, names) == e.kind}
    assert unreadable == set()

    people = db.session.execute(select(User.email, User.name, User.password_hash)).all()
    for event in events:
        raw = event.data + (event.actor or "") + event.subject
        # what people typed (a question may name the person to designate) is theirs to publish
        generated = json.dumps({k: v for k, v in json.loads(event.data).items()
                                if k not in FREE_TEXT}, ensure_ascii=False)  # fmt: skip
        for email, name, password_hash in people:
            assert email not in raw, (event.seq, event.kind)
            assert name not in generated, (event.seq, event.kind)
            assert password_hash not in raw
        assert "@" not in event.data or event.kind == "meeting.document_added"

    secret = {f"poll:{p}" for p in db.session.scalars(
        select(Poll.id).where(Poll.kind == PollKind.SECRET))}  # fmt: skip
    assert secret, "the demo has a secret poll"
    for event in events:
        if event.subject not in secret:
            continue
        data = json.loads(event.data)
        assert event.kind != "ballot.cast"
        if event.kind == "poll.participated":
            assert event.actor is None and set(data) == {"count"}
        if event.kind == "poll.closed":
            assert data["participants"] == sorted(data["participants"])
