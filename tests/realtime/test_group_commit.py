"""The writer that commits a burst's ballots together (realtime/group_commit.py), driven
directly: operations that append to the real record, one refused and one failing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from council.domain.accounts import login_sessions
from council.domain.meetings import meetings
from council.domain.record import record
from council.domain.voting import polls
from council.errors import InvalidState
from council.extensions import db
from council.unit_of_work import unit_of_work
from realtime.ballot_writer import BallotWriter
from realtime.group_commit import GroupCommit, Waiting
from tests.factories import reread
from tests.meeting_helpers import events_since, head, run
from tests.poll_helpers import group_council, prepare, voting_meeting
from tests.statements import statements_of


def background(function) -> None:
    threading.Thread(target=function, daemon=True).start()


class Operations:
    """The writer (group_commit.Writer) of a test: each submission appends one event, all of a
    batch in one transaction; `refuse` is refused (nothing appended), `fail` a bug the first
    time only (the whole batch fails), `block` holds the first batch until released."""

    def __init__(self) -> None:
        self.failed: set[int] = set()
        self.release = threading.Event()
        self.alone: list[int] = []

    def append(self, work, args: dict) -> dict:
        if args.get("block"):
            self.release.wait(10)
        if args.get("refuse"):
            raise InvalidState("refused")
        if args.get("fail") and args["n"] not in self.failed:
            self.failed.add(args["n"])
            raise RuntimeError("a bug")
        record.append(work, kind="test.appended", actor=None, subject="test:1",
                      data={"n": args["n"]})  # fmt: skip
        return {"ok": True, "meeting": args["meeting"], "n": args["n"]}

    def write(self, work, _key, batch) -> list:
        acks = []
        for waiting in batch:
            try:
                acks.append(self.append(work, waiting.args))
            except InvalidState as refusal:
                acks.append({"ok": False, "message": refusal.message})
        return acks

    def write_alone(self, waiting) -> dict:
        self.alone.append(waiting.args["n"])
        with unit_of_work() as work:
            return self.append(work, waiting.args)


@pytest.fixture
def writer(app):
    operations = Operations()
    return GroupCommit(app, background, operations), operations


def until(condition) -> None:
    for _ in range(1000):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("never")


def submit_all(group, operations, payloads: list[dict]) -> list[dict]:
    """The first payload blocks the writer's first batch until all the others are queued."""
    acks: list = [None] * len(payloads)

    def send(n: int) -> None:
        acks[n] = group.submit(1, None, {"meeting": 7, **payloads[n]}, 10).ack

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(payloads))]
    threads[0].start()
    until(lambda: group._started and not group._waiting)  # the first batch is running
    for thread in threads[1:]:
        thread.start()
    until(lambda: sum(len(q) for q in group._waiting.values()) == len(payloads) - 1)
    operations.release.set()
    for thread in threads:
        thread.join(10)
    return acks


def test_ballots_queued_together_commit_in_one_batch_and_a_refusal_changes_nothing(writer):
    group, operations = writer
    start = head()
    payloads = [{"n": 0, "block": True}, *({"n": n} for n in range(1, 6)), {"n": 6, "refuse": True}]
    acks = submit_all(group, operations, payloads)

    assert acks[:6] == [{"ok": True, "meeting": 7, "n": n} for n in range(6)]
    assert acks[6] == {"ok": False, "message": "refused"}
    assert group.batches == 2  # the first alone, then the six that waited for it
    reread()
    assert sorted(d["n"] for _k, d in events_since(start, "test.")) == [0, 1, 2, 3, 4, 5]
    assert record.verify(db.session).ok and operations.alone == []


def test_a_batch_that_fails_runs_again_one_ballot_at_a_time_and_each_counts_once(writer):
    group, operations = writer
    start = head()
    payloads = [{"n": 0, "block": True}, {"n": 1}, {"n": 2, "fail": True}, {"n": 3}]
    acks = submit_all(group, operations, payloads)

    assert [a["ok"] for a in acks] == [True] * 4
    assert operations.alone == [1, 2, 3]  # the second batch, each in its own transaction
    reread()
    assert [d["n"] for _k, d in events_since(start, "test.")] == [0, 1, 2, 3]
    assert record.verify(db.session).ok


def test_a_batch_of_ballots_waits_for_a_close_holding_the_meeting_instead_of_deadlocking(
    app, make_user
):
    """The close locks meeting then poll; a batch updates its poll once per ballot, and on
    PostgreSQL the second update checks the poll's foreign key again, taking a share of the
    meeting: after the poll's lock, that deadlocked (seen in the racing tests). The batch
    takes the meeting's share first (poll_queries.lock_for_ballots, once per batch in
    realtime/ballot_writer.py), so it waits for the close."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks and foreign-key checks are PostgreSQL's")
    council = group_council(make_user)
    meeting = voting_meeting(council)
    poll = prepare(council, meeting, kind="secret")
    run(polls.open_poll, council.chair, poll.id)
    live = app.extensions["consiglio_live"]
    closing = Session(db.engine)
    meetings.lock(closing, meeting.id)  # the close holds the meeting...
    acks: dict[int, dict] = {}

    with unit_of_work() as work:
        logins = [
            login_sessions.start(work, work.merge(person), address="", device="", remember=False)
            for person in council.members
        ]
    meeting_id, poll_id = meeting.id, poll.id

    def vote(n: int) -> None:
        ballot = {"meeting": meeting_id, "poll": poll_id, "choice": "in_favour",
                  "client_ballot_id": f"race-{n}"}  # fmt: skip
        acks[n] = live.group_commit.submit(poll_id, logins[n], ballot, 30).ack

    voters = [threading.Thread(target=vote, args=(n,)) for n in range(len(logins))]
    for thread in voters:
        thread.start()
    threading.Event().wait(0.5)  # the writer's batches begin meanwhile
    polls.close_poll(closing, closing.merge(council.chair), poll_id)  # ...then the poll
    closing.commit()
    closing.close()
    for thread in voters:
        thread.join(30)
    assert len(acks) == len(logins)
    assert all(ack["ok"] is False and ack["error"] == "invalid_state" for ack in acks.values())
    reread()
    assert record.verify(db.session).ok


def test_a_batch_reads_and_locks_its_poll_once_whatever_its_size(app, make_user):
    """The writer locks a batch's poll once (realtime/ballot_writer.py): a batch of eight
    ballots reads the poll's row once, as a batch of one does."""
    council = group_council(make_user)
    meeting = voting_meeting(council)
    poll = prepare(council, meeting)
    run(polls.open_poll, council.chair, poll.id)
    with unit_of_work() as work:
        logins = [
            login_sessions.start(work, work.merge(person), address="", device="", remember=False)
            for person in council.members
        ]
    writer = BallotWriter()

    def reads_of_the_poll(logins: list[str]) -> int:
        batch = [Waiting(login, {"meeting": meeting.id, "poll": poll.id, "choice": "in_favour",
                                 "client_ballot_id": login[-8:]}) for login in logins]  # fmt: skip

        def write() -> None:
            with unit_of_work() as work:
                acks = writer.write(work, poll.id, batch)
            assert [ack["ok"] for ack in acks] == [True] * len(batch)

        rows = (" ".join(statement.split()) for statement in statements_of(write))
        return sum(row.startswith("SELECT polls.") for row in rows)

    assert reads_of_the_poll(logins[:1]) == reads_of_the_poll(logins[1:9]) == 1
    reread()
    assert record.verify(db.session).ok
