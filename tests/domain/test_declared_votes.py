"""Votes declared aloud (appello nominale): the chair or the secretary records the vote a
member present declares aloud; it counts once, like the member's own ballot, both ways."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from council.domain.archive import minutes_text
from council.domain.meetings import attendance
from council.domain.voting import declared_votes, polls, proxies
from council.errors import InvalidState, NotAllowed, NotFound
from council.extensions import db
from council.models.meeting import Meeting
from council.models.poll import Ballot, Poll
from council.models.user import User
from tests.factories import reread
from tests.meeting_helpers import events_since, head, make_council, run
from tests.meeting_helpers import state as meeting_state
from tests.poll_helpers import voting_meeting

YES, NO, ABST = "in_favour", "against", "abstain"


@pytest.fixture
def council(make_user):
    return make_council(make_user)  # chair, secretary and 4 members: quorum 4 of 6


def opened(council, meeting, kind="named", **kw) -> Poll:
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind=kind, rule="simple", question="Approvare la proposta?", **kw)  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    return poll


def declare(officer, poll, member, choice, client_id=None):
    client_id = client_id or f"d-{member.public_id}-{choice}"
    return run(declared_votes.declare_vote, officer, poll.id, member.public_id, choice, client_id)


def cast(person, poll, choice, client_id=None, **kw):
    client_id = client_id or f"c-{person.public_id}-{choice}"
    return run(polls.cast_ballot, person, poll.id, choice, client_id, **kw)


def ballots(poll) -> list[Ballot]:
    reread()
    return list(db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)))


def test_a_declared_vote_counts_once_is_recorded_as_entered_and_refuses_the_own_ballot(council):
    meeting = voting_meeting(council)
    poll = opened(council, meeting)
    a, b = council.members[:2]
    start = head()
    result = declare(council.secretary, poll, a, YES)
    assert (result.cast_for, result.choice, result.repeated) == (a.public_id, YES, False)
    again = declare(council.secretary, poll, a, YES)  # the same form sent twice
    assert again.repeated is True
    # the record names the member as the voter, and who entered it
    (event,) = events_since(start, "ballot.")
    assert event == ("ballot.cast", {"voter": a.public_id, "choice": YES,
                                     "entered_by": council.secretary.public_id})  # fmt: skip
    # the member's own ballot, later, is refused, saying why
    with pytest.raises(InvalidState, match="Pietro Segretario"):
        cast(a, poll, NO)
    stored = ballots(poll)
    assert [(s.cast_for_id, s.voter_id, s.choice.value, s.entered_by_id) for s in stored] == [
        (a.id, a.id, YES, council.secretary.id)
    ]
    # the live named list labels it; the result counts it once
    live = meeting_state(meeting)["poll"]
    assert live["ballots"] == [{"member": {"id": a.public_id, "name": a.name}, "choice": YES,
                                "entered_by": {"id": council.secretary.public_id,
                                               "name": council.secretary.name}}]  # fmt: skip
    assert live["voted"] == 1 and live["tally"][YES] == 1
    cast(b, poll, NO)
    run(polls.close_poll, council.chair, poll.id)
    reread()
    closed = db.session.get(Poll, poll.id)
    assert (closed.yes, closed.no) == (1, 1)


def test_a_member_who_voted_is_refused_a_declaration_even_when_changes_are_allowed(council):
    meeting = voting_meeting(council)
    a = council.members[0]
    for allow_change in (False, True):
        poll = opened(council, meeting, allow_change=allow_change)
        cast(a, poll, NO)
        with pytest.raises(InvalidState, match="Consigliere 1 ha già votato"):
            declare(council.chair, poll, a, YES)
        assert [b.choice.value for b in ballots(poll)] == [NO]
        run(polls.close_poll, council.chair, poll.id)


def test_with_changes_allowed_the_members_own_ballot_replaces_a_declared_one(council):
    meeting = voting_meeting(council)
    poll = opened(council, meeting, allow_change=True)
    a = council.members[0]
    declare(council.secretary, poll, a, YES)
    corrected = declare(council.chair, poll, a, ABST)  # the secretary misheard: corrected
    assert corrected.changed is True
    (stored,) = ballots(poll)
    assert (stored.choice.value, stored.entered_by_id) == (ABST, council.chair.id)
    start = head()
    mine = cast(a, poll, NO)
    assert mine.changed is True
    (stored,) = ballots(poll)
    assert (stored.choice.value, stored.entered_by_id, stored.voter_id) == (NO, None, a.id)
    assert events_since(start, "ballot.") == [("ballot.changed", {"voter": a.public_id,
                                                                  "choice": NO})]  # fmt: skip


def test_refusals_change_nothing(council):
    meeting = voting_meeting(council, present=[council.chair, council.secretary,
                                               *council.members[:3]])  # fmt: skip
    poll = opened(council, meeting)
    a, b, c, absent = council.members
    run(polls.declare_conflict, c, poll.id)
    start = head()
    for officer, member, error, message in (
        (council.members[1], a, NotAllowed, "autorizzazione"),  # a member is no officer
        (council.stakeholder, a, NotAllowed, "autorizzazione"),
        (council.admin, a, NotAllowed, "autorizzazione"),
        (council.secretary, absent, InvalidState, "Consigliere 4 non è presente"),
        (council.secretary, c, InvalidState, "conflitto di interessi"),
        (council.secretary, council.stakeholder, NotFound, "non è un consigliere"),
    ):
        with pytest.raises(error, match=message):
            run(declared_votes.declare_vote, officer, poll.id, member.public_id, YES, "x-1")
    with pytest.raises(NotFound, match="non è un consigliere"):
        run(declared_votes.declare_vote, council.secretary, poll.id, "u-0000000000", YES, "x-2")
    run(polls.close_poll, council.chair, poll.id)
    with pytest.raises(InvalidState, match="chiusa"):
        declare(council.secretary, poll, b, YES)
    secret = opened(council, meeting, kind="secret")
    with pytest.raises(InvalidState, match="voto segreto non si dichiara a voce"):
        declare(council.secretary, secret, b, YES)
    assert events_since(start, "ballot.") == [] and ballots(poll) == []


def test_the_holder_declares_the_vote_of_the_absent_member_whose_proxy_they_hold(council):
    a, b, absent = council.members[0], council.members[1], council.members[3]
    meeting = voting_meeting(council)
    run(proxies.grant, absent, meeting.id, a.public_id)
    run(attendance.check_out, absent, meeting.id)
    poll = opened(council, meeting)
    assert [p["member"]["id"] for p in declared_votes.waiting(meeting_state(meeting))
            if p["by"]] == [absent.public_id]  # fmt: skip
    start = head()
    declare(council.secretary, poll, absent, NO)
    (stored,) = ballots(poll)
    assert (stored.voter_id, stored.proxy_for_id, stored.cast_for_id) == (a.id, absent.id,
                                                                          absent.id)  # fmt: skip
    assert events_since(start, "ballot.") == [("ballot.cast", {
        "voter": a.public_id, "for": absent.public_id, "choice": NO,
        "entered_by": council.secretary.public_id})]  # fmt: skip
    with pytest.raises(InvalidState, match="già stato dichiarato a voce"):
        cast(a, poll, YES, for_member=absent.public_id)
    waiting = [p["member"]["id"] for p in declared_votes.waiting(meeting_state(meeting))]
    assert absent.public_id not in waiting and b.public_id in waiting


def test_the_minutes_say_the_vote_was_declared_aloud_and_who_entered_it(council):
    meeting = voting_meeting(council)
    poll = opened(council, meeting)
    a, b = council.members[:2]
    declare(council.secretary, poll, a, YES)
    cast(b, poll, YES)
    run(polls.close_poll, council.chair, poll.id)
    reread()
    text = minutes_text.build(db.session, db.session.get(Meeting, meeting.id), council.secretary)
    assert "Consigliere 1 (dichiarato a voce, registrato da Pietro Segretario)" in text
    assert "Consigliere 2 (" not in text


def test_a_declaration_and_the_members_own_ballot_at_once_count_once(app, council):
    """Real threads, each with its own connection: the secretary enters the vote declared
    aloud while the member taps their phone; one is counted, the other refused."""
    from tests.domain.test_voting_concurrency import ballot_job, race

    meeting = voting_meeting(council)
    officer, member = council.secretary.id, council.members[0]
    for n in range(3):
        poll = opened(council, meeting)

        def declaration(session, poll_id=poll.id, n=n):
            return declared_votes.declare_vote(session, session.get(User, officer), poll_id,
                                               member.public_id, YES, f"d-{n}")  # fmt: skip

        results = race(app, [declaration, ballot_job(member.id, poll.id, NO, f"c-{n}")])
        refused = [r for r in results if isinstance(r, InvalidState)]
        assert len(refused) == 1 and len(results) == 2, results
        assert len(ballots(poll)) == 1
        run(polls.close_poll, council.chair, poll.id)
