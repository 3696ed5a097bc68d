"""A batch of ballots (ballots.cast_ballots, what the live room's writer runs for a burst)
decides and stores exactly what the same ballots cast one after another would: the rules
read once for the batch and kept in memory must give every ballot the answer, and leave the
database and the record, that one transaction per ballot gives."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from council.domain.meetings import attendance
from council.domain.record import record
from council.domain.voting import ballots, poll_queries, polls, proxies
from council.errors import DomainError
from council.extensions import db
from council.models.poll import Ballot, BallotSubmission, Participation, Poll, SecretTally
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.factories import reread
from tests.meeting_helpers import head, make_council, run
from tests.poll_helpers import voting_meeting

YES, NO, ABST = "in_favour", "against", "abstain"
CHAIR, SECRETARY, A, B, C, D, PUBLIC = range(7)  # D is absent, her proxy held by A

# (who, choice, client id, for whom, statement): repeats, changes, proxies and refusals
BURST = [
    (A, YES, "a-1", None, None),
    (A, YES, "a-1", None, None),  # the same ballot again: answered, counted once
    (A, NO, "a-2", None, "Ci ho ripensato."),  # a change (refused where not allowed)
    (A, ABST, "a-1", None, None),  # the first ballot's id again, after the change
    (A, YES, "a-for-d", D, None),  # by proxy
    (C, YES, "c-for-d", D, None),  # C holds no proxy of D's
    (B, YES, "b-1", None, None),  # B declared a conflict of interest
    (D, YES, "d-1", None, None),  # absent
    (PUBLIC, YES, "s-1", None, None),  # not a member
    (CHAIR, "maybe", "ch-1", None, None),  # not a choice
    (CHAIR, YES, "x" * 65, None, None),  # no valid id
    (CHAIR, ABST, "ch-1", None, "Mi astengo per prudenza."),  # a statement (secret: refused)
    (SECRETARY, YES, "a-1", None, None),  # another's id (secret: already used)
    (A, YES, "a-for-d", D, None),  # the proxy ballot again
    (A, ABST, "a-for-d-2", D, None),  # the proxy ballot changed
    (C, NO, "c-1", C, None),  # one's own, naming oneself
    (C, YES, "c-2", None, None),  # changed
    (CHAIR, NO, "ch-2", None, None),
    (SECRETARY, ABST, "se-1", None, None),
]


def a_vote(council, *, kind: str, allow_change: bool):
    """A running meeting of the council (D absent, her proxy held by A), B's conflict
    declared and the poll open; its people by the indices above."""
    chair, secretary, a, b, c, d = council.all_members
    meeting = voting_meeting(council)
    run(proxies.grant, d, meeting.id, a.public_id)
    run(attendance.check_out, d, meeting.id)
    poll = run(polls.prepare_poll, chair, meeting.id, item_id=meeting.items[0].id, kind=kind,
               rule="simple", question="Approvare?", allow_change=allow_change)  # fmt: skip
    run(polls.open_poll, chair, poll.id)
    run(polls.declare_conflict, b, poll.id)
    return [chair, secretary, a, b, c, d, council.stakeholder], poll.id


def requests(people) -> list[ballots.BallotRequest]:
    return [
        ballots.BallotRequest(people[who], choice, client_id,
                              people[whom].public_id if whom is not None else None, reason)
        for who, choice, client_id, whom, reason in BURST
    ]  # fmt: skip


def answers(outcomes, people) -> list:
    """Each outcome with people as indices: a refusal by its kind and message."""
    index = {person.public_id: n for n, person in enumerate(people)}
    return [
        (type(o).__name__, o.message) if isinstance(o, DomainError)
        else (index[o.cast_for], o.choice, o.repeated, o.changed)
        for o in outcomes
    ]  # fmt: skip


def stored(poll_id: int, people, since: int) -> dict:
    """What the poll left in the database and the record, people as indices."""
    reread()
    ids = {person.id: n for n, person in enumerate(people)}
    public = {person.public_id: n for n, person in enumerate(people)}

    def rows(model, *columns):
        found = db.session.execute(select(*columns).where(model.poll_id == poll_id)).all()
        return sorted(tuple(ids.get(v, v) if type(v) is int else v for v in row)
                      for row in found)  # fmt: skip

    ballot_rows = db.session.scalars(select(Ballot).where(Ballot.poll_id == poll_id)).all()
    assert all(b.cast_at is not None for b in ballot_rows)
    events = [
        (e.kind, public.get(e.actor), {k: public.get(v, v) for k, v in json.loads(e.data).items()})
        for e in db.session.scalars(select(RecordEvent).where(RecordEvent.seq > since)
                                    .order_by(RecordEvent.seq))
    ]  # fmt: skip
    return {
        "ballots": rows(Ballot, Ballot.cast_for_id, Ballot.voter_id, Ballot.proxy_for_id,
                        Ballot.choice, Ballot.reason, Ballot.client_ballot_id,
                        Ballot.changed_at.is_not(None)),
        "submissions": rows(BallotSubmission, BallotSubmission.voter_id,
                            BallotSubmission.client_ballot_id, BallotSubmission.cast_for_id,
                            BallotSubmission.choice, BallotSubmission.changed),
        "participations": rows(Participation, Participation.cast_for_id,
                               Participation.client_ballot_id),
        "tallies": rows(SecretTally, SecretTally.choice, SecretTally.count),
        "events": events,
        "version": db.session.get(Poll, poll_id).version,
        "record_ok": record.verify(db.session).ok,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "allow_change"), [("named", False), ("named", True), ("secret", False)]
)
def test_a_batch_answers_and_stores_what_the_same_ballots_one_by_one_would(
    make_user, kind, allow_change
):
    council = make_council(make_user)
    one_by_one, first = a_vote(council, kind=kind, allow_change=allow_change)
    start = head()
    alone = []
    for r in requests(one_by_one):  # each in its own transaction, as a form's vote is
        try:
            alone.append(run(polls.cast_ballot, r.actor, first, r.choice, r.client_ballot_id,
                             for_member=r.for_member, reason=r.reason))  # fmt: skip
        except DomainError as refusal:
            alone.append(refusal)
    expected = stored(first, one_by_one, start)

    together, second = a_vote(council, kind=kind, allow_change=allow_change)
    start = head()
    with unit_of_work() as work:
        outcomes = ballots.cast_ballots(
            work, poll_queries.lock_for_ballots(work, second), requests(together)
        )

    assert answers(outcomes, together) == answers(alone, one_by_one)
    assert stored(second, together, start) == expected
    assert expected["record_ok"]


def test_what_a_burst_leaves_is_what_its_members_sent(make_user):
    """The batch's answers themselves, named poll with changes allowed: the first ballot's
    id again is answered with the first ballot, a change with the new choice."""
    people, poll_id = a_vote(make_council(make_user), kind="named", allow_change=True)
    start = head()
    with unit_of_work() as work:
        outcomes = answers(
            ballots.cast_ballots(
                work, poll_queries.lock_for_ballots(work, poll_id), requests(people)
            ),
            people,
        )
    refusals = {n: kind for n, (kind, *_rest) in enumerate(outcomes) if isinstance(kind, str)}
    assert outcomes[:5] == [(A, YES, False, False), (A, YES, True, False), (A, NO, False, True),
                            (A, YES, True, False), (D, YES, False, False)]  # fmt: skip
    assert refusals == {5: "NotAllowed", 6: "InvalidState", 7: "InvalidState", 8: "NotAllowed",
                        9: "ValidationError", 10: "ValidationError"}  # fmt: skip
    assert outcomes[11:13] == [(CHAIR, ABST, False, False), (SECRETARY, YES, False, False)]
    assert outcomes[13:] == [(D, YES, True, False), (D, ABST, False, True), (C, NO, False, False),
                             (C, YES, False, True), (CHAIR, NO, False, True),
                             (SECRETARY, ABST, False, True)]  # fmt: skip
    left = stored(poll_id, people, start)
    assert [(row[0], row[3].value) for row in left["ballots"]] == [
        (CHAIR, NO), (SECRETARY, ABST), (A, NO), (C, YES), (D, ABST)
    ]  # fmt: skip
    kinds = [kind for kind, _actor, _data in left["events"]]
    assert kinds == ["ballot.cast", "ballot.changed", "ballot.cast", "ballot.cast",
                     "ballot.cast", "ballot.changed", "ballot.cast", "ballot.changed",
                     "ballot.changed", "ballot.changed"]  # fmt: skip
    assert left["events"][2] == ("ballot.cast", A, {"voter": A, "for": D, "choice": YES})
    assert left["record_ok"]
