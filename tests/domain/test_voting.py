"""Polls in a meeting: prepare, open, cast (named, secret, by proxy), conflicts, close, decide."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select, text

from council.domain.meetings import attendance
from council.domain.record import record
from council.domain.voting import polls, proxies
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.poll import (
    Ballot,
    Choice,
    ConflictDeclaration,
    Decision,
    Participation,
    Poll,
    PollState,
    SecretTally,
)
from council.models.proposal import Amendment, AmendmentState, ProposalState
from council.unit_of_work import unit_of_work
from tests.factories import make_proposal, reread, version_of
from tests.meeting_helpers import events_since, head, make_council, run
from tests.meeting_helpers import state as meeting_state
from tests.poll_helpers import voting_meeting

YES, NO, ABST = "in_favour", "against", "abstain"


@pytest.fixture
def council(make_user):
    return make_council(make_user)  # chair, secretary and 4 members: quorum 4 of 6


def prepared(council, meeting, kind="named", rule="simple", **kw) -> Poll:
    return run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind=kind, rule=rule, question="Approvare la proposta?", **kw)  # fmt: skip


def opened(council, meeting, **kw) -> Poll:
    poll = prepared(council, meeting, **kw)
    assert run(polls.open_poll, council.chair, poll.id) is True
    return poll


def cast(person, poll, choice, client_id=None, **kw):
    client_id = client_id or f"{person.public_id}-{poll.id}"
    return run(polls.cast_ballot, person, poll.id, choice, client_id, **kw)


def get_poll(poll) -> Poll:
    reread()
    return db.session.get(Poll, poll.id)


def count(model, **where) -> int:
    reread()
    query = select(func.count(model.id))
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


# --- a named poll from start to decision ------------------------------------------------------


def test_a_named_poll_decides_a_proposal(council):
    proposal = make_proposal(council.stakeholder)
    meeting = voting_meeting(council, proposal=proposal)
    start = head()
    poll = opened(council, meeting, rule="absolute_present")
    a, b, c, d = council.members
    result = cast(a, poll, YES, reason="Serve ai quartieri.")
    assert (result.choice, result.repeated, result.cast_for) == (YES, False, a.public_id)
    cast(b, poll, YES)
    cast(c, poll, YES)
    cast(d, poll, NO)
    cast(council.chair, poll, ABST)
    assert run(polls.close_poll, council.chair, poll.id) is True
    closed = get_poll(poll)
    assert (closed.state, closed.yes, closed.no, closed.abstain) == (PollState.CLOSED, 3, 1, 1)
    assert (closed.present, closed.members, closed.needed, closed.approved) == (6, 6, 4, False)
    kinds = [kind for kind, _d in events_since(start)]
    assert kinds == ["poll.prepared", "poll.opened", *["ballot.cast"] * 5, "poll.closed"]
    first = events_since(start, "ballot.cast")[0][1]
    digest = hashlib.sha256(b"Serve ai quartieri.").hexdigest()
    assert first == {"voter": a.public_id, "choice": YES, "reason_sha256": digest}
    closed_data = events_since(start, "poll.closed")[0][1]
    assert closed_data["in_favour"] == 3 and closed_data["approved"] is False
    assert "participants" not in closed_data  # named: every ballot is already public

    decision = run(polls.record_decision, council.secretary, poll.id)
    assert decision.number.endswith("/001") and decision.proposal_id == proposal.id
    reread()
    assert db.session.get(type(proposal), proposal.id).state == ProposalState.REJECTED
    assert events_since(start, "decision.recorded")[0][1]["number"] == decision.number
    with pytest.raises(InvalidState):
        run(polls.record_decision, council.chair, poll.id)  # once
    assert record.verify(db.session).ok


def test_decisions_are_numbered_per_year(council):
    meeting = voting_meeting(council)
    numbers = []
    for _n in range(3):
        poll = opened(council, meeting)
        for person in council.members:
            cast(person, poll, YES)
        run(polls.close_poll, council.chair, poll.id)
        numbers.append(run(polls.record_decision, council.chair, poll.id, "Approvato.").number)
    year = numbers[0][:4]
    assert numbers == [f"{year}/001", f"{year}/002", f"{year}/003"]
    assert count(Decision) == 3


# --- exactly once -----------------------------------------------------------------------------


def test_a_retried_ballot_is_answered_with_the_first_result_and_counted_once(council):
    meeting = voting_meeting(council)
    poll = opened(council, meeting)
    member = council.members[0]
    first = cast(member, poll, YES, "abc-1")
    before = head()
    again = cast(member, poll, NO, "abc-1")  # the retry says what the first did
    assert (again.choice, again.repeated) == (YES, True) and first.choice == YES
    assert head() == before and count(Ballot) == 1
    with pytest.raises(InvalidState):
        cast(member, poll, NO, "abc-2")  # a second ballot is refused
    run(polls.close_poll, council.chair, poll.id)
    assert cast(member, poll, YES, "abc-1").repeated  # even after close, the same answer


def test_a_named_vote_may_change_when_allowed_and_old_retries_stay_harmless(council):
    meeting = voting_meeting(council)
    poll = opened(council, meeting, allow_change=True)
    member = council.members[0]
    cast(member, poll, YES, "one")
    changed = cast(member, poll, NO, "two", reason="Ci ho ripensato.")
    assert changed.changed and changed.choice == NO
    assert cast(member, poll, YES, "one").repeated  # a late retry of the first: not applied
    reread()
    assert db.session.scalar(select(Ballot.choice)) == Choice.AGAINST and count(Ballot) == 1
    assert [k for k, _d in events_since(0, "ballot.")] == ["ballot.cast", "ballot.changed"]


# --- secret polls -----------------------------------------------------------------------------


def test_a_secret_poll_stores_participation_and_totals_only(council):
    meeting = voting_meeting(council)
    start = head()
    poll = opened(council, meeting, kind="secret", rule="simple", allow_change=True)
    choices = [YES, YES, NO, ABST]
    for person, choice in zip(council.members, choices, strict=True):
        result = cast(person, poll, choice)
        assert result.choice is None and not result.repeated
    assert cast(council.members[0], poll, YES).repeated
    with pytest.raises(InvalidState):  # a secret vote cannot be changed: nothing to change
        cast(council.members[0], poll, NO, "other-id")
    with pytest.raises(ValidationError):
        cast(council.chair, poll, YES, reason="Dichiaro che...")
    assert count(Ballot) == 0 and count(Participation) == 4
    participated = events_since(start, "poll.participated")
    assert [d for _k, d in participated] == [{"count": n} for n in range(1, 5)]
    reread()
    from_record = db.session.scalars(
        select(record.RecordEvent.actor).where(record.RecordEvent.kind == "poll.participated")
    ).all()
    assert set(from_record) == {None}  # no actor: the record never says who voted when
    tallies = dict(db.session.execute(select(SecretTally.choice, SecretTally.count)).all())
    assert tallies == {Choice.IN_FAVOUR: 2, Choice.AGAINST: 1, Choice.ABSTAIN: 1}
    run(polls.close_poll, council.chair, poll.id)
    data = events_since(start, "poll.closed")[0][1]
    assert (data["in_favour"], data["against"], data["abstain"]) == (2, 1, 1)
    assert data["participants"] == sorted(p.public_id for p in council.members)
    assert data["approved"] is True
    assert record.verify(db.session).ok


# --- refusals ---------------------------------------------------------------------------------


def test_ballots_are_refused_with_their_reason_and_change_nothing(council, make_user):
    a, b, c, d = council.members
    meeting = voting_meeting(council, present=[council.chair, council.secretary, a, b, c])
    poll = prepared(council, meeting)
    with pytest.raises(InvalidState):
        cast(a, poll, YES)  # not open yet
    run(polls.open_poll, council.chair, poll.id)
    before = head()
    with pytest.raises(NotAllowed):
        cast(council.stakeholder, poll, YES)  # not a member
    with pytest.raises(InvalidState):
        cast(d, poll, YES)  # absent
    with pytest.raises(NotAllowed):
        cast(a, poll, YES, for_member=c.public_id)  # no proxy held
    with pytest.raises(NotAllowed):
        cast(a, poll, YES, for_member="no-such-member")
    with pytest.raises(ValidationError):
        cast(a, poll, "maybe")
    with pytest.raises(ValidationError):
        cast(a, poll, YES, "x" * 65)
    with pytest.raises(ValidationError):
        cast(a, poll, YES, reason="x" * 501)
    with pytest.raises(NotFound):
        run(polls.cast_ballot, a, 999_999, YES, "id")
    assert head() == before and count(Ballot) == 0
    run(polls.close_poll, council.chair, poll.id)
    with pytest.raises(InvalidState):
        cast(a, poll, YES)  # closed


def test_a_proxy_holder_casts_the_absent_members_ballot_separately(council):
    a, b, c, d = council.members
    meeting = voting_meeting(council, present=[council.chair, council.secretary, a, b, c, d])
    run(proxies.grant, d, meeting.id, a.public_id)
    run(attendance.check_out, d, meeting.id)
    poll = opened(council, meeting)
    cast(a, poll, YES)
    result = cast(a, poll, NO, "for-d", for_member=d.public_id)
    assert result.cast_for == d.public_id
    with pytest.raises(InvalidState):
        cast(a, poll, NO, "for-d-again", for_member=d.public_id)
    reread()
    rows = db.session.execute(select(Ballot.cast_for_id, Ballot.proxy_for_id)).all()
    assert sorted(rows) == sorted([(a.id, None), (d.id, d.id)])
    event = events_since(0, "ballot.cast")[-1][1]
    assert event == {"voter": a.public_id, "for": d.public_id, "choice": NO}
    run(polls.close_poll, council.chair, poll.id)
    closed = get_poll(poll)
    assert (closed.present, closed.represented) == (5, 1)


def test_a_proxy_is_not_used_while_its_giver_is_present(council):
    a, b, *_rest = council.members
    meeting = voting_meeting(council)
    run(proxies.grant, b, meeting.id, a.public_id)
    poll = opened(council, meeting)
    with pytest.raises(InvalidState):
        cast(a, poll, YES, for_member=b.public_id)


def test_a_proxy_is_revocable_only_until_the_meetings_first_vote_opens(council):
    a, b, *_rest = council.members
    meeting = voting_meeting(council)
    run(proxies.grant, b, meeting.id, a.public_id)
    assert run(proxies.revoke, b, meeting.id) is True
    run(proxies.grant, b, meeting.id, a.public_id)
    poll = prepared(council, meeting)
    assert run(proxies.revoke, b, meeting.id) is True  # a prepared poll is not a vote yet
    run(proxies.grant, b, meeting.id, a.public_id)
    run(polls.open_poll, council.chair, poll.id)
    before = head()
    with pytest.raises(InvalidState, match="non può più essere revocata"):
        run(proxies.revoke, b, meeting.id)
    run(polls.close_poll, council.chair, poll.id)
    with pytest.raises(InvalidState):
        run(proxies.revoke, b, meeting.id)
    assert len(events_since(before, "proxy.")) == 0
    assert meeting_state(meeting)["proxies"][0]["from"]["id"] == b.public_id


def test_a_conflict_of_interest_keeps_a_member_out(council):
    a, b, *_rest = council.members
    meeting = voting_meeting(council)
    poll = opened(council, meeting, rule="absolute_present")
    assert run(polls.declare_conflict, a, poll.id) is True
    assert run(polls.declare_conflict, a, poll.id) is False
    with pytest.raises(InvalidState):
        cast(a, poll, YES)
    cast(b, poll, YES)
    with pytest.raises(InvalidState):
        run(polls.declare_conflict, b, poll.id)  # already voted
    run(polls.close_poll, council.chair, poll.id)
    closed = get_poll(poll)
    assert (closed.conflict, closed.needed) == (1, 3)  # 6 present, 1 out: 3 of 5
    assert count(ConflictDeclaration) == 1


# --- opening and closing ----------------------------------------------------------------------


def test_opening_needs_the_quorum_and_the_chair(council):
    meeting = voting_meeting(council, present=council.all_members[:3])
    poll = prepared(council, meeting)
    with pytest.raises(NotAllowed):
        run(polls.open_poll, council.secretary, poll.id)
    with pytest.raises(NotAllowed):
        run(polls.prepare_poll, council.members[0], meeting.id, item_id=meeting.items[0].id,
            kind="named", rule="simple", question="?")  # fmt: skip
    with pytest.raises(InvalidState):
        run(polls.open_poll, council.chair, poll.id)  # 3 of 6: no quorum
    run(attendance.check_in, council.members[1], meeting.id)
    assert run(polls.open_poll, council.chair, poll.id) is True
    assert run(polls.open_poll, council.chair, poll.id) is False  # again: nothing changes
    other = prepared(council, meeting)
    with pytest.raises(InvalidState):
        run(polls.open_poll, council.chair, other.id)  # one open poll at a time
    assert run(polls.close_poll, council.chair, poll.id) is True
    assert run(polls.close_poll, council.chair, poll.id) is False
    with pytest.raises(InvalidState):
        run(polls.open_poll, council.chair, poll.id)  # closed stays closed
    with pytest.raises(InvalidState):
        run(polls.close_poll, council.chair, other.id)  # never opened


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": "public"}, ValidationError),
        ({"rule": "unanimity"}, ValidationError),
        ({"question": "  "}, ValidationError),
        ({"question": "x" * 1001}, ValidationError),
        ({"item_id": 999_999}, NotFound),
        ({"amendment_id": 999_999}, NotFound),
    ],
)
def test_malformed_polls_are_refused(council, fields, error):
    meeting = voting_meeting(council)
    args = {"item_id": meeting.items[0].id, "kind": "named", "rule": "simple",
            "question": "Approvare?"} | fields  # fmt: skip
    before = head()
    with pytest.raises(error):
        run(polls.prepare_poll, council.chair, meeting.id, **args)
    assert head() == before and count(Poll) == 0


def test_quorum_lost_before_close_voids_the_vote(council):
    meeting = voting_meeting(council)
    poll = opened(council, meeting)
    for person in council.members:
        cast(person, poll, YES)
    for person in council.members[:3]:
        run(attendance.check_out, person, meeting.id)
    run(polls.close_poll, council.chair, poll.id)
    closed = get_poll(poll)
    assert (closed.valid, closed.approved) == (False, False)
    with pytest.raises(InvalidState):
        run(polls.record_decision, council.chair, poll.id)


def test_amendments_are_voted_before_their_item(council):
    proposal = make_proposal(council.stakeholder)
    meeting = voting_meeting(council, proposal=proposal)
    with unit_of_work() as session:
        amendment = Amendment(proposal_id=proposal.id, number=1,
                              base_version_id=version_of(proposal).id,
                              author_id=council.members[0].id, body="Testo nuovo.",
                              reason="Più chiaro.", state=AmendmentState.TO_VOTE)  # fmt: skip
        session.add(amendment)
    item_poll = prepared(council, meeting)
    with pytest.raises(InvalidState):
        run(polls.open_poll, council.chair, item_poll.id)
    amendment_poll = opened(council, meeting, amendment_id=amendment.id)
    for person in council.members:
        cast(person, amendment_poll, YES)
    run(polls.close_poll, council.chair, amendment_poll.id)
    assert run(polls.record_decision, council.chair, amendment_poll.id) is None
    reread()
    assert db.session.get(Amendment, amendment.id).state == AmendmentState.APPROVED
    assert count(Decision) == 0
    assert run(polls.open_poll, council.chair, item_poll.id) is True


def test_after_close_no_counter_names_the_last_voter_of_its_choice(council):
    """PostgreSQL: a row version carries its writer's transaction id (xmin); the close
    rewrites the counters so that none shares it with a participation row."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's")
    meeting = voting_meeting(council)
    poll = opened(council, meeting, kind="secret")
    for person, choice in zip(council.members, [YES, NO, ABST, YES], strict=True):
        cast(person, poll, choice)
    reread()
    xmin = "SELECT xmin::text FROM {} WHERE poll_id = :p"
    tallies = set(db.session.scalars(text(xmin.format("secret_tallies")), {"p": poll.id}))
    voters = set(db.session.scalars(text(xmin.format("poll_participations")), {"p": poll.id}))
    assert tallies & voters  # while open, the counters' versions are the last voters'
    run(polls.close_poll, council.chair, poll.id)
    reread()
    tallies = set(db.session.scalars(text(xmin.format("secret_tallies")), {"p": poll.id}))
    assert len(tallies) == 1 and not tallies & voters


def test_a_decided_proposal_is_not_voted_nor_decided_again(council):
    proposal = make_proposal(council.stakeholder)
    meeting = voting_meeting(council, proposal=proposal)
    first, second = opened(council, meeting), prepared(council, meeting)
    for person in council.members:
        cast(person, first, YES)
    run(polls.close_poll, council.chair, first.id)
    run(polls.record_decision, council.chair, first.id)
    with pytest.raises(InvalidState):
        run(polls.open_poll, council.chair, second.id)
    assert count(Decision) == 1
