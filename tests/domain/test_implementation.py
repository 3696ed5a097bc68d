"""The implementation status of decisions (stato di attuazione): dated updates by the
secretariat, every refusal leaving nothing behind, and the record's events."""

from __future__ import annotations

import hashlib
import json

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from council import record_text
from council.domain.archive import implementation
from council.domain.notifications import follows, notification_messages
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.archive import Implementation, ImplementationUpdate
from council.models.notification import Notification
from council.models.poll import Decision
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived


def post(actor, decision_id, state="in_progress", progress=40, text="Gara d'appalto avviata."):
    with unit_of_work() as session:
        return implementation.post_update(
            session, actor, decision_id, state=state, progress=progress, text=text
        )


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(ImplementationUpdate)),
        db.session.scalar(select(func.count()).select_from(Implementation)),
        db.session.scalar(select(func.count()).select_from(RecordEvent)),
    )


@pytest.fixture
def decision(make_user):
    return archived(make_user("stakeholder"), title="Trasporto sociale")


def test_a_whole_cycle_of_updates(secretary, admin, decision):
    steps = [
        (secretary, "not_started", 0, "In attesa del bilancio."),
        (secretary, "in_progress", 30, "Affidato il servizio a due cooperative."),
        (admin, "suspended", 30, "Sospeso: i mezzi non sono ancora arrivati."),
        (secretary, "in_progress", "60", "Mezzi consegnati, prime corse."),
        (secretary, "completed", 100, "Il servizio è attivo in tutti i quartieri."),
    ]
    for actor, state, progress, text in steps:
        post(actor, decision.decision_id, state, progress, text)
    db.session.expire_all()
    row = db.session.get(Implementation, decision.decision_id)
    assert (row.state, row.progress, row.update_count) == ("completed", 100, 5)
    found = implementation.updates(db.session, db.session.get(Decision, decision.decision_id))
    assert [(u.state, u.progress) for u in found] == [
        ("not_started", 0), ("in_progress", 30), ("suspended", 30), ("in_progress", 60),
        ("completed", 100),
    ]  # fmt: skip
    assert found[2].author.name == admin.name
    events = list(db.session.scalars(select(RecordEvent).where(
        RecordEvent.kind == "implementation.updated").order_by(RecordEvent.seq)))  # fmt: skip
    assert len(events) == 5
    assert {e.subject for e in events} == {f"decision:{decision.decision_id}"}
    last = json.loads(events[-1].data)
    text = "Il servizio è attivo in tutti i quartieri."
    assert last == {"number": decision.number, "state": "completed", "progress": 100,
                    "text_sha256": hashlib.sha256(text.encode()).hexdigest()}  # fmt: skip
    assert events[-1].actor == secretary.public_id
    assert record_text.describe(events[2], {}) == (
        f"Attuazione della deliberazione n. {decision.number}: sospesa, al 30%."
    )


@pytest.mark.parametrize("roles", [("chair", "member"), ("member",), ("stakeholder",), None])
def test_only_the_secretariat_posts(make_user, decision, roles):
    actor = AnonymousUserMixin() if roles is None else make_user(*roles)
    before = counts()
    with pytest.raises(NotAllowed):
        post(actor, decision.decision_id)
    assert counts() == before


@pytest.mark.parametrize(
    ("state", "progress", "text", "field"),
    [
        ("done", 50, "Fatto quasi tutto.", "state"),
        ("", 50, "Fatto quasi tutto.", "state"),
        (None, 50, "Fatto quasi tutto.", "state"),
        ("in_progress", -1, "Fatto quasi tutto.", "progress"),
        ("in_progress", 101, "Fatto quasi tutto.", "progress"),
        ("in_progress", "abc", "Fatto quasi tutto.", "progress"),
        ("in_progress", "1e2", "Fatto quasi tutto.", "progress"),
        ("in_progress", 50.5, "Fatto quasi tutto.", "progress"),
        ("in_progress", True, "Fatto quasi tutto.", "progress"),
        ("in_progress", None, "Fatto quasi tutto.", "progress"),
        ("completed", 80, "Fatto quasi tutto.", "progress"),
        ("not_started", 10, "Fatto quasi tutto.", "progress"),
        ("in_progress", 50, "  ok ", "text"),
        ("in_progress", 50, "\x00\x00\x00\x00\x00\x00", "text"),
        ("in_progress", 50, "x" * 5001, "text"),
        ("in_progress", 50, None, "text"),
    ],
)
def test_bad_updates_are_refused_with_their_field(secretary, decision, state, progress, text,
                                                  field):  # fmt: skip
    before = counts()
    with pytest.raises(ValidationError) as refused:
        post(secretary, decision.decision_id, state, progress, text)
    assert refused.value.field == field
    assert refused.value.message
    assert counts() == before


def test_a_rejected_or_missing_decision_takes_no_update(secretary, make_user):
    rejected = archived(make_user("stakeholder"), approved=False)
    before = counts()
    with pytest.raises(InvalidState, match="respinta"):
        post(secretary, rejected.decision_id)
    for missing in (999_999, "1", None, True):
        with pytest.raises(NotFound):
            post(secretary, missing)
    assert counts() == before


def test_control_characters_are_dropped_from_the_text(secretary, decision):
    update = post(secretary, decision.decision_id, text="Prime\x00 corse\x07 effettuate.\r\nOk")
    assert update.text == "Prime corse effettuate.\nOk"


def test_followers_of_the_proposal_are_told(secretary, make_user, decision):
    follower, other = make_user("stakeholder"), make_user("stakeholder")
    with unit_of_work() as session:
        follows.follow(session, follower, "proposal", decision.proposal_id)
    post(secretary, decision.decision_id, "in_progress", 20, "Prime corse prenotate.")
    mine = db.session.scalars(select(Notification).where(Notification.user_id == follower.id))
    [note] = list(mine)
    assert note.url == f"/decisions/{decision.year}/{decision.seq:03d}#implementation"
    assert notification_messages.message(note, {}) == (
        "Attuazione di “Trasporto sociale”: in corso."
    )
    assert (
        db.session.scalars(select(Notification).where(Notification.user_id == other.id)).all() == []
    )
