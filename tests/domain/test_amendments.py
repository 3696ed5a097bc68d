"""Amendments: who may propose and decide them, their states, stale texts, record, notices."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from council.domain.notifications import follows
from council.domain.permissions import SYSTEM
from council.domain.proposals import amendments
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.proposal import Amendment, AmendmentState, ProposalState, ProposalVersion
from council.unit_of_work import unit_of_work
from tests.factories import PLAIN_BODY, add_version, events_of, fresh, make_proposal, notes_of
from tests.notification_helpers import record_size

NEW_BODY = PLAIN_BODY.replace("in ogni quartiere", "in ogni quartiere, anche la sera")
REASON = "Molti anziani sono soli soprattutto la sera."


@pytest.fixture
def proposer(make_user):
    return make_user("member")


@pytest.fixture
def proposal(author):
    return make_proposal(author, body=PLAIN_BODY)


def propose(actor, proposal, body=NEW_BODY, reason=REASON, **kw) -> Amendment:
    with unit_of_work() as session:
        return amendments.propose(session, actor, proposal, body=body, reason=reason, **kw)


def act(operation, actor, amendment, *args):
    with unit_of_work() as session:
        return operation(session, actor, session.merge(amendment), *args)


def versions(proposal) -> list[ProposalVersion]:
    return list(
        db.session.scalars(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal.id)
            .order_by(ProposalVersion.number)
        )
    )


# --- proposing ------------------------------------------------------------------------------


def test_amendments_are_numbered_per_proposal_recorded_and_announced(author, proposer, proposal):
    first = propose(proposer, proposal)
    second = propose(proposer, proposal, body=NEW_BODY + "\n\nE nei giorni festivi.")
    other = propose(proposer, make_proposal(author, title="Un'altra proposta", body=PLAIN_BODY))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.state == AmendmentState.PROPOSED
    assert first.base_version.number == 1

    event = events_of("amendment.proposed")[0]
    assert event.subject == f"amendment:{first.id}"
    assert event.actor == proposer.public_id
    assert json.loads(event.data) == {
        "proposal": proposal.id,
        "number": 1,
        "base_version": 1,
        "body_sha256": hashlib.sha256(NEW_BODY.encode()).hexdigest(),
    }
    [note, _second] = notes_of(author, "amendment_proposed")[:2]
    assert note.url == f"/proposals/{proposal.id}/amendments/1"
    assert json.loads(note.params)["number"] == 1
    assert notes_of(proposer) == []  # never told about one's own act
    assert follows.is_following(db.session, proposer, "proposal", proposal.id)


ROLES = ["stakeholder", "member", "secretary", "chair"]


@pytest.mark.parametrize("role", [*ROLES, "admin", "public"])
def test_who_may_propose(make_user, proposal, role):
    actor = AnonymousUserMixin() if role == "public" else make_user(role)
    if role in ROLES:
        assert propose(actor, proposal).number == 1
    else:
        before = record_size()
        with pytest.raises(NotAllowed):
            propose(actor, proposal)
        assert record_size() == before


@pytest.mark.parametrize(
    "state", [ProposalState.ON_AGENDA, ProposalState.WITHDRAWN, ProposalState.APPROVED]
)
def test_only_proposals_in_consultation_take_amendments(author, proposer, state):
    with pytest.raises(InvalidState):
        propose(proposer, make_proposal(author, state=state, body=PLAIN_BODY))


def test_not_after_the_deadline(author, proposer):
    proposal = make_proposal(author, body=PLAIN_BODY)
    later = proposal.consultation_deadline + timedelta(seconds=1)
    with pytest.raises(InvalidState):
        propose(proposer, proposal, now=later)


def test_a_draft_of_someone_else_does_not_exist(author, proposer):
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False, body=PLAIN_BODY)
    with pytest.raises(NotFound):
        propose(proposer, draft)


@pytest.mark.parametrize(
    ("body", "reason", "field"),
    [
        (NEW_BODY, "troppo", "reason"),
        (NEW_BODY, "x" * 2001, "reason"),
        (NEW_BODY, "          \n\n   ", "reason"),
        ("", REASON, "body"),
        ("  \n  ", REASON, "body"),
        ("a" * 50_001, REASON, "body"),
        (PLAIN_BODY, REASON, "body"),  # nothing changed
        (PLAIN_BODY + "\n\n", REASON, "body"),  # nothing changed but blank lines
    ],
)
def test_bad_input_is_refused_on_its_field(proposer, proposal, body, reason, field):
    before = record_size()
    with pytest.raises(ValidationError) as caught:
        propose(proposer, proposal, body=body, reason=reason)
    assert caught.value.field == field
    assert record_size() == before
    assert db.session.scalars(select(Amendment)).all() == []


def test_limits_are_inclusive(proposer, proposal):
    assert propose(proposer, proposal, reason="x" * 10).number == 1
    assert propose(proposer, proposal, body="b" * 50_000, reason="y" * 2000).number == 2


# --- the author decides ---------------------------------------------------------------------


def test_accepting_makes_a_new_version(make_user, author, proposer, proposal):
    follower = make_user("stakeholder")
    with unit_of_work() as session:
        follows.follow(session, follower, "proposal", proposal.id)
    amendment = propose(proposer, proposal)
    act(amendments.accept, author, amendment)

    amendment = fresh(amendment)
    [_v1, v2] = versions(proposal)
    assert v2.body == NEW_BODY and v2.amendment_id == amendment.id
    assert v2.change_note == "Emendamento n. 1 accolto"
    assert amendment.state == AmendmentState.ACCEPTED
    assert amendment.resulting_version_id == v2.id and amendment.decided_at is not None
    assert db.session.get(type(proposal), proposal.id).current_version == 2
    assert json.loads(events_of("amendment.accepted")[0].data) == {
        "proposal": proposal.id,
        "number": 1,
        "version": 2,
    }
    [decided] = notes_of(proposer, "amendment_decided")
    assert json.loads(decided.params)["outcome"] == "accepted"
    assert notes_of(proposer, "new_version") == []  # told once, not twice
    assert [json.loads(n.params)["number"] for n in notes_of(follower, "new_version")] == [2]


@pytest.mark.parametrize("who", ["proposer", "stranger", "secretary", "public"])
def test_only_the_proposals_author_decides(make_user, proposer, proposal, who):
    amendment = propose(proposer, proposal)
    actor = {
        "proposer": proposer,
        "stranger": make_user("stakeholder"),
        "secretary": make_user("secretary"),
        "public": AnonymousUserMixin(),
    }[who]
    for operation in (amendments.accept, amendments.send_to_vote):
        with pytest.raises(NotAllowed):
            act(operation, actor, amendment)
    assert fresh(amendment).state == AmendmentState.PROPOSED


def test_a_stale_amendment_cannot_be_accepted(author, proposer, proposal):
    amendment = propose(proposer, proposal)
    add_version(proposal, author, PLAIN_BODY + "\n\nAggiunta dell'autore.")
    before = record_size()
    with pytest.raises(InvalidState) as caught:
        act(amendments.accept, author, amendment)
    assert "è cambiato" in caught.value.message  # the council's language
    assert fresh(amendment).state == AmendmentState.PROPOSED
    assert len(versions(proposal)) == 2 and record_size() == before
    assert amendments.is_stale(fresh(amendment))


def test_decisions_happen_once(author, proposer, proposal):
    amendment = propose(proposer, proposal)
    act(amendments.accept, author, amendment)
    for operation, actor in (
        (amendments.accept, author),
        (amendments.send_to_vote, author),
        (amendments.withdraw, proposer),
    ):
        with pytest.raises(InvalidState):
            act(operation, actor, amendment)


def test_no_acceptance_once_the_proposal_is_on_the_agenda(author, proposer, proposal):
    amendment = propose(proposer, proposal)
    with unit_of_work() as session:
        session.merge(proposal).state = ProposalState.ON_AGENDA
    with pytest.raises(InvalidState):
        act(amendments.accept, author, amendment)
    act(amendments.send_to_vote, author, amendment)  # the council may still vote on it
    assert fresh(amendment).state == AmendmentState.TO_VOTE


# --- the council votes ----------------------------------------------------------------------


@pytest.fixture
def to_vote(author, proposer, proposal):
    amendment = propose(proposer, proposal)
    act(amendments.send_to_vote, author, amendment)
    return amendment


def test_sending_to_the_vote(proposer, to_vote):
    assert fresh(to_vote).state == AmendmentState.TO_VOTE
    assert len(events_of("amendment.sent_to_vote")) == 1
    [note] = notes_of(proposer, "amendment_decided")
    assert json.loads(note.params)["outcome"] == "to_vote"


@pytest.mark.parametrize("role", ["chair", "secretary", "system"])
def test_an_approved_amendment_becomes_a_version(make_user, proposer, proposal, to_vote, role):
    actor = SYSTEM if role == "system" else make_user(role)
    act(amendments.record_amendment_outcome, actor, to_vote, True)
    amendment = fresh(to_vote)
    assert amendment.state == AmendmentState.APPROVED
    latest = versions(proposal)[-1]
    assert (latest.number, latest.amendment_id, latest.body) == (2, amendment.id, NEW_BODY)
    event = events_of("amendment.approved")[0]
    assert json.loads(event.data)["version"] == 2
    assert event.actor == (None if actor is SYSTEM else actor.public_id)
    outcomes = [json.loads(n.params)["outcome"] for n in notes_of(proposer, "amendment_decided")]
    assert outcomes == ["to_vote", "approved"]


def test_a_rejected_amendment_changes_no_text(proposer, proposal, to_vote):
    act(amendments.record_amendment_outcome, SYSTEM, to_vote, False)
    assert fresh(to_vote).state == AmendmentState.REJECTED
    assert len(versions(proposal)) == 1
    assert len(events_of("amendment.rejected")) == 1
    assert json.loads(notes_of(proposer, "amendment_decided")[-1].params)["outcome"] == "rejected"


@pytest.mark.parametrize("role", ["stakeholder", "member", "admin"])
def test_only_chair_secretary_or_a_vote_record_the_outcome(make_user, to_vote, role):
    with pytest.raises(NotAllowed):
        act(amendments.record_amendment_outcome, make_user(role), to_vote, True)
    assert fresh(to_vote).state == AmendmentState.TO_VOTE


def test_an_outcome_needs_an_amendment_sent_to_the_vote(proposer, proposal, to_vote):
    proposed = propose(proposer, proposal, body=NEW_BODY + "\n\nAltro.")
    with pytest.raises(InvalidState):
        act(amendments.record_amendment_outcome, SYSTEM, proposed, True)
    act(amendments.record_amendment_outcome, SYSTEM, to_vote, False)
    with pytest.raises(InvalidState):
        act(amendments.record_amendment_outcome, SYSTEM, to_vote, True)


def test_an_approved_but_stale_amendment_is_refused(author, proposal, to_vote):
    add_version(proposal, author, PLAIN_BODY + "\n\nNel frattempo.")
    with pytest.raises(InvalidState):
        act(amendments.record_amendment_outcome, SYSTEM, to_vote, True)
    assert fresh(to_vote).state == AmendmentState.TO_VOTE


# --- withdrawing ----------------------------------------------------------------------------


def test_its_author_withdraws_an_amendment(author, proposer, proposal):
    amendment = propose(proposer, proposal)
    with pytest.raises(NotAllowed):
        act(amendments.withdraw, author, amendment)
    act(amendments.withdraw, proposer, amendment)
    assert fresh(amendment).state == AmendmentState.WITHDRAWN
    assert json.loads(events_of("amendment.withdrawn")[0].data) == {
        "proposal": proposal.id,
        "number": 1,
    }
    with pytest.raises(InvalidState):
        act(amendments.accept, author, amendment)


def test_reading_follows_the_proposals_visibility(author, proposer, proposal):
    propose(proposer, proposal)
    assert amendments.get(db.session, AnonymousUserMixin(), proposal.id, 1).number == 1
    with pytest.raises(NotFound):
        amendments.get(db.session, None, proposal.id, 2)
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False, body=PLAIN_BODY)
    with pytest.raises(NotFound):
        amendments.get(db.session, proposer, draft.id, 1)
    assert amendments.open_for_amendments(proposal)
    assert not amendments.open_for_amendments(proposal, datetime.now(UTC) + timedelta(days=8))
