"""Proposals in the domain: the state machine, who may do what, versions, the deadline,
co-signing organisations, supports, what is recorded and who is notified."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from council.domain.community import organisations
from council.domain.community.topics import save_topic
from council.domain.notifications import follows
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations, proposal_queries
from council.domain.proposals import proposals as ops
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.meeting import AgendaItem
from council.models.notification import Notification
from council.models.poll import Poll, PollState
from council.models.proposal import (
    TRANSITIONS,
    CosignState,
    Follow,
    FollowTarget,
    Proposal,
    ProposalState,
    Support,
)
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.factories import fresh, notes_of

S = ProposalState
BODY = "Primo paragrafo sul custode sociale.\n\nSecondo paragrafo: orari e costi."


def events(kind: str | None = None) -> list[tuple[str, str, dict]]:
    db.session.expire_all()
    query = select(RecordEvent).order_by(RecordEvent.seq)
    if kind:
        query = query.where(RecordEvent.kind == kind)
    return [(e.kind, e.subject, json.loads(e.data)) for e in db.session.scalars(query)]


def head() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.max(RecordEvent.seq))) or 0


def in_future(**delta) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


@pytest.fixture
def other_org(app, zone):
    with unit_of_work() as session:
        return organisations.save_organisation(
            session, SYSTEM, None, name="Associazione Vicini di Casa", kind="APS", zone=zone
        )


@pytest.fixture
def author(make_user):
    return make_user("stakeholder", name="Autrice")


@pytest.fixture
def outsider(make_user, other_org):
    return make_user("stakeholder", organisation=other_org, name="Altra realtà")


def draft(author, title="Custode sociale nei condomini", body=BODY, **kw):
    with unit_of_work() as session:
        return ops.create(session, author, title=title, body=body, **kw)


def published(author, **kw):
    proposal = draft(author, **kw)
    with unit_of_work() as session:
        ops.submit(session, author, proposal, deadline=in_future(days=30))
    return proposal


def force_state(proposal: Proposal, state: ProposalState) -> Proposal:
    """Test set-up: put a proposal in a state directly (published unless a draft)."""
    with unit_of_work() as session:
        row = session.get(Proposal, proposal.id)
        row.state = state
        if state != S.DRAFT:
            row.submitted_at = datetime.now(UTC)
            row.consultation_deadline = in_future(days=10)
    return fresh(proposal)


def vote_on(proposal: Proposal, *, approved: bool = True) -> Poll:
    """The council's closed, valid vote on an agenda item tied to the proposal, as the
    transition sees it (never stored: the whole story with meetings and ballots is in
    tests/domain/test_final_states.py)."""
    item = AgendaItem(proposal_id=proposal.id)
    return Poll(state=PollState.CLOSED, valid=True, approved=approved, item=item)


# --- the state machine ------------------------------------------------------------------------

OPERATIONS = {
    "submit": lambda s, who, p: ops.submit(s, who["author"], p, deadline=in_future(days=20)),
    "withdraw": lambda s, who, p: ops.withdraw(s, who["author"], p),
    "schedule": lambda s, who, p: ops.schedule(s, who["secretary"], p),
    "refer_back": lambda s, who, p: ops.refer_back(s, who["secretary"], p, reason="Da rivedere"),
    "approve": lambda s, who, p: ops.record_outcome(s, SYSTEM, p, poll=vote_on(p, approved=True)),
    "reject": lambda s, who, p: ops.record_outcome(s, who["chair"], p,
                                                   poll=vote_on(p, approved=False)),
}  # fmt: skip
# operation -> (states it may start from, state it leads to)
ALLOWED = {
    "submit": ({S.DRAFT, S.REFERRED_BACK}, S.CONSULTATION),
    "withdraw": ({S.DRAFT, S.CONSULTATION, S.ON_AGENDA, S.REFERRED_BACK}, S.WITHDRAWN),
    "schedule": ({S.CONSULTATION, S.REFERRED_BACK}, S.ON_AGENDA),
    "refer_back": ({S.ON_AGENDA}, S.REFERRED_BACK),
    "approve": ({S.ON_AGENDA}, S.APPROVED),
    "reject": ({S.ON_AGENDA}, S.REJECTED),
}


def test_the_operations_cover_exactly_the_transitions_of_the_model():
    covered = {(start, to) for starts, to in ALLOWED.values() for start in starts}
    declared = {(start, to) for start, targets in TRANSITIONS.items() for to in targets}
    assert covered == declared


@pytest.mark.parametrize("state", list(S), ids=str)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_state_machine(make_user, author, state, operation):
    who = {"author": author, "secretary": make_user("secretary"), "chair": make_user("chair")}
    proposal = force_state(draft(author), state)
    before = head()
    starts, target = ALLOWED[operation]
    if state in starts:
        with unit_of_work() as session:
            OPERATIONS[operation](session, who, proposal)
        assert fresh(proposal).state == target
        if state == S.DRAFT and operation == "withdraw":
            assert head() == before, "a draft discarded before submission stays private"
        elif state == S.DRAFT:
            assert [e[0] for e in events()[before:]] == ["proposal.submitted"]
        else:
            kind, subject, data = events()[-1]
            assert (kind, subject) == ("proposal.state_changed", f"proposal:{proposal.id}")
            assert (data["from"], data["to"]) == (str(state), str(target))
    else:
        with pytest.raises(InvalidState), unit_of_work() as session:
            OPERATIONS[operation](session, who, proposal)
        assert fresh(proposal).state == state
        assert head() == before


def test_refer_back_needs_a_reason_and_records_it(secretary, author):
    proposal = force_state(draft(author), S.ON_AGENDA)
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        ops.refer_back(session, secretary, proposal, reason="   ")
    assert caught.value.field == "reason"
    with unit_of_work() as session:
        ops.refer_back(session, secretary, proposal, reason="Servono dati sui costi")
    assert events("proposal.state_changed")[-1][2] == {
        "from": "on_agenda", "to": "referred_back", "reason": "Servono dati sui costi",
    }  # fmt: skip


def test_a_proposal_referred_back_is_consulted_again_with_a_new_deadline(author):
    proposal = force_state(draft(author), S.REFERRED_BACK)
    deadline = in_future(days=14).replace(second=0, microsecond=0)
    with unit_of_work() as session:
        ops.submit(session, author, proposal, deadline=deadline)
    proposal = fresh(proposal)
    assert proposal.state == S.CONSULTATION
    assert proposal.consultation_deadline == deadline
    data = events("proposal.state_changed")[-1][2]
    assert data["to"] == "consultation" and data["deadline"].endswith("Z")


# --- who may do what ----------------------------------------------------------------------------

ROLES = ["public", "author", "stakeholder", "member", "secretary", "chair", "admin"]


@pytest.fixture
def people(make_user, author, outsider):
    return {
        "public": AnonymousUserMixin(),
        "author": author,
        "stakeholder": outsider,
        "member": make_user("member", organisation=outsider.organisation),
        "secretary": make_user("secretary", organisation=None),
        "chair": make_user("chair", "member", organisation=None),
        "admin": make_user("admin", organisation=None),
    }


def _setup(state):
    return lambda author: force_state(draft(author), state)


PERMISSIONS = {
    # operation: (set-up, call(session, user, proposal, other organisation), roles allowed)
    "create": (None, lambda s, u, p, o: ops.create(s, u, title="Titolo", body="Testo"),
               {"author", "stakeholder", "member", "secretary", "chair"}),
    "edit": (_setup(S.DRAFT),
             lambda s, u, p, o: ops.edit(s, u, p, title="Nuovo", body="Nuovo", topic=None,
                                         zones=[]),
             {"author"}),
    "submit": (_setup(S.DRAFT),
               lambda s, u, p, o: ops.submit(s, u, p, deadline=in_future(days=9)), {"author"}),
    "withdraw": (_setup(S.CONSULTATION), lambda s, u, p, o: ops.withdraw(s, u, p), {"author"}),
    "invite": (_setup(S.CONSULTATION),
               lambda s, u, p, o: proposal_organisations.invite_cosigners(s, u, p, [o]),
               {"author"}),
    "schedule": (_setup(S.CONSULTATION), lambda s, u, p, o: ops.schedule(s, u, p),
                 {"secretary"}),
    "refer_back": (_setup(S.ON_AGENDA), lambda s, u, p, o: ops.refer_back(s, u, p, reason="R"),
                   {"secretary", "chair"}),
    "record_outcome": (_setup(S.ON_AGENDA),
                       lambda s, u, p, o: ops.record_outcome(s, u, p, poll=vote_on(p)),
                       {"secretary", "chair"}),
    # for one's organisation: the secretary, chair and admin here have none
    "support": (_setup(S.CONSULTATION),
                lambda s, u, p, o: proposal_organisations.support(s, u, p),
                {"stakeholder", "member"}),
}  # fmt: skip
# Allowed by role, refused by the rules of the state: the author's organisation already signs.
REFUSED_BY_STATE = {("support", "author")}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", list(PERMISSIONS))
def test_permission_table(people, other_org, operation, role):
    setup, call, allowed = PERMISSIONS[operation]
    proposal = setup(people["author"]) if setup else None
    state = proposal.state if proposal else None
    before = head()
    if role in allowed:
        with unit_of_work() as session:
            call(session, people[role], proposal, other_org)
        return
    error = InvalidState if (operation, role) in REFUSED_BY_STATE else NotAllowed
    with pytest.raises(error), unit_of_work() as session:
        call(session, people[role], proposal, other_org)
    assert head() == before
    if proposal is not None:
        assert fresh(proposal).state == state


def test_only_a_representative_of_the_invited_organisation_answers(people, other_org, author):
    proposal = draft(author)
    with unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [other_org])
    for role in ("public", "author", "secretary", "admin"):
        with pytest.raises(NotAllowed), unit_of_work() as session:
            proposal_organisations.answer_cosign(session, people[role], proposal, accept=True)
    with unit_of_work() as session:
        proposal_organisations.answer_cosign(session, people["member"], proposal, accept=True)
    with pytest.raises(InvalidState), unit_of_work() as session:
        proposal_organisations.answer_cosign(session, people["stakeholder"], proposal, accept=False)
    assert fresh(proposal).cosigners[0].state == CosignState.ACCEPTED


# --- drafts, versions, edits ----------------------------------------------------------------------


def test_a_draft_is_private_until_submitted(make_user, author, outsider, other_org):
    topic = _topic()
    proposal = draft(author, topic=topic)
    assert head_kinds() == []  # nothing about a draft reaches the public record
    assert proposal.organisation_id == author.organisation_id
    assert proposal_queries.visible(author, proposal)
    for reader in (AnonymousUserMixin(), outsider, make_user("secretary")):
        assert not proposal_queries.visible(reader, proposal)
        with pytest.raises(NotFound):
            proposal_queries.get_visible(db.session, reader, proposal.id)
    with unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [other_org])
    assert proposal_queries.visible(outsider, fresh(proposal))
    assert head_kinds() == []
    assert follows.is_following(db.session, author, FollowTarget.PROPOSAL, proposal.id)


def head_kinds() -> list[str]:
    return [kind for kind, _s, _d in events() if kind.startswith("proposal.")]


def _topic(name="Anziani"):
    with unit_of_work() as session:
        return save_topic(session, SYSTEM, None, name=name)


def test_editing_a_draft_keeps_version_one_and_records_nothing(author, zone):
    proposal = draft(author)
    before = head()
    with unit_of_work() as session:
        ops.edit(session, author, proposal, title="Titolo corretto", body="Testo nuovo",
                 topic=None, zones=[zone], change_note="ignorata")  # fmt: skip
    proposal = fresh(proposal)
    assert proposal.current_version == 1 and len(proposal.versions) == 1
    assert (proposal.title, proposal.versions[0].body) == ("Titolo corretto", "Testo nuovo")
    assert [z.name for z in proposal.zones] == ["Zona Est"]
    assert head() == before


def test_an_edit_after_submission_is_a_new_version(make_user, author, outsider):
    proposal = published(author)
    follower = make_user("member")
    with unit_of_work() as session:
        follows.follow(session, follower, FollowTarget.PROPOSAL, proposal.id)
    new_body = BODY + "\n\nTerzo paragrafo: chi valuta."
    with unit_of_work() as session:
        ops.edit(session, author, proposal, title="Custode sociale nei condomini Aler",
                 body=new_body, topic=None, zones=[],
                 change_note="Aggiunta la valutazione")  # fmt: skip
    proposal = fresh(proposal)
    assert proposal.current_version == 2
    assert [v.number for v in proposal.versions] == [1, 2]
    assert proposal.versions[0].body == BODY, "earlier versions never change"
    assert proposal.versions[1].change_note == "Aggiunta la valutazione"
    _kind, subject, data = events("proposal.version_added")[-1]
    assert subject == f"proposal:{proposal.id}"
    assert data == {
        "version": 2,
        "title": "Custode sociale nei condomini Aler",
        "body_sha256": hashlib.sha256(new_body.encode()).hexdigest(),
        "change_note": "Aggiunta la valutazione",
    }
    [note] = notes_of(follower, "new_version")
    assert json.loads(note.params)["number"] == 2 and note.url == f"/proposals/{proposal.id}"
    assert notes_of(author, "new_version") == [], "never notified of one's own change"
    with pytest.raises(NotAllowed), unit_of_work() as session:
        ops.edit(session, outsider, proposal, title="Mio", body="Mio", topic=None, zones=[])


def test_an_edit_that_changes_nothing_is_refused(author):
    proposal = published(author)
    before = head()
    with (
        pytest.raises(ValidationError, match="modificato nulla"),
        unit_of_work() as session,
    ):
        ops.edit(session, author, proposal, title=proposal.title, body=BODY, topic=None, zones=[])
    assert head() == before and fresh(proposal).current_version == 1


def test_changing_only_topic_and_zones_is_recorded_without_a_version(author, zone):
    proposal = published(author)
    topic = _topic()
    with unit_of_work() as session:
        ops.edit(session, author, proposal, title=proposal.title, body=BODY, topic=topic,
                 zones=[zone])  # fmt: skip
    assert fresh(proposal).current_version == 1
    assert events("proposal.updated")[-1][2] == {"topic": topic.id, "zones": [zone.id]}


@pytest.mark.parametrize("state", [S.ON_AGENDA, S.APPROVED, S.REJECTED, S.WITHDRAWN])
def test_no_edits_on_the_agenda_or_once_decided(author, state):
    proposal = force_state(draft(author), state)
    with pytest.raises(InvalidState) as caught, unit_of_work() as session:
        ops.edit(session, author, proposal, title="Altro", body="Altro", topic=None, zones=[])
    assert caught.value.message  # the reason is given
    assert fresh(proposal).title == "Custode sociale nei condomini"


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", BODY, "title"),
        ("ab", BODY, "title"),
        ("x" * 201, BODY, "title"),
        ("Titolo", "", "body"),
        ("Titolo", " \n\n \t", "body"),
        ("Titolo", "x" * 50_001, "body"),
    ],
)
def test_size_limits(author, title, body, field):
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        ops.create(session, author, title=title, body=body)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_limits_are_inclusive_and_control_characters_are_dropped(author):
    proposal = draft(author, title="t" * 200, body="a\x00b\x07c\r\nd" + "x" * (50_000 - 6))
    text = proposal_queries.current(db.session, fresh(proposal)).body
    assert text.startswith("abc\nd") and len(text) == 50_000 - 6 + 5
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        ops.edit(session, author, proposal, title="Titolo", body="b", topic=None, zones=[],
                 change_note="n" * 501)  # fmt: skip
    assert caught.value.field == "change_note"


# --- submission and its deadline ---------------------------------------------------------------


def test_submission_publishes_version_one(make_user, author, outsider, other_org, zone):
    topic = _topic()
    zone_follower, topic_follower = make_user("member"), make_user("stakeholder")
    with unit_of_work() as session:
        follows.follow(session, zone_follower, FollowTarget.ZONE, zone.id)
        follows.follow(session, topic_follower, FollowTarget.TOPIC, topic.id)
        follows.follow(session, author, FollowTarget.ZONE, zone.id)
    proposal = draft(author, topic=topic, zones=[zone])
    with unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [other_org])
    with unit_of_work() as session:
        proposal_organisations.answer_cosign(session, outsider, proposal, accept=True)
    deadline = in_future(days=30).replace(second=0, microsecond=0)
    with unit_of_work() as session:
        ops.submit(session, author, proposal, deadline=deadline)
    proposal = fresh(proposal)
    assert proposal.state == S.CONSULTATION and proposal.submitted_at is not None
    assert proposal.consultation_deadline == deadline
    [(kind, subject, data)] = [e for e in events() if e[0].startswith("proposal.")]
    assert (kind, subject) == ("proposal.submitted", f"proposal:{proposal.id}")
    assert data == {
        "version": 1,
        "title": "Custode sociale nei condomini",
        "body_sha256": hashlib.sha256(BODY.encode()).hexdigest(),
        "organisation": author.organisation_id,
        "topic": topic.id,
        "zones": [zone.id],
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "cosigners": [{"organisation": other_org.id, "state": "accepted"}],
    }
    assert len(notes_of(zone_follower, "new_proposal")) == 1
    assert len(notes_of(topic_follower, "new_proposal")) == 1
    assert notes_of(author) == [n for n in notes_of(author) if n.kind == "cosign_answered"]
    # the co-signer follows the proposal now, so hears of the state change, once
    assert len(notes_of(outsider, "state_changed")) == 1
    assert notes_of(outsider, "new_proposal") == []


@pytest.mark.parametrize(
    ("delta", "ok"),
    [
        (timedelta(hours=23, minutes=59), False),
        (timedelta(hours=24, minutes=2), True),
        (timedelta(days=179, hours=23), True),
        (timedelta(days=180, minutes=2), False),
        (timedelta(days=-1), False),
    ],
)
def test_the_deadline_is_24_hours_to_180_days_ahead(author, delta, ok):
    proposal = draft(author)
    deadline = datetime.now(UTC) + delta
    if ok:
        with unit_of_work() as session:
            ops.submit(session, author, proposal, deadline=deadline)
        assert fresh(proposal).state == S.CONSULTATION
    else:
        with pytest.raises(ValidationError) as caught, unit_of_work() as session:
            ops.submit(session, author, proposal, deadline=deadline)
        assert caught.value.field == "deadline"
        assert fresh(proposal).state == S.DRAFT and head_kinds() == []


def test_a_naive_or_missing_deadline_is_refused(author):
    proposal = draft(author)
    for deadline in (None, datetime.now() + timedelta(days=3)):
        with pytest.raises(ValidationError), unit_of_work() as session:
            ops.submit(session, author, proposal, deadline=deadline)


def test_state_changes_notify_the_followers(make_user, author, secretary):
    proposal = published(author)
    follower = make_user("member")
    with unit_of_work() as session:
        follows.follow(session, follower, FollowTarget.PROPOSAL, proposal.id)
        ops.schedule(session, secretary, proposal)
    [note] = notes_of(follower, "state_changed")
    assert json.loads(note.params)["state"] == "on_agenda"
    assert len(notes_of(author, "state_changed")) == 1


# --- co-signing organisations --------------------------------------------------------------------


def test_invitations(make_user, author, outsider, other_org, organisation, zone):
    colleague = make_user("member", organisation=other_org)
    proposal = published(author)
    with pytest.raises(ValidationError), unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [])
    with pytest.raises(ValidationError), unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [organisation])
    with unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [other_org, other_org])
    assert events("proposal.cosigner_invited")[-1][2] == {"organisation": other_org.id}
    assert {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.kind == "cosign_invited"))} == {outsider.id, colleague.id}  # fmt: skip
    with pytest.raises(ValidationError, match="già state invitate"), unit_of_work() as session:
        proposal_organisations.invite_cosigners(session, author, proposal, [other_org])
    with unit_of_work() as session:
        proposal_organisations.answer_cosign(session, colleague, proposal, accept=False)
    assert events("proposal.cosign_answered")[-1][2] == {
        "organisation": other_org.id, "accepted": False,
    }  # fmt: skip
    [note] = notes_of(author, "cosign_answered")
    assert json.loads(note.params)["answer"] == "declined"


# --- supports ---------------------------------------------------------------------------------


def test_one_support_per_organisation(make_user, author, outsider, other_org):
    proposal = published(author)
    colleague = make_user("member", organisation=other_org)
    with unit_of_work() as session:
        proposal_organisations.support(session, outsider, proposal)
    assert fresh(proposal).support_count == 1
    assert events("proposal.supported")[-1][2] == {"organisation": other_org.id}
    before = head()
    for person in (outsider, colleague):
        with pytest.raises(InvalidState, match="aderisce già"), unit_of_work() as session:
            proposal_organisations.support(session, person, proposal)
    assert head() == before and fresh(proposal).support_count == 1
    with unit_of_work() as session:
        proposal_organisations.withdraw_support(session, colleague, proposal)
    assert fresh(proposal).support_count == 0
    assert events("proposal.support_withdrawn")[-1][2] == {"organisation": other_org.id}
    with pytest.raises(InvalidState), unit_of_work() as session:
        proposal_organisations.withdraw_support(session, colleague, proposal)
    with unit_of_work() as session:
        proposal_organisations.support(session, colleague, proposal)
    assert fresh(proposal).support_count == 1


def test_the_database_refuses_a_second_support_row(author, outsider, other_org):
    proposal = published(author)
    with unit_of_work() as session:
        proposal_organisations.support(session, outsider, proposal)
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(
            Support(proposal_id=proposal.id, organisation_id=other_org.id, user_id=outsider.id)
        )
        session.flush()
    assert db.session.scalar(select(func.count()).select_from(Support)) == 1


@pytest.mark.parametrize("state", list(S), ids=str)
def test_supports_only_in_consultation_or_on_the_agenda(author, outsider, state):
    proposal = force_state(draft(author), state)
    if state in (S.CONSULTATION, S.ON_AGENDA):
        with unit_of_work() as session:
            proposal_organisations.support(session, outsider, proposal)
        assert fresh(proposal).support_count == 1
    else:
        with pytest.raises(InvalidState), unit_of_work() as session:
            proposal_organisations.support(session, outsider, proposal)
        assert fresh(proposal).support_count == 0


def test_the_signing_organisations_do_not_support_their_own_proposal(make_user, author):
    proposal = published(author)
    colleague = make_user("member", organisation=author.organisation)
    with pytest.raises(InvalidState, match="firma già"), unit_of_work() as session:
        proposal_organisations.support(session, colleague, proposal)


# --- follows -----------------------------------------------------------------------------------


def test_follow_and_unfollow(make_user, author, outsider):
    proposal = published(author)
    private = draft(author, title="Bozza riservata")
    with unit_of_work() as session:
        follows.follow(session, outsider, FollowTarget.PROPOSAL, proposal.id)
        follows.follow(session, outsider, FollowTarget.PROPOSAL, proposal.id)  # harmless
    assert follows.is_following(db.session, outsider, FollowTarget.PROPOSAL, proposal.id)
    with pytest.raises(NotFound), unit_of_work() as session:
        follows.follow(session, outsider, FollowTarget.PROPOSAL, private.id)
    with pytest.raises(NotAllowed), unit_of_work() as session:
        follows.follow(session, AnonymousUserMixin(), FollowTarget.PROPOSAL, proposal.id)
    with unit_of_work() as session:
        follows.unfollow(session, outsider, FollowTarget.PROPOSAL, proposal.id)
    assert not follows.is_following(db.session, outsider, FollowTarget.PROPOSAL, proposal.id)
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 2  # the authors'
    assert not [e for e in events() if "follow" in e[0]], "follows are private"


# --- the list and the differences -----------------------------------------------------------------


def test_search_lists_published_proposals_and_only_ones_own_drafts(author, outsider):
    published(author, title="Trasporto solidale", body="Visite mediche degli anziani")
    mine = draft(author, title="Spazio compiti", body="Nei Punti di comunità")
    search = proposal_queries.search
    F = proposal_queries.Filters
    assert [p.title for p in search(db.session, None, F()).rows] == ["Trasporto solidale"]
    assert [p.title for p in search(db.session, None, F(words="MEDICHE")).rows] == [
        "Trasporto solidale"
    ]
    assert search(db.session, None, F(words="100%_")).rows == []
    assert search(db.session, None, F(state=S.DRAFT)).rows == []
    assert search(db.session, outsider, F(state=S.DRAFT)).rows == []
    assert [p.id for p in search(db.session, author, F(state=S.DRAFT)).rows] == [mine.id]


def test_word_diff():
    pieces = proposal_queries.word_diff(
        "Il custode apre alle 9.\n\nFine.", "Il custode apre alle 8.\n\nFine."
    )
    assert [(p.op, p.text) for p in pieces] == [
        ("same", "Il custode apre alle "),
        ("removed", "9."),
        ("added", "8."),
        ("same", "\n\nFine."),
    ]
    assert proposal_queries.word_diff("", "Nuovo") == [proposal_queries.Piece("added", "Nuovo")]


def test_word_diff_rebuilds_both_texts():
    """Whatever the change (the common start and end are set aside before matching), the
    unchanged and removed pieces give the old text, the unchanged and added ones the new."""
    rng = random.Random(3)
    words = ["il", "servizio", "di", "custodia", "\n\n", "San Polo", "apre", "alle", "9."]
    for _ in range(200):
        old = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        new = list(old.split(" "))
        for _ in range(rng.randint(0, 4)):
            new.insert(rng.randint(0, len(new)), rng.choice(words))
            if new and rng.random() < 0.5:
                new.pop(rng.randrange(len(new)))
        new = " ".join(new)
        pieces = proposal_queries.word_diff(old, new)
        assert "".join(p.text for p in pieces if p.op != "added") == old
        assert "".join(p.text for p in pieces if p.op != "removed") == new
        assert all(a.op != b.op for a, b in itertools.pairwise(pieces))
