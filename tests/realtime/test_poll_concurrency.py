"""Races of a live vote over the real server: every member on their own logged-in socket, the
requests released at once by a barrier (the built-in test client runs handlers one at a time
and could not show a race). On SQLite and on PostgreSQL with Redis alike."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from council.domain.meetings import attendance, live_session
from council.domain.record import record
from council.domain.voting import poll_queries
from council.extensions import db
from council.models.poll import Ballot, Participation, Poll, PollKind
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.factories import reread
from tests.meeting_helpers import convened_meeting, events_since, head, make_council
from tests.realtime.live_helpers import Client, ok

pytestmark = pytest.mark.slow  # real races over the live server

MEMBERS = 60  # besides the chair and the secretary, who are members too
CHOICES = ["in_favour", "against", "abstain"]
CLOSED_REFUSAL = "La votazione è chiusa: il voto non è stato conteggiato."


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=MEMBERS)


class Room:
    """A session in progress on its first item, every member checked in, each member's phone
    and a projector (an anonymous viewer) joined to the meeting's room."""

    def __init__(self, council, connect) -> None:
        self.council = council
        self.meeting = convened_meeting(council)
        with unit_of_work() as work:  # one transaction: quicker than one per check-in
            live_session.open_session(work, council.chair, self.meeting.id)
            live_session.move_to(work, council.chair, self.meeting.id, self.meeting.items[0].id)
            for person in council.all_members:
                attendance.check_in(work, person, self.meeting.id)
        self.id = self.meeting.id
        people = council.all_members
        with ThreadPoolExecutor(max_workers=16) as pool:
            clients = list(pool.map(connect, [*people, None]))
            joins = list(pool.map(lambda c: c.join(self.id), clients))
        assert all(j["ok"] for j in joins), joins
        self.phones: dict[str, Client] = dict(
            zip([p.public_id for p in people], clients, strict=False)
        )
        self.projector = clients[-1]
        self.chair = self.phones[council.chair.public_id]

    @property
    def clients(self) -> list[Client]:
        return [*self.phones.values(), self.projector]

    def prepare(self, **fields) -> int:
        payload = {"meeting": self.id, "item": self.meeting.items[0].id, "kind": "named",
                   "rule": "simple", "question": "Approvare il punto?"} | fields  # fmt: skip
        ack = self.chair.call("poll.prepare", payload)
        ok(ack)
        return ack["poll"]

    def ballot(self, person: User, poll: int, choice: str, client_id: str) -> Callable:
        phone = self.phones[person.public_id]
        payload = {"meeting": self.id, "poll": poll, "choice": choice,
                   "client_ballot_id": client_id}  # fmt: skip
        return lambda: phone.call("ballot.cast", payload, timeout=60)

    def chair_does(self, event: str, poll: int, client: Client | None = None) -> Callable:
        client = client or self.chair
        return lambda: client.call(event, {"meeting": self.id, "poll": poll}, timeout=60)

    def agreed(self, check: Callable[[dict], bool], version: int) -> dict:
        """Every client's latest snapshot, once it is at least `version` and passes `check`:
        they must be the same snapshot (same version, same poll); returns it."""
        states = [
            c.until(lambda s: s["version"] >= version and check(s), timeout=20)
            for c in self.clients
        ]
        assert {s["version"] for s in states} == {states[0]["version"]}
        first = states[0]
        assert all(s["poll"] == first["poll"] and s["polls"] == first["polls"] for s in states)
        return first


def fire(jobs: list[Callable]) -> list:
    """Run every job at once, each in its own thread, released together; their results."""
    results: list = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = jobs[n]()
        except BaseException as error:
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def stored(poll_id: int) -> tuple[Poll, dict[str, int], set[str]]:
    """What the database holds: the poll, its tally, the public ids of those counted."""
    reread()
    poll = db.session.get(Poll, poll_id)
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    counted = set(
        db.session.scalars(
            select(User.public_id)
            .join(table, table.cast_for_id == User.id)
            .where(table.poll_id == poll_id)
        )
    )
    tally = {str(choice): n for choice, n in poll_queries.tally(db.session, poll).items()}
    return poll, tally, counted


def closed_as_stored(poll: Poll) -> dict:
    return {
        "in_favour": poll.yes, "against": poll.no, "abstain": poll.abstain,
        "present": poll.present, "represented": poll.represented, "members": poll.members,
        "conflict": poll.conflict, "needed": poll.needed, "approved": poll.approved,
        "valid": poll.valid,
    }  # fmt: skip


