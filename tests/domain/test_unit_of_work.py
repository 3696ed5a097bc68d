"""What a unit of work publishes after its commit, and what it never does."""

from __future__ import annotations

import pytest

from council import events
from council.domain.record import record
from council.domain.voting import poll_queries
from council.extensions import db
from council.unit_of_work import unit_of_work
from tests.poll_helpers import group_council, prepare, voting_meeting


@pytest.fixture
def heard(app):
    seen: list[events.Event] = []
    events.subscribe(seen.append)
    yield seen
    events.unsubscribe(seen.append)


def test_a_signal_is_published_once_per_transaction_and_every_record_event_in_order(heard):
    with unit_of_work() as work:
        for n in range(3):
            record.append(work, kind="test.appended", actor=None, subject="test:1", data={"n": n})
            poll_queries.live_changed(work, 7)
        poll_queries.live_changed(work, 8)
        events.queue(work, events.Event(kind="notifications.created", subject="user:1",
                                        data={"users": ["u-1"]}))  # fmt: skip
        events.queue(work, events.Event(kind="notifications.created", subject="user:1",
                                        data={"users": ["u-2"]}))  # fmt: skip
    kinds = [(e.kind, e.subject, e.data.get("n", e.data.get("users"))) for e in heard]
    assert kinds == [
        ("test.appended", "test:1", 0),
        (poll_queries.LIVE_CHANGED, "meeting:7", None),
        ("test.appended", "test:1", 1),
        ("test.appended", "test:1", 2),
        (poll_queries.LIVE_CHANGED, "meeting:8", None),
        ("notifications.created", "user:1", ["u-1"]),
        ("notifications.created", "user:1", ["u-2"]),
    ]


def test_nothing_is_published_when_the_transaction_rolls_back(heard):
    with pytest.raises(RuntimeError), unit_of_work() as work:
        record.append(work, kind="test.appended", actor=None, subject="test:1", data={"n": 1})
        poll_queries.live_changed(work, 7)
        raise RuntimeError("a bug")
    assert heard == []


def test_a_savepoint_rolled_back_takes_its_events_and_changes_with_it(make_user):
    """A savepoint rolled back takes its record events and its changes to a locked poll with
    it: the next append chains after the last event kept, the poll is read as stored."""
    council = group_council(make_user)
    meeting = voting_meeting(council)
    poll = prepare(council, meeting)
    with unit_of_work() as work:
        locked = poll_queries.lock(work, poll.id)
        first = record.append(work, kind="test.appended", actor=None, subject="test:1", data={})
        with pytest.raises(RuntimeError), work.begin_nested():
            poll_queries.lock(work, poll.id).version += 100
            record.append(work, kind="test.appended", actor=None, subject="test:1", data={})
            work.flush()
            raise RuntimeError("a refusal after writing")
        assert poll_queries.lock(work, poll.id) is locked and locked.version < 100
        after = record.append(work, kind="test.appended", actor=None, subject="test:1", data={})
        assert (after.seq, after.prev) == (first.seq + 1, first.hash)
    with unit_of_work() as work:  # a new transaction asks again
        assert poll_queries.lock(work, poll.id).version == locked.version
        later = record.append(work, kind="test.appended", actor=None, subject="test:1", data={})
        assert later.prev == after.hash
    assert record.verify(db.session).ok
