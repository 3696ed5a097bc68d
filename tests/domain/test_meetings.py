"""Preparing meetings in the domain: details, agenda, documents, the convocation with its
e-mails and calendar invitation, changes after the convocation, and who may do what."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from council.domain.meetings import agenda, live_session, meetings
from council.domain.notifications import notifications
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.base import utcnow
from council.models.meeting import MeetingState
from council.models.notification import EmailFrequency
from council.models.proposal import ProposalState
from council.unit_of_work import unit_of_work
from tests.factories import PLAIN_BODY, fresh, make_proposal, notes_of
from tests.meeting_helpers import (
    convened_meeting,
    events_since,
    head,
    make_council,
    new_meeting,
    running_meeting,
)


@pytest.fixture
def council(make_user):
    return make_council(make_user)


@pytest.fixture
def outbox(app):
    """New e-mails written to the outbox during the test."""
    folder = Path(app.config["MAIL_OUTBOX"])
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.glob("*.eml"))

    def read() -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(set(folder.glob("*.eml")) - before)
        ]

    return read


def test_the_secretary_prepares_a_meeting_and_the_record_tells_it(council):
    start = head()
    meeting = new_meeting(council.secretary, items=3)
    meeting = fresh(meeting)
    assert meeting.state == MeetingState.SCHEDULED
    assert [i.title for i in meeting.items] == [
        "Punto numero 1",
        "Punto numero 2",
        "Punto numero 3",
    ]
    assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)
    kinds = [kind for kind, _data in events_since(start)]
    assert kinds == ["meeting.created", *["agenda.item_added"] * 3]
    assert events_since(start)[1][1] == {
        "item": meeting.items[0].id, "title": "Punto numero 1", "position": 1,
        "proposal": None, "after_convocation": False,
    }  # fmt: skip
    assert meeting.live_version == 4


def test_agenda_items_are_reordered_and_removed(council):
    meeting = new_meeting(council.secretary, items=3)
    first, second, third = meeting.items
    start = head()
    with unit_of_work() as session:
        agenda.move_item(session, council.secretary, meeting.id, third.id, 1)
    assert [i.id for i in fresh(meeting).items] == [third.id, first.id, second.id]
    with unit_of_work() as session:
        agenda.move_item(session, council.secretary, meeting.id, third.id, 99)  # clamped
        agenda.remove_item(session, council.secretary, meeting.id, first.id)
    meeting = fresh(meeting)
    assert [(i.id, i.position) for i in meeting.items] == [(second.id, 0), (third.id, 1)]
    assert [kind for kind, _d in events_since(start)] == [
        "agenda.item_moved", "agenda.item_moved", "agenda.item_removed",
    ]  # fmt: skip


def test_an_item_tied_to_a_proposal_in_consultation_puts_it_on_the_agenda(council):
    proposal = make_proposal(council.stakeholder, body=PLAIN_BODY)
    meeting = new_meeting(council.secretary, items=0)
    with unit_of_work() as session:
        item = agenda.add_item(
            session, council.secretary, meeting.id, title="Anziani soli", proposal_id=proposal.id
        )
    assert item.proposal_id == proposal.id
    db.session.expire_all()
    assert db.session.get(type(proposal), proposal.id).state == ProposalState.ON_AGENDA


@pytest.mark.parametrize("state", [ProposalState.DRAFT, ProposalState.APPROVED])
def test_only_proposals_in_consultation_can_be_tied(council, state):
    proposal = make_proposal(council.stakeholder, state=state, body=PLAIN_BODY)
    meeting = new_meeting(council.secretary, items=0)
    before = head()
    with pytest.raises(ValidationError) as error, unit_of_work() as session:
        agenda.add_item(session, council.secretary, meeting.id, title="X y z",
                          proposal_id=proposal.id)  # fmt: skip
    assert error.value.field == "proposal"
    assert head() == before
    assert fresh(meeting).items == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": "tomorrow"}, "ends_at"),
        ({"place": "", "link": ""}, "place"),
        ({"place": "", "link": "javascript:alert(1)"}, "link"),
        ({"description": "x" * 20_001}, "description"),
    ],
)
def test_bad_details_are_refused_on_their_field(council, fields, field):
    values = {"title": "Seduta", "starts_at": utcnow() + timedelta(days=1), "place": "Sala"}
    values.update(fields)
    before = head()
    with pytest.raises(ValidationError) as error, unit_of_work() as session:
        meetings.create(session, council.secretary, **values)
    assert error.value.field == field
    assert head() == before


def test_a_meeting_must_end_after_it_starts_and_not_start_in_the_past(council):
    start = utcnow() + timedelta(days=1)
    with pytest.raises(ValidationError), unit_of_work() as session:
        meetings.create(session, council.secretary, title="Seduta", starts_at=start,
                        ends_at=start - timedelta(minutes=1), place="Sala")  # fmt: skip
    with pytest.raises(ValidationError), unit_of_work() as session:
        meetings.create(session, council.secretary, title="Seduta",
                        starts_at=utcnow() - timedelta(days=2), place="Sala")  # fmt: skip


@pytest.mark.parametrize("who", ["public", "stakeholder", "member", "chair", "admin"])
def test_only_the_secretary_prepares_and_convenes(council, who):
    actor = AnonymousUserMixin() if who == "public" else {
        "stakeholder": council.stakeholder, "member": council.members[0],
        "chair": council.chair, "admin": council.admin,
    }[who]  # fmt: skip
    meeting = new_meeting(council.secretary)
    before = head()
    operations = [
        lambda s: meetings.create(s, actor, title="Altra", starts_at=utcnow(), place="Sala"),
        lambda s: meetings.update(s, actor, meeting.id, title="Cambiata"),
        lambda s: agenda.add_item(s, actor, meeting.id, title="Punto nuovo"),
        lambda s: agenda.move_item(s, actor, meeting.id, meeting.items[1].id, 1),
        lambda s: agenda.remove_item(s, actor, meeting.id, meeting.items[0].id),
        lambda s: agenda.add_document(s, actor, meeting.id, title="Doc", link="https://x.it"),
        lambda s: meetings.convene(s, actor, meeting.id),
    ]
    for operation in operations:
        with pytest.raises(NotAllowed), unit_of_work() as session:
            operation(session)
    assert head() == before
    assert fresh(meeting).state == MeetingState.SCHEDULED


def test_drafts_are_invisible_to_the_public_until_convened(council):
    meeting = new_meeting(council.secretary)
    with pytest.raises(NotFound):
        meetings.get(db.session, AnonymousUserMixin(), meeting.id)
    with pytest.raises(NotFound):
        meetings.get(db.session, council.members[0], meeting.id)
    assert meetings.get(db.session, council.chair, meeting.id).id == meeting.id
    assert meetings.listing(db.session, AnonymousUserMixin())["upcoming"] == []
    with unit_of_work() as session:
        meetings.convene(session, council.secretary, meeting.id)
    assert meetings.get(db.session, AnonymousUserMixin(), meeting.id).id == meeting.id
    assert [m.id for m in meetings.listing(db.session, None)["upcoming"]] == [meeting.id]


def test_the_convocation_reaches_every_member_in_app_and_by_email(council, outbox):
    meeting = new_meeting(council.secretary, items=2, title="Seduta; con, caratteri \\ speciali")
    start = head()
    with unit_of_work() as session:
        meetings.convene(session, council.secretary, meeting.id)
    meeting = fresh(meeting)
    assert meeting.state == MeetingState.CONVENED and meeting.convened_at is not None
    (kind, data), = events_since(start)  # fmt: skip
    assert kind == "meeting.convened"
    assert data["recipients"] == len(council.all_members) == 6
    # in the app: every member but the secretary who convened; never the stakeholder
    for person in council.all_members:
        expected = 0 if person is council.secretary else 1
        assert len(notes_of(person, "convocation")) == expected
    assert notes_of(council.stakeholder) == []
    # by e-mail, with the calendar invitation attached
    mails = outbox()
    assert sorted(m["To"] for m in mails) == sorted(p.email for p in council.all_members)
    message = mails[0]
    with force_locale("it"):  # members without a language get the council's
        assert message["Subject"] == _("Convocation: %(title)s", title=meeting.title)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Punto numero 1" in text and "Sala dei Giudici" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    ics = attachment.get_payload(decode=True)
    assert b"SUMMARY:Seduta\\; con\\, caratteri \\\\ speciali" in ics
    assert f"UID:meeting-{meeting.id}@".encode() in ics
    assert b"SEQUENCE:0" in ics


def test_convening_needs_an_agenda_a_future_start_and_happens_once(council):
    empty = new_meeting(council.secretary, items=0)
    with pytest.raises(InvalidState), unit_of_work() as session:
        meetings.convene(session, council.secretary, empty.id)
    meeting = convened_meeting(council)
    before = head()
    with pytest.raises(InvalidState), unit_of_work() as session:
        meetings.convene(session, council.secretary, meeting.id)
    assert head() == before


def test_changes_after_the_convocation_are_marked_and_notified(council, outbox):
    meeting = convened_meeting(council)
    outbox_before = len(outbox())
    start = head()
    with unit_of_work() as session:
        meetings.update(session, council.secretary, meeting.id, place="Sala Libretti")
        agenda.add_item(session, council.secretary, meeting.id, title="Punto urgente")
        agenda.update_item(session, council.secretary, meeting.id, meeting.items[0].id,
                             title="Punto numero 1, riformulato")  # fmt: skip
    meeting = fresh(meeting)
    assert meeting.changed_at is not None
    assert meeting.ics_sequence == 3
    assert [i.changed_after_convocation for i in meeting.items] == [True, False, True]
    kinds = [(kind, data["after_convocation"]) for kind, data in events_since(start)]
    assert kinds == [
        ("meeting.updated", True), ("agenda.item_added", True), ("agenda.item_updated", True),
    ]  # fmt: skip
    assert len(notes_of(council.members[0], "meeting_changed")) == 3
    mails = outbox()[outbox_before:]
    assert len(mails) == 3 * len(council.all_members)
    with force_locale("it"):
        assert {m["Subject"] for m in mails} == {
            _("Meeting changed: %(title)s", title=meeting.title)
        }
    assert b"SEQUENCE:3" in next(mails[-1].iter_attachments()).get_payload(decode=True)


def test_an_unchanged_update_records_nothing(council):
    meeting = new_meeting(council.secretary)
    before = head()
    with unit_of_work() as session:
        meetings.update(session, council.secretary, meeting.id, title=meeting.title)
    assert head() == before


def test_documents_are_links_recorded_and_removable(council):
    meeting = new_meeting(council.secretary)
    start = head()
    with unit_of_work() as session:
        document = agenda.add_document(
            session, council.secretary, meeting.id, title="Relazione annuale",
            link="https://www.comune.brescia.it/relazione.pdf", item_id=meeting.items[0].id,
        )  # fmt: skip
    with pytest.raises(ValidationError), unit_of_work() as session:
        agenda.add_document(session, council.secretary, meeting.id, title="Virus",
                              link="file:///etc/passwd")  # fmt: skip
    assert [d.title for d in fresh(meeting).documents] == ["Relazione annuale"]
    with unit_of_work() as session:
        agenda.remove_document(session, council.secretary, meeting.id, document.id)
    assert fresh(meeting).documents == []
    assert [k for k, _d in events_since(start)] == [
        "meeting.document_added", "meeting.document_removed",
    ]  # fmt: skip


def test_a_closed_meeting_cannot_be_changed_but_its_outcomes_can_be_written(council):
    meeting = running_meeting(council, present=[])
    with unit_of_work() as session:
        live_session.close(session, council.chair, meeting.id)
    with pytest.raises(InvalidState), unit_of_work() as session:
        agenda.add_item(session, council.secretary, meeting.id, title="Troppo tardi")
    with unit_of_work() as session:
        agenda.update_item(session, council.secretary, meeting.id, meeting.items[0].id,
                             outcome="Approvata all'unanimità")  # fmt: skip
    assert fresh(meeting).items[0].outcome == "Approvata all'unanimità"


def test_members_wanting_mail_at_once_get_one_convocation_not_two(council, outbox):
    """The convocation's own e-mail (with the .ics) is the only one, whatever the settings."""
    member = council.all_members[-1]
    with unit_of_work() as session:
        notifications.settings_for(session, member.id).email = EmailFrequency.IMMEDIATE
    meeting = new_meeting(council.secretary, items=1)
    with unit_of_work() as session:
        meetings.convene(session, council.secretary, meeting.id)
    assert [m["To"] for m in outbox()].count(member.email) == 1
    assert digests_send_nothing()


def digests_send_nothing() -> bool:
    before = len(list(Path(current_app.config["MAIL_OUTBOX"]).glob("*.eml")))
    result = current_app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    after = len(list(Path(current_app.config["MAIL_OUTBOX"]).glob("*.eml")))
    return result.exit_code == 0 and after == before
