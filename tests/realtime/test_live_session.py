"""A whole live session over real Socket.IO clients on the live server: the chair, the
secretary, members on their phones and an anonymous viewer. Refused and malformed events,
a dropped and restored connection, presence, and the coalescing of bursts."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from council.domain.meetings import attendance
from council.extensions import db
from council.models.meeting import Attendance, SpeakerRequest
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.factories import fresh, reread
from tests.meeting_helpers import convened_meeting, head, make_council, new_meeting, running_meeting
from tests.realtime.live_helpers import ok


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def record_kinds(meeting, after: int = 0) -> list[str]:
    reread()
    rows = db.session.scalars(
        select(RecordEvent)
        .where(RecordEvent.subject == f"meeting:{meeting.id}", RecordEvent.seq > after)
        .order_by(RecordEvent.seq)
    )
    return [row.kind for row in rows]


def test_a_whole_session_over_sockets(council, connect):
    meeting = convened_meeting(council)
    first, second = (item.id for item in meeting.items)
    a, b, c, d = council.members
    m = meeting.id

    viewer = connect()  # a projector: no account
    assert viewer.join(m)["snapshot"]["meeting"]["state"] == "convened"
    chair, secretary = connect(council.chair), connect(council.secretary)
    phones = {person.public_id: connect(person) for person in (a, b, c)}
    for client in (chair, secretary, *phones.values()):
        assert client.join(m)["ok"]
    start = head()

    version = ok(chair.call("session.open", {"meeting": m}))
    state = viewer.until(
        lambda s: s["meeting"]["state"] == "in_progress" and s["version"] >= version
    )
    assert state["attendance"]["present"] == [  # the chair who opened is checked in with it
        {"id": council.chair.public_id, "name": council.chair.name}
    ]

    for person in (a, b, c):
        ok(phones[person.public_id].call("attendance.check_in", {"meeting": m}))
    ok(secretary.call("attendance.check_in", {"meeting": m, "member": d.public_id}))
    ok(chair.call("attendance.check_in", {"meeting": m}))  # present already: nothing more
    state = viewer.until(lambda s: s["attendance"]["count"] == 5)
    assert state["attendance"] | {"present": []} == {
        "present": [], "count": 5, "members": 6, "quorum_needed": 4, "quorum": True,
        "at_close": [],
    }  # fmt: skip
    assert {p["id"] for p in state["attendance"]["present"]} == {
        a.public_id, b.public_id, c.public_id, d.public_id, council.chair.public_id,
    }  # fmt: skip

    ok(chair.call("agenda.move_to", {"meeting": m, "item": first}))
    asked = phones[a.public_id].call(
        "speakers.request", {"meeting": m, "kind": "intervention", "client_id": "a-1"}
    )
    ok(asked)
    ok(phones[b.public_id].call(
        "speakers.request", {"meeting": m, "kind": "point_of_order", "client_id": "b-1"}
    ))  # fmt: skip
    state = viewer.until(lambda s: len(s["speakers"]["queue"]) == 2)
    assert [e["user"]["id"] for e in state["speakers"]["queue"]] == [b.public_id, a.public_id]
    assert state["current_item"]["id"] == first
    point = state["speakers"]["queue"][0]["request"]

    ok(chair.call("speakers.give_floor", {"meeting": m, "request": point, "limit_s": 120}))
    state = viewer.until(lambda s: s["speakers"]["current"] is not None)
    assert state["speakers"]["current"]["user"] == {"id": b.public_id, "name": b.name}
    assert state["speakers"]["current"]["limit_s"] == 120
    assert state["server_time"] >= state["speakers"]["current"]["started_at"]
    ok(chair.call("speakers.end_floor", {"meeting": m, "request": point}))
    ok(chair.call("speakers.give_floor", {"meeting": m, "request": asked["request"]}))
    ok(phones[c.public_id].call("proxy.grant", {"meeting": m, "to": a.public_id}))
    state = viewer.until(lambda s: s["proxies"] != [])
    assert state["proxies"] == [
        {"from": {"id": c.public_id, "name": c.name}, "to": {"id": a.public_id, "name": a.name}}
    ]
    ok(chair.call("agenda.move_to", {"meeting": m, "item": second}))
    ok(chair.call("session.suspend", {"meeting": m}))
    ok(chair.call("session.resume", {"meeting": m}))
    ok(phones[a.public_id].call("attendance.check_out", {"meeting": m}))
    final = ok(chair.call("session.close", {"meeting": m}))
    state = viewer.until(lambda s: s["version"] >= final)
    assert state["meeting"]["state"] == "closed" and state["attendance"]["count"] == 0
    # who was there at the end: the present at the close, by name; not a, who left before
    assert state["attendance"]["at_close"] == sorted(
        ({"id": p.public_id, "name": p.name} for p in (b, c, d, council.chair)),
        key=lambda p: p["name"],
    )

    assert record_kinds(meeting, start) == [
        "attendance.checked_in", "meeting.opened",
        *["attendance.checked_in"] * 4,
        "agenda.item_started",
        "speakers.requested", "speakers.requested",
        "speakers.floor_given", "speakers.floor_ended", "speakers.floor_given",
        "proxy.granted",
        "speakers.floor_ended", "agenda.item_started",
        "meeting.suspended", "meeting.resumed",
        "attendance.checked_out",
        "meeting.closed",
    ]  # fmt: skip
    assert state["version"] == fresh(meeting).live_version
    # the viewer saw far fewer snapshots than there were changes, and never went backwards
    assert viewer.snapshots <= len(record_kinds(meeting, start)) + 10


ANY = {"meeting": 1}


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("meeting.join", None),
        ("meeting.join", "meeting:1"),
        ("meeting.join", {}),
        ("meeting.join", {"meeting": "1"}),
        ("meeting.join", {"meeting": True}),
        ("meeting.join", {"meeting": -4}),
        ("meeting.join", {"meeting": 2**40}),
        ("session.open", [1]),
        ("attendance.check_in", {"meeting": 1.5}),
        ("attendance.check_in", {"meeting": 1, "member": 7}),
        ("speakers.request", {"meeting": 1, "kind": "intervention"}),
        ("speakers.request", {"meeting": 1, "kind": "x" * 65, "client_id": "c"}),
        ("speakers.give_floor", {"meeting": 1, "request": "3"}),
        ("speakers.reorder", {"meeting": 1, "request": 3}),
        ("agenda.move_to", {"meeting": 1, "item": None}),
        ("proxy.grant", {"meeting": 1, "to": ["u-x"]}),
        ("proxy.grant", {"meeting": 1, "to": "u-\x00"}),
        ("speakers.request", {"meeting": 1, "kind": "intervention", "client_id": "a\x00b"}),
    ],
)
def test_malformed_events_are_refused_as_invalid(connect, council, event, payload):
    client = connect(council.chair)
    ack = client.call(event, payload)
    assert ack["ok"] is False and ack["error"] == "invalid"
    assert ack["message"]


def test_unauthorised_events_are_refused_and_change_nothing(council, connect):
    meeting = running_meeting(council, present=[council.members[0]])
    m = meeting.id
    member, anonymous = connect(council.members[1]), connect()
    stakeholder = connect(council.stakeholder)
    for client in (member, anonymous, stakeholder):
        client.join(m)
    before, version = head(), fresh(meeting).live_version
    for client in (member, anonymous, stakeholder):
        for event, payload in [
            ("session.close", {"meeting": m}),
            ("session.suspend", {"meeting": m}),
            ("agenda.move_to", {"meeting": m, "item": meeting.items[1].id}),
            ("attendance.check_in", {"meeting": m, "member": council.members[2].public_id}),
        ]:
            ack = client.call(event, payload)
            assert ack["ok"] is False and ack["error"] == "not_allowed", (event, ack)
            assert ack["message"]
    for client in (anonymous, stakeholder):
        ack = client.call("attendance.check_in", {"meeting": m})
        assert ack["error"] == "not_allowed"
        ack = client.call("speakers.request", {"meeting": m, "kind": "reply", "client_id": "z"})
        assert ack["error"] == "not_allowed"
    assert head() == before and fresh(meeting).live_version == version


def test_refusals_carry_the_reason_in_the_users_language(council, connect):
    meeting = running_meeting(council, present=[])
    phone = connect(council.members[0])
    ack = phone.call("speakers.request", {"meeting": meeting.id, "kind": "reply", "client_id": "q"})
    assert ack["ok"] is False and ack["error"] == "invalid_state"
    assert "Check in first" in ack["message"] or "presenti" in ack["message"]
    ack = phone.call("session.open", {"meeting": 999_999})
    assert ack["error"] == "not_allowed"  # the permission is checked before the meeting
    ack = phone.call("attendance.check_in", {"meeting": 999_999})
    assert ack["error"] == "not_found"


def test_drafts_cannot_be_joined_by_the_public(council, connect):
    draft = new_meeting(council.secretary)
    ack = connect().join(draft.id)
    assert ack["ok"] is False and ack["error"] == "not_found"
    assert connect(council.chair).join(draft.id)["ok"] is True


def test_a_dropped_phone_resynchronises_and_a_retried_action_applies_once(council, connect):
    meeting = running_meeting(council)
    m = meeting.id
    phone, chair = connect(council.members[0]), connect(council.chair)
    chair.join(m)
    seen = phone.join(m)["snapshot"]["version"]
    asked = phone.call("speakers.request", {"meeting": m, "kind": "reply", "client_id": "r-77"})
    ok(asked)

    phone.drop()  # the network goes; meanwhile the session moves on
    ok(chair.call("speakers.give_floor", {"meeting": m, "request": asked["request"]}))
    ok(chair.call("agenda.move_to", {"meeting": m, "item": meeting.items[1].id}))

    phone.connect()  # back: join again, saying which version it had
    ack = phone.join(m, since_version=seen)
    assert ack["ok"] and ack["snapshot"]["version"] > seen
    assert ack["snapshot"]["current_item"]["id"] == meeting.items[1].id
    assert ack["snapshot"]["speakers"]["current"] is None  # ended by the move
    # the phone never got its ack for the request: it retries with the same client id
    before = head()
    again = phone.call("speakers.request", {"meeting": m, "kind": "reply", "client_id": "r-77"})
    assert again["ok"] and again["request"] == asked["request"]
    assert head() == before
    reread()
    assert len(list(db.session.scalars(select(SpeakerRequest)))) == 1
    # an older snapshot arriving late is ignored by the rule
    assert phone.apply(dict(ack["snapshot"], version=seen)) is False


def test_check_in_twice_over_sockets_is_one_row_and_one_event(council, connect):
    meeting = running_meeting(council, present=[])
    phone = connect(council.members[0])
    first = ok(phone.call("attendance.check_in", {"meeting": meeting.id}))
    second = ok(phone.call("attendance.check_in", {"meeting": meeting.id}))
    assert second == first
    reread()
    mine = select(Attendance).where(Attendance.user_id == council.members[0].id)
    assert len(list(db.session.scalars(mine))) == 1
    assert record_kinds(meeting).count("attendance.checked_in") == 2  # the chair's at opening


def test_presence_is_who_is_connected_not_who_is_present(council, connect):
    meeting = running_meeting(council, present=[])
    viewer = connect()
    viewer.join(meeting.id)
    phones = [connect(person) for person in council.members[:2]]
    for phone in phones:
        phone.join(meeting.id)
    state = viewer.until(lambda s: s["presence"]["connected"] == 3)
    assert state["presence"]["members_connected"] == sorted(
        p.public_id for p in council.members[:2]
    )
    assert state["attendance"]["count"] == 1  # the chair, checked in as the session opened
    phones[0].drop()
    state = viewer.until(lambda s: s["presence"]["connected"] == 2)
    assert state["presence"]["members_connected"] == [council.members[1].public_id]


def test_a_burst_of_check_ins_is_coalesced_into_few_snapshots(app, council, make_user, connect):
    crowd = [make_user("member") for _ in range(30)]
    meeting = running_meeting(council, present=[])
    viewer = connect()
    viewer.join(meeting.id)
    viewer.drain(0.3)
    live = app.extensions["consiglio_live"]
    room = f"meeting:{meeting.id}"
    emitted, seen = live.coalescer.emitted[room], viewer.snapshots
    started = time.monotonic()
    for person in crowd:
        with unit_of_work() as session:
            attendance.check_in(session, person, meeting.id)
    burst = time.monotonic() - started
    viewer.until(lambda s: s["attendance"]["count"] == 31)  # and the chair
    # the burst's last snapshot carries the database's version (an earlier one may already
    # count everyone: on PostgreSQL each of its reads sees the latest commit)
    final = fresh(meeting).live_version
    viewer.until(lambda s: s["version"] == final)
    viewer.drain(0.4)
    received = viewer.snapshots - seen
    broadcasts = live.coalescer.emitted[room] - emitted
    # at most one broadcast per 100 ms window (plus the leading one), far fewer than 30
    assert broadcasts <= burst / 0.1 + 2 and broadcasts < 30
    assert 0 < received <= broadcasts  # each reached the viewer once, and nothing else did
    assert viewer.state["version"] == final


def test_the_ack_version_matches_the_database(council, connect):
    meeting = running_meeting(council, present=[])
    phone = connect(council.members[0])
    version = ok(phone.call("attendance.check_in", {"meeting": meeting.id}))
    assert version == fresh(meeting).live_version
    reread()
    event = db.session.scalars(select(RecordEvent).order_by(RecordEvent.seq.desc())).first()
    assert (event.kind, json.loads(event.data)) == (
        "attendance.checked_in", {"member": council.members[0].public_id},
    )  # fmt: skip


def test_a_room_another_process_keeps_changing_is_broadcast_once_its_burst_ends(app, council):
    """Two processes share a burst of ballots: the one done first waits while the other
    still says the room changed (meeting_room.Live), instead of sending every viewer a
    snapshot of its own half first."""
    meeting = running_meeting(council)
    live = app.extensions["consiglio_live"]
    room = f"meeting:{meeting.id}"
    deadline = time.monotonic() + 5
    while room in live.coalescer._running:  # the check-ins' own broadcast ends first
        assert time.monotonic() < deadline, "never quiet"
        time.sleep(0.01)
    before = live.coalescer.emitted[room]
    for _ in range(6):  # the other process's batches, every 40 ms (the window is 100 ms)
        live._changed_elsewhere([room])
        time.sleep(0.04)
    assert live.coalescer.emitted[room] == before
    deadline = time.monotonic() + 5
    while live.coalescer.emitted[room] == before:
        assert time.monotonic() < deadline, "never broadcast"
        time.sleep(0.01)
    time.sleep(0.3)
    assert live.coalescer.emitted[room] == before + 1