def announced() -> dict:
    """The data of the one poll.closed event in the record."""
    closed = [d for _k, d in events_since(0, "poll.closed")]
    assert len(closed) == 1
    return closed[0]


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_sixty_members_voting_at_once_leave_one_tally_everyone_sees(app, council, connect, kind):
    room = Room(council, connect)
    people = council.all_members
    poll = room.prepare(kind=kind)
    ok(room.chair.call("poll.open", {"meeting": room.id, "poll": poll}))
    chosen = {p.public_id: CHOICES[n % 3] for n, p in enumerate(people)}
    writer = app.extensions["consiglio_live"].group_commit
    batches = writer.batches
    acks = fire([room.ballot(p, poll, chosen[p.public_id], f"v-{p.id}") for p in people])

    assert [a for a in acks if not (isinstance(a, dict) and a["ok"])] == []
    assert writer.batches - batches < len(people) / 2  # committed in groups (group_commit.py)
    assert {a["ballot"]["cast_for"] for a in acks} == set(chosen)
    assert not any(a["ballot"]["repeated"] for a in acks)
    expected = dict(Counter(chosen.values()))
    row, tally, counted = stored(poll)
    assert tally == expected and counted == set(chosen)

    live = room.agreed(lambda s: s["poll"]["voted"] == len(people), max(map(ok, acks)))["poll"]
    if kind == "named":
        assert live["tally"] == tally
        assert {b["member"]["id"]: b["choice"] for b in live["ballots"]} == chosen
    else:  # only how many, until the close
        assert live["tally"] is None and live["ballots"] == [] and live["participants"] == []

    closing = ok(room.chair.call("poll.close", {"meeting": room.id, "poll": poll}))
    final = room.agreed(lambda s: s["poll"]["state"] == "closed", closing)["poll"]
    row, tally, counted = stored(poll)
    assert final["tally"] == tally == expected
    assert final["result"] == closed_as_stored(row)
    assert {k: v for k, v in announced().items() if k in final["result"]} == final["result"]
    if kind == "secret":
        assert {p["id"] for p in final["participants"]} == counted
    reread()
    assert record.verify(db.session).ok


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_refused_ballots_in_a_burst_leave_the_others_counted_and_recorded(council, connect, kind):
    """Ballots committed together, some refused: each refusal says why and changes nothing,
    the others are stored and recorded once each, and the record stays a valid chain."""
    room = Room(council, connect)
    people = council.all_members
    absent = people[-10:]
    for person in absent:
        ok(room.phones[person.public_id].call("attendance.check_out", {"meeting": room.id}))
    poll = room.prepare(kind=kind)
    ok(room.chair.call("poll.open", {"meeting": room.id, "poll": poll}))
    start = head()
    jobs = [room.ballot(p, poll, "abstain", f"m-{p.id}") for p in people]
    jobs += [room.ballot(p, poll, "abstain", f"m-{p.id}-bis") for p in people[:10]]  # again
    jobs.append(room.ballot(people[0], poll, "maybe", "m-bad"))  # never a valid choice
    acks = fire(jobs)

    present = {p.public_id for p in people[:-10]}
    counted = {a["ballot"]["cast_for"] for a in acks if a["ok"]}
    assert counted == present
    messages = Counter(a["message"] for a in acks if not a["ok"])
    repeated = "Questo voto è già stato espresso" + (
        " e non può essere cambiato." if kind == "named"
        else ": un voto segreto non può essere cambiato."
    )  # fmt: skip
    assert messages == {
        "Possono votare solo i consiglieri presenti alla seduta.": 10,
        repeated: 10,
        "Scegli favorevole, contrario o astenuto.": 1,
    }
    _row, tally, in_db = stored(poll)
    assert in_db == present and tally["abstain"] == len(present)
    event = "ballot.cast" if kind == "named" else "poll.participated"
    assert len(events_since(start, event)) == len(present)
    reread()
    assert record.verify(db.session).ok


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_the_same_ballot_sent_twice_at_once_counts_once(council, connect, kind):
    room = Room(council, connect)
    people = council.all_members
    poll = room.prepare(kind=kind)
    ok(room.chair.call("poll.open", {"meeting": room.id, "poll": poll}))
    start = head()
    jobs = [room.ballot(p, poll, "against", f"twice-{p.id}") for p in people for _ in (1, 2)]
    acks = fire(jobs)

    assert [a for a in acks if not (isinstance(a, dict) and a["ok"])] == []
    for person in people:
        pair = [a["ballot"] for a in acks if a["ballot"]["cast_for"] == person.public_id]
        assert sorted(b["repeated"] for b in pair) == [False, True]
        assert pair[0] | {"repeated": None} == pair[1] | {"repeated": None}
    _row, tally, counted = stored(poll)
    assert tally["against"] == len(people) and counted == {p.public_id for p in people}
    event = "ballot.cast" if kind == "named" else "poll.participated"
    assert len(events_since(start, event)) == len(people)
    live = room.agreed(lambda s: s["poll"]["voted"] == len(people), max(map(ok, acks)))["poll"]
    assert live["voted"] == len(people)


