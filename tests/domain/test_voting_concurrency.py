"""Races with real threads, each with its own connection, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from council.domain.record import record
from council.domain.voting import polls
from council.errors import DomainError, InvalidState
from council.extensions import db
from council.models.poll import Ballot, Participation, Poll, PollKind
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.domain.test_voting import opened, prepared, voting_meeting
from tests.factories import reread
from tests.meeting_helpers import events_since, head, make_council

pytestmark = pytest.mark.slow  # real races between threads

MEMBERS = 30


@pytest.fixture
def big_council(make_user):
    return make_council(make_user, members=MEMBERS - 2)  # with the chair and the secretary


def race(app, jobs: list[Callable]) -> list:
    """Run every job at once in its own thread and unit of work; the results (or errors)."""
    results: list = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def worker(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                with unit_of_work() as session:
                    results[n] = jobs[n](session)
            except BaseException as error:
                results[n] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def ballot_job(user_id: int, poll_id: int, choice: str, client_id: str) -> Callable:
    def job(session):
        return polls.cast_ballot(session, session.get(User, user_id), poll_id, choice, client_id)

    return job


def stored(poll) -> int:
    reread()
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return db.session.scalar(select(func.count(table.id)).where(table.poll_id == poll.id))


CHOICES = ["in_favour", "against", "abstain"]


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_every_member_voting_at_once_leaves_one_ballot_each(app, big_council, kind):
    meeting = voting_meeting(big_council)
    poll = opened(big_council, meeting, kind=kind)
    people = big_council.all_members
    jobs = [ballot_job(p.id, poll.id, CHOICES[n % 3], f"c-{n}") for n, p in enumerate(people)]
    results = race(app, jobs)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert stored(poll) == MEMBERS
    with unit_of_work() as session:
        polls.close_poll(session, big_council.chair, poll.id)
    reread()
    closed = db.session.get(Poll, poll.id)
    assert (closed.yes, closed.no, closed.abstain) == (10, 10, 10)
    participated = events_since(0, "poll.participated")
    if kind == "secret":
        assert sorted(d["count"] for _k, d in participated) == list(range(1, MEMBERS + 1))
    assert record.verify(db.session).ok


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_the_same_ballot_sent_twice_at_once_counts_once(app, big_council, kind):
    meeting = voting_meeting(big_council)
    poll = opened(big_council, meeting, kind=kind)
    people = big_council.all_members[:15]
    jobs = [ballot_job(p.id, poll.id, "in_favour", f"same-{p.id}") for p in people for _ in (1, 2)]
    results = race(app, jobs)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.repeated for r in results) == [False] * 15 + [True] * 15
    assert stored(poll) == 15
    kind_event = "ballot.cast" if kind == "named" else "poll.participated"
    assert len(events_since(0, kind_event)) == 15


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_ballots_racing_the_close_are_counted_or_refused(app, big_council, kind):
    meeting = voting_meeting(big_council)
    poll = opened(big_council, meeting, kind=kind)
    start = head()
    people = big_council.members
    jobs = [ballot_job(p.id, poll.id, "in_favour", f"r-{p.id}") for p in people]
    jobs.insert(len(jobs) // 2, lambda session: polls.close_poll(session, big_council.chair,
                                                                  poll.id))  # fmt: skip
    results = race(app, jobs)
    ballots = [r for r in results if isinstance(r, polls.BallotResult)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert [r for r in results if isinstance(r, BaseException) and r not in refused] == []
    assert all(isinstance(r, InvalidState) for r in refused)
    assert len(ballots) + len(refused) == len(people)
    closed = events_since(start, "poll.closed")[0][1]
    assert closed["in_favour"] == len(ballots) == stored(poll)
    reread()
    assert db.session.get(Poll, poll.id).yes == len(ballots)


def test_repeated_open_and_close_racing_leave_one_state(app, big_council):
    meeting = voting_meeting(big_council)
    poll = prepared(big_council, meeting)
    chair = big_council.chair.id
    opens = race(app, [lambda s: polls.open_poll(s, s.get(User, chair), poll.id)] * 6)
    assert sorted(opens) == [False] * 5 + [True]
    closes = race(app, [lambda s: polls.close_poll(s, s.get(User, chair), poll.id)] * 6)
    assert sorted(closes) == [False] * 5 + [True]
    assert [k for k, _d in events_since(0, "poll.")] == ["poll.prepared", "poll.opened",
                                                         "poll.closed"]  # fmt: skip
