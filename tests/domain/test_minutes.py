"""Minutes (verbale): the draft tells the meeting from its rows, in Italian whoever asks; the
secretary edits it; a later meeting's vote approves it with the record's head as its anchor,
or rejects it back to a draft; approved minutes never change."""

from __future__ import annotations

import json
import re

import pytest
from flask_babel import force_locale
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from council import markdown, plain_text
from council.domain.archive import minutes, minutes_text
from council.domain.meetings import agenda, live_session
from council.domain.proposals import amendments
from council.domain.record import record
from council.domain.voting import polls
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.minutes import MinutesState
from council.models.record import RecordEvent
from tests.factories import BODY, make_proposal
from tests.meeting_helpers import events_since, head, new_meeting
from tests.minutes_helpers import (
    closed_story,
    drafted,
    later_meeting,
    reload,
    vote_on_minutes,
)
from tests.poll_helpers import AMENDED, Vote, group_council, hold, prepare, run, voting_meeting


@pytest.fixture
def closed(make_user):
    return closed_story(group_council(make_user))


def sections(body: str) -> dict[str, str]:
    """The draft's sections by heading (## and ###), each with the text up to the next."""
    parts = re.split(r"^#{2,3} (.+)$", body, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_draft_tells_the_meeting_from_its_rows(closed):
    found = drafted(closed)
    council, told = closed.council, closed.told
    a1 = council.members[0]
    body = found.body
    assert body.startswith("# Verbale della seduta del ")
    assert "**Seduta ordinaria di novembre**" in body
    assert "- Presiede: Teresa Presidente" in body
    assert "- Verbalizza: Pietro Segretario" in body
    assert "- Luogo: Sala dei Giudici, Palazzo della Loggia" in body
    part = sections(body)
    presence = part["Presenze"]
    # the chair opened the session (checked in with it), then everyone but Realtà 4 came
    assert re.search(
        r"All'apertura \(ore \d\d:\d\d\) è presente 1 componente su 10: Teresa Presidente\.",
        presence,
    )
    assert "Il numero legale (6 componenti) è raggiunto alle ore" in presence
    assert f"entra {a1.name}" in presence
    assert "Assenti: Realtà 4." in presence
    assert "Realtà 4 delega il proprio voto a Realtà 1 alle ore" in presence
    assert list(part)[:3] == ["Presenze", "Ordine del giorno", "Punto 1. Punti di ascolto"]
    first = part["Punto 1. Punti di ascolto"]
    assert "La discussione si apre alle ore" in first
    assert "Nessuno ha preso la parola." in first
    assert f"Proposta: {told.proposal.title}" in first
    assert "Chiusura" in part and "La presidenza dichiara chiusa la seduta alle ore" in body
    second = part["Punto 2. Nomina del rappresentante ai tavoli di zona"]
    assert re.search(r"- ore \d\d:\d\d, Assessore 1 \(intervento, 0 min 0\d s\)", second)
    assert re.search(r"- ore \d\d:\d\d, Realtà 1 \(replica, 0 min 0\d s\)", second)
    assert second.index("Assessore 1 (intervento") < second.index("Realtà 1 (replica")
    assert f"Deliberazione n. {told.rejected.number}:" in part["Votazione"]


def test_a_named_poll_lists_each_vote_and_statement(closed):
    body = drafted(closed).body
    told = closed.told
    amendment, named = body.split("### Votazione sull'emendamento n. 1")[1].split("### ", 1)
    assert "Quesito posto in votazione: «Approvare l'emendamento n. 1?»" in amendment
    assert "**Esito: emendamento approvato.**" in amendment
    assert "Votazione palese, maggioranza semplice." in named
    assert (
        "Presenti 9, rappresentati per delega 1, in conflitto di interessi 1. Favorevoli 5, "
        "contrari 3, astenuti 1; voti favorevoli necessari 4." in named
    )
    assert "**Esito: approvata.**" in named
    assert "Favorevoli (5): Assessore 1, Assessore 2, Realtà 3, Teresa Presidente, Zeno " in named
    assert "Contrari (3): Realtà 1, Realtà 2, Realtà 4 (per delega, espresso da Realtà 1)." in named
    assert "Astenuti (1): Pietro Segretario." in named
    assert "- Assessore 1: «Serve ai quartieri più lontani dai servizi.»" in named
    assert "- Realtà 1: «Le cooperative non sono state ascoltate abbastanza.»" in named
    assert "Dichiarano un conflitto di interessi e non partecipano al voto: Assessore 3." in named
    assert f"Deliberazione n. {told.approved.number}:" in named


def test_a_secret_poll_names_who_took_part_and_no_choice(closed):
    body = drafted(closed).body
    secret = body.split("Quesito posto in votazione: «Nominare Zeno?»")[1]
    assert "Votazione a scrutinio segreto, maggioranza assoluta dei presenti." in secret
    assert "Favorevoli 2, contrari 6, astenuti 1" in secret
    assert "**Esito: respinta.**" in secret
    assert (
        "Hanno partecipato (9, in ordine alfabetico): Assessore 1, Assessore 2, Assessore 3, "
        "Pietro Segretario, Realtà 1, Realtà 2, Realtà 3, Teresa Presidente, Zeno Senzagruppo."
        in secret
    )
    for line in ("Favorevoli (", "Contrari (", "Astenuti (", "(per delega", "Dichiarazioni"):
        assert line not in secret


def test_the_document_is_italian_whatever_the_reader(closed):
    with force_locale("en"):
        found = drafted(closed)
    assert found.body.startswith("# Verbale della seduta del ")
    assert "Minutes" not in found.body and "In favour" not in found.body


def test_names_and_titles_stay_plain_text(app):
    typed = "Punto *urgente* [link](x)  <b>"
    assert minutes_text.escape(typed) == r"Punto \*urgente\* \[link\](x) &lt;b\>"
    assert str(markdown.render(minutes_text.escape(typed))) == (
        "<p>Punto *urgente* [link](x) &lt;b&gt;</p>"
    )


def test_drafting_is_recorded_and_needs_a_closed_meeting(closed, make_user):
    secretary = closed.council.secretary
    running = new_meeting(secretary, items=1)
    with pytest.raises(InvalidState, match="a seduta chiusa"):
        run(minutes.draft, secretary, running.id)
    with pytest.raises(NotAllowed):
        run(minutes.draft, closed.council.chair, closed.meeting.id)
    with pytest.raises(NotFound):
        run(minutes.draft, secretary, 10**6)
    before = head()
    found = drafted(closed)
    [(kind, data)] = events_since(before)
    assert kind == "minutes.drafted"
    assert data == {"meeting": closed.meeting.id, "revision": 1,
                    "body_sha256": plain_text.sha256(found.body)}  # fmt: skip
    assert found.body_sha256 == data["body_sha256"] and found.state == MinutesState.DRAFT


def test_the_secretary_edits_and_drafting_again_asks_before_replacing(closed):
    secretary, meeting_id = closed.council.secretary, closed.meeting.id
    found = drafted(closed)
    text = found.body + "\nIl Consiglio ringrazia i volontari dei Punti di comunità.\r\n"
    before = head()
    assert run(minutes.edit, secretary, meeting_id, body=text, revision=1) is True
    [(kind, data)] = events_since(before)
    edited = reload(found)
    assert kind == "minutes.edited" and data["revision"] == 2 == edited.revision
    assert edited.body.endswith("volontari dei Punti di comunità.\n") and "\r" not in edited.body
    assert data["body_sha256"] == plain_text.sha256(edited.body) == edited.body_sha256
    assert edited.edited_by_id == secretary.id
    # the same text again changes nothing; an edit of an older revision is refused
    assert run(minutes.edit, secretary, meeting_id, body=edited.body, revision=2) is False
    with pytest.raises(InvalidState, match="modificato"):
        run(minutes.edit, secretary, meeting_id, body="Altro testo", revision=1)
    with pytest.raises(ValidationError, match="vuoto"):
        run(minutes.edit, secretary, meeting_id, body=" \n ", revision=2)
    with pytest.raises(ValidationError):
        run(minutes.edit, secretary, meeting_id, body="x" * (minutes.MAX_BODY + 1), revision=2)
    with pytest.raises(NotAllowed):
        run(minutes.edit, closed.council.members[0], meeting_id, body="x", revision=2)
    assert len(events_since(before)) == 1
    with pytest.raises(InvalidState, match="sostituisce"):
        run(minutes.draft, secretary, meeting_id)
    run(minutes.draft, secretary, meeting_id, replace_edits=True)
    again = reload(found)
    assert "ringrazia i volontari" not in again.body and again.revision == 3
    assert again.edited_at is None


def test_approval_at_a_later_meeting_anchors_the_record(app, closed):
    council, meeting = closed.council, closed.meeting
    found = drafted(closed)
    before = head()
    later, item = later_meeting(council, meeting)
    assert item.title.startswith("Approvazione del verbale della seduta del ")
    scheduled = [d for k, d in events_since(before) if k == "minutes.scheduled"]
    assert scheduled == [{"meeting": meeting.id, "agenda_meeting": later.id, "item": item.id}]
    assert reload(found).approval_item_id == item.id
    poll, decision = vote_on_minutes(council, later, item)
    approved = reload(found)
    assert approved.state == MinutesState.APPROVED
    recorded = db.session.scalar(
        select(RecordEvent).where(RecordEvent.kind == "decision.recorded",
                                  RecordEvent.subject == f"decision:{decision.id}")
    )  # fmt: skip
    # the anchor is the head at the approval: the decision's own event, just before
    assert (approved.anchor_seq, approved.anchor_hash) == (recorded.seq, recorded.hash)
    assert approved.approval_poll_id == poll.id and approved.approval_decision_id == decision.id
    assert approved.body_sha256 == plain_text.sha256(approved.body)
    last = record.head(db.session)
    assert last.kind == "minutes.approved" and last.seq == recorded.seq + 1
    assert last.actor is None and last.subject == f"minutes:{found.id}"
    assert json.loads(last.data) == {
        "meeting": meeting.id, "poll": poll.id, "decision": decision.number,
        "body_sha256": approved.body_sha256, "anchor_seq": recorded.seq,
        "anchor_hash": recorded.hash,
    }  # fmt: skip
    runner = app.test_cli_runner()
    anchor = f"{approved.anchor_seq}:{approved.anchor_hash}"
    result = runner.invoke(args=["record", "verify", "--anchor", anchor])
    assert result.exit_code == 0, result.output
    assert f"anchor {anchor} is part of the chain" in result.output
    forged = f"{approved.anchor_seq}:{'0' * 64}"
    assert runner.invoke(args=["record", "verify", "--anchor", forged]).exit_code == 1


def test_approved_minutes_never_change(closed):
    council, meeting = closed.council, closed.meeting
    found = drafted(closed)
    later, item = later_meeting(council, meeting)
    vote_on_minutes(council, later, item)
    approved = reload(found)
    other = new_meeting(council.secretary, items=1, title="Seduta di dicembre")
    before = head()
    with pytest.raises(InvalidState, match="approvato"):
        run(minutes.edit, council.secretary, meeting.id, body="Nuovo testo", revision=1)
    with pytest.raises(InvalidState, match="approvato"):
        run(minutes.draft, council.secretary, meeting.id, replace_edits=True)
    with pytest.raises(InvalidState, match="approvato"):
        run(minutes.put_on_agenda, council.secretary, meeting.id, target_meeting_id=other.id)
    assert head() == before and reload(found).body == approved.body


def test_a_rejected_approval_keeps_the_draft_for_corrections(closed):
    council, meeting = closed.council, closed.meeting
    found = drafted(closed)
    later, item = later_meeting(council, meeting)
    poll, decision = vote_on_minutes(council, later, item, approve=False)
    back = reload(found)
    assert back.state == MinutesState.DRAFT and back.approval_item_id is None
    assert back.anchor_seq is None and back.approved_at is None
    last = record.head(db.session)
    assert last.kind == "minutes.rejected"
    assert json.loads(last.data) == {"meeting": meeting.id, "poll": poll.id,
                                     "decision": decision.number}  # fmt: skip
    assert run(minutes.edit, council.secretary, meeting.id, body="Testo corretto.",
               revision=back.revision)  # fmt: skip


def test_the_text_is_frozen_while_the_council_votes_on_it(closed):
    council, meeting = closed.council, closed.meeting
    found = drafted(closed)
    later, item = later_meeting(council, meeting)
    poll, _none = vote_on_minutes(council, later, item, close=False)
    with pytest.raises(InvalidState, match="sta votando"):
        run(minutes.edit, council.secretary, meeting.id, body="Altro", revision=found.revision)
    run(polls.close_poll, council.chair, poll.id)
    with pytest.raises(InvalidState, match="sta votando"):  # until the decision is recorded
        run(minutes.draft, council.secretary, meeting.id)
    run(polls.record_decision, council.secretary, poll.id)
    assert reload(found).state == MinutesState.APPROVED


def test_putting_on_an_agenda_is_refused_where_it_cannot_approve(closed):
    council, meeting = closed.council, closed.meeting
    secretary = council.secretary
    with pytest.raises(NotFound, match="non è ancora stato redatto"):
        run(minutes.put_on_agenda, secretary, meeting.id, target_meeting_id=meeting.id)
    drafted(closed)
    with pytest.raises(InvalidState, match="chiusa"):
        run(minutes.put_on_agenda, secretary, meeting.id, target_meeting_id=meeting.id)
    with pytest.raises(NotFound):
        run(minutes.put_on_agenda, secretary, meeting.id, target_meeting_id="1")
    later = new_meeting(secretary, items=1, title="Seduta successiva")
    with pytest.raises(NotAllowed):
        run(minutes.put_on_agenda, council.chair, meeting.id, target_meeting_id=later.id)
    with pytest.raises(NotFound):
        run(minutes.put_on_agenda, secretary, meeting.id, target_meeting_id=later.id,
            item_id=closed.meeting.items[0].id)  # another meeting's item  # fmt: skip
    existing = later.items[0]
    item = run(minutes.put_on_agenda, secretary, meeting.id, target_meeting_id=later.id,
               item_id=existing.id)  # fmt: skip
    assert item.id == existing.id
    before = head()
    again = run(minutes.put_on_agenda, secretary, meeting.id, target_meeting_id=later.id,
                item_id=existing.id)  # fmt: skip
    assert again.id == existing.id and head() == before  # already there: nothing recorded


def test_who_reads_a_draft(closed, make_user):
    council, meeting = closed.council, closed.meeting
    drafted(closed)
    public, member = AnonymousUserMixin(), council.members[0]
    for reader in (council.secretary, council.chair, council.admin):
        assert minutes.readable(db.session, reader, meeting.id)[1].state == MinutesState.DRAFT
    for reader in (public, member, council.stakeholder):
        with pytest.raises(NotFound, match="non è ancora pubblicato"):
            minutes.readable(db.session, reader, meeting.id)
    later_meeting(council, meeting)
    assert minutes.readable(db.session, member, meeting.id)  # members vote on it: they read it
    for reader in (public, council.stakeholder):
        with pytest.raises(NotFound):
            minutes.readable(db.session, reader, meeting.id)


def test_the_public_reads_approved_minutes(closed):
    council, meeting = closed.council, closed.meeting
    drafted(closed)
    later, item = later_meeting(council, meeting)
    vote_on_minutes(council, later, item)
    _meeting, found = minutes.readable(db.session, AnonymousUserMixin(), meeting.id)
    assert found.state == MinutesState.APPROVED
    assert minutes.on_agenda(db.session, later) == {item.id: found}


def test_an_approval_item_taken_off_the_agenda_leaves_the_minutes_unscheduled(closed):
    council, meeting = closed.council, closed.meeting
    found = drafted(closed)
    later = new_meeting(council.secretary, items=1, title="Seduta successiva")
    item = run(minutes.put_on_agenda, council.secretary, meeting.id, target_meeting_id=later.id)
    assert reload(found).approval_item_id == item.id
    run(agenda.remove_item, council.secretary, later.id, item.id)
    assert reload(found).approval_item_id is None
    assert minutes.vote_under_way(db.session, reload(found)) is False


def test_votes_are_listed_in_the_order_taken_amendments_before_their_item(make_user):
    """The item's poll prepared first, its amendment's after: the amendment was voted first
    (the item's poll cannot open before it), and the minutes say so."""
    council = group_council(make_user)
    proposal = make_proposal(council.stakeholder)
    amendment = run(amendments.propose, council.members[0], proposal,
                    body=f"{BODY}\n\n{AMENDED}", reason="Una verifica pubblica.")  # fmt: skip
    run(amendments.send_to_vote, council.stakeholder, amendment)
    meeting = voting_meeting(council, proposal=proposal)
    everyone = Vote(choices=dict.fromkeys(council.all_members, "in_favour"))
    item_poll = prepare(council, meeting, question="Approvare la proposta?")
    amendment_poll, _none = hold(council, meeting, everyone, amendment_id=amendment.id,
                                 question="Approvare l'emendamento n. 1?")  # fmt: skip
    assert amendment_poll.id > item_poll.id
    run(polls.open_poll, council.chair, item_poll.id)
    for person in council.all_members:
        run(polls.cast_ballot, person, item_poll.id, "in_favour", f"item-{person.public_id}")
    run(polls.close_poll, council.chair, item_poll.id)
    run(polls.record_decision, council.secretary, item_poll.id)
    run(live_session.close, council.chair, meeting.id)
    body = run(minutes.draft, council.secretary, meeting.id).body
    votes = re.findall(r"^### (.+)$", body, flags=re.M)
    assert votes == ["Votazione sull'emendamento n. 1", "Votazione"]
    assert body.index("«Approvare l'emendamento n. 1?»") < body.index("«Approvare la proposta?»")