@pytest.mark.parametrize("kind", ["named", "secret"])
def test_ballots_racing_the_close_are_counted_or_refused_with_the_reason(council, connect, kind):
    room = Room(council, connect)
    voters = [p for p in council.all_members if p is not council.chair]
    poll = room.prepare(kind=kind)
    ok(room.chair.call("poll.open", {"meeting": room.id, "poll": poll}))
    acked = threading.Semaphore(0)

    def ballot(person: User) -> Callable:
        send = room.ballot(person, poll, "in_favour", f"r-{person.id}")

        def job():
            try:
                return send()
            finally:
                acked.release()

        return job

    def close():
        # Close once a third of the ballots is in: the rest are still racing it.
        deadline = time.monotonic() + 30
        for _ in range(len(voters) // 3):
            acked.acquire(timeout=max(0.0, deadline - time.monotonic()))
        return room.chair_does("poll.close", poll)()

    acks = fire([*(ballot(p) for p in voters), close])
    closing, acks = acks[-1], acks[:-1]

    counted = {a["ballot"]["cast_for"] for a in acks if isinstance(a, dict) and a["ok"]}
    refused = [a for a in acks if isinstance(a, dict) and not a["ok"]]
    assert len(counted) + len(refused) == len(voters)
    assert all(a["error"] == "invalid_state" and a["message"] == CLOSED_REFUSAL for a in refused)
    assert len(counted) >= len(voters) // 3
    row, tally, in_db = stored(poll)
    assert in_db == counted and tally["in_favour"] == len(counted) == row.yes
    assert announced()["in_favour"] == len(counted)
    final = room.agreed(lambda s: s["poll"]["state"] == "closed", ok(closing))["poll"]
    assert final["result"] == closed_as_stored(row) and final["voted"] == len(counted)
    assert final["tally"] == tally
    if kind == "named":
        assert {b["member"]["id"] for b in final["ballots"]} == counted
    else:
        assert {p["id"] for p in final["participants"]} == counted


def test_open_and_close_requests_racing_each_other_leave_one_state(council, connect):
    room = Room(council, connect)
    poll = room.prepare()
    # The chair's phone, tablet and laptop, each sending twice.
    devices = [room.chair, connect(council.chair), connect(council.chair)]
    start = head()

    acks = fire([room.chair_does("poll.open", poll, d) for d in devices for _ in (1, 2)])
    assert all(a["ok"] for a in acks), acks
    assert [k for k, _d in events_since(start, "poll.")] == ["poll.opened"]
    state = room.agreed(lambda s: s["poll"]["state"] == "open", max(map(ok, acks)))
    assert state["polls"][0]["state"] == "open"
    ok(room.ballot(council.members[0], poll, "in_favour", "before-close")())

    events = ["poll.open", "poll.close"] * 3
    acks = fire([room.chair_does(e, poll, d) for d, e in zip(devices * 2, events, strict=True)])
    for event, ack in zip(events, acks, strict=True):
        # an open after the close is refused; nothing else may fail
        refused = "Questa votazione è chiusa."
        assert ack["ok"] or (event == "poll.open" and ack["message"] == refused)
    assert [k for k, _d in events_since(start, "poll.")] == ["poll.opened", "poll.closed"]
    row, tally, _counted = stored(poll)
    assert row.state == "closed" and tally["in_favour"] == 1 == announced()["in_favour"]
    versions = [ok(a) for a in acks if a["ok"]]
    final = room.agreed(lambda s: s["poll"]["state"] == "closed", max(versions))
    assert final["poll"]["result"] == closed_as_stored(row)
    assert final["version"] == max(versions)
