"""The server does what docs/realtime.md says, line by line, for what a client written from the
document alone sends: odd strings and numbers, unknown events, handlers that fail, refusals
in the documented order, ballots of one batch, a join racing a broadcast, since_version, who
the server takes the socket for, and the log line of every event."""

from __future__ import annotations

import logging
import threading

import pytest
import socketio
import sqlalchemy.exc
from flask import has_request_context, request

from council.domain.meetings import meetings
from council.domain.voting import poll_queries
from council.unit_of_work import unit_of_work
from realtime import meeting_room
from realtime.guard import Limits
from tests.meeting_helpers import convened_meeting, head, make_council, running_meeting
from tests.realtime.live_helpers import USER_AGENT, Raw, login_cookie, ok
from tests.realtime.test_live_polls import ballots, prepare, voting_room

YES, NO = "in_favour", "against"


@pytest.fixture
def council(make_user):
    return make_council(make_user)


@pytest.fixture
def raw(live_server):
    opened: list[Raw] = []

    def factory(person=None) -> Raw:
        cookie = login_cookie(live_server.url, person.email) if person else None
        opened.append(Raw(live_server.url, cookie))
        return opened[-1]

    yield factory
    for one in opened:
        one.close()


def test_a_lone_surrogate_in_a_string_field_is_invalid(council, connect):
    meeting = running_meeting(council)
    m, member = meeting.id, council.members[0]
    before = head()
    secretary, phone = connect(council.secretary), connect(member)
    for client, event, payload in (
        (secretary, "attendance.check_in", {"member": "\ud800"}),
        (phone, "proxy.grant", {"to": "\ud800"}),
        (phone, "speakers.request", {"kind": "intervention", "client_id": "a\udfff"}),
    ):
        ack = client.call(event, {"meeting": m} | payload)
        assert ack["ok"] is False and ack["error"] == "invalid", (event, ack)
    assert head() == before


def test_an_integer_too_long_to_read_is_invalid_not_silence(council, raw):
    meeting = running_meeting(council)
    secretary = raw(council.secretary)
    huge = "1" + "0" * 100  # 10^100: Engine.IO's JSON refused it and dropped the packet
    secretary.send(f'421["attendance.check_in",{{"meeting":{huge}}}]')
    secretary.send(f'422["attendance.check_in",{{"meeting":{meeting.id},"member":{huge}}}]')
    secretary.send(f'423["meeting.join",{{"meeting":{meeting.id},"since_version":-{huge}}}]')
    acks = secretary.answered(1, 2, 3)
    assert [acks[n]["error"] for n in (1, 2, 3)] == ["invalid"] * 3
    assert "meeting" in acks[1]["message"] and "member" in acks[2]["message"]
    assert "since_version" in acks[3]["message"]


def test_an_unknown_event_is_answered_when_an_answer_is_asked(council, raw):
    meeting = convened_meeting(council)
    viewer = raw()
    viewer.emit(1, "meeting.jion", {"meeting": meeting.id})
    viewer.emit(None, "nothing.here", {})  # no answer asked: none sent
    viewer.emit(2, "meeting.join", {"meeting": meeting.id})
    viewer.send('423[{"a": 1}, {}]')  # names that are no event's
    viewer.send("424[]")
    acks = viewer.answered(1, 2, 3, 4)
    assert acks[1]["ok"] is False and acks[1]["error"] == "unknown_event"
    assert acks[1]["message"] == "Evento sconosciuto."  # the public's language: Italian
    assert acks[2]["ok"] is True
    assert [acks[n]["error"] for n in (3, 4)] == ["unknown_event"] * 2
    assert sorted(acks) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("a bug"), sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 reached")],
)
def test_a_handler_that_fails_answers_error(council, connect, monkeypatch, caplog, failure):
    meeting = convened_meeting(council)

    def fails(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(meetings, "get", fails)
    monkeypatch.setattr(poll_queries, "of_meeting", fails)
    ack = connect().call("meeting.join", {"meeting": meeting.id})
    assert ack["ok"] is False and ack["error"] == "error" and ack["message"], ack
    ack = connect(council.chair).call("poll.open", {"meeting": meeting.id, "poll": 1})
    assert ack["ok"] is False and ack["error"] == "error"
    assert any("socket event meeting.join failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("who", [None, "stakeholder"])
@pytest.mark.parametrize(
    "event, fields",
    [
        ("ballot.cast", {"poll": 999999, "choice": YES, "client_ballot_id": "x-1"}),
        ("poll.close", {"poll": 999999}),
        ("poll.open", {"poll": 999999}),
        ("poll.declare_conflict", {"poll": 999999}),
        (
            "ballot.declare",
            {"poll": 999999, "member": "u-0000000000", "choice": YES, "client_id": "x-1"},
        ),
        ("decision.record", {"poll": 999999}),
    ],
)
def test_not_allowed_is_checked_before_the_meeting_or_poll_is_looked_up(
    council, connect, who, event, fields
):
    client = connect(council.stakeholder if who else None)
    ack = client.call(event, {"meeting": 999999} | fields)
    assert ack["ok"] is False and ack["error"] == "not_allowed", ack


def test_two_changes_of_one_vote_in_one_batch_answer_their_own_versions(council, raw, connect, app):
    """The writer stores the ballots waiting for a poll in one transaction: each ballot's
    acknowledgement carries the version right after it, so the later change is higher."""
    meeting = convened_meeting(council)
    chair, viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting, allow_change=True)
    ok(chair.call("poll.open", {"meeting": meeting.id, "poll": poll}))
    a, b = council.members[:2]
    voter = raw(a)
    locked, release = threading.Event(), threading.Event()

    def hold_the_poll():  # a transaction holding the poll: the writer's next batch waits
        with app.app_context(), unit_of_work() as work:
            poll_queries.lock(work, poll)
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_poll)
    holder.start()
    locked.wait(10)
    alone = {"meeting": meeting.id, "poll": poll, "choice": YES, "client_ballot_id": "b-1"}
    first = threading.Thread(target=phones[b.public_id].call, args=("ballot.cast", alone))
    first.start()  # the writer takes it alone and waits for the poll
    threading.Event().wait(0.5)
    for n, choice in ((1, YES), (2, NO)):  # both queue meanwhile: the next batch
        voter.emit(n, "ballot.cast", {"meeting": meeting.id, "poll": poll, "choice": choice,
                                      "client_ballot_id": f"a-{n}"})  # fmt: skip
    threading.Event().wait(0.5)
    release.set()
    holder.join(10)
    first.join(10)
    acks = voter.answered(1, 2)
    assert acks[1]["ok"] and acks[2]["ok"], acks
    # two events of one socket are handled each in its own thread: either may reach the
    # writer first, and the one stored second is the change
    first_n, later_n = (1, 2) if acks[2]["ballot"]["changed"] else (2, 1)
    first_ack, later = acks[first_n], acks[later_n]
    assert (first_ack["ballot"]["changed"], later["ballot"]["changed"]) == (False, True)
    assert later["state_version"] > first_ack["state_version"]
    state = viewer.until(lambda s: s["version"] >= later["state_version"])
    expected = {"in_favour": 1, "against": 1, "abstain": 0} if later_n == 2 else {
        "in_favour": 2, "against": 0, "abstain": 0}  # fmt: skip
    assert state["poll"]["tally"] == expected
    assert ballots(poll) == 2


def test_a_join_never_answers_a_snapshot_older_than_one_pushed_before(council, raw, connect):
    """The join's snapshot is overtaken while it is being made (here: held while it reads
    presence): a broadcast of a newer state reaches the socket first, then the answer."""
    meeting = running_meeting(council, present=[council.chair])
    m = meeting.id
    chair, viewer = connect(council.chair), raw()
    viewer.emit(1, "meeting.join", {"meeting": m})
    viewer.answered(1)
    presence = meeting_room.live().presence
    reading, go = threading.Event(), threading.Event()
    original = presence.summary

    def slow_for_joins(meeting_id):
        if has_request_context() and request.event["message"] == "meeting.join":
            reading.set()
            go.wait(10)
        return original(meeting_id)

    def check_in(member) -> int:
        return ok(chair.call("attendance.check_in", {"meeting": m, "member": member.public_id}))

    first = check_in(council.members[0])
    viewer.read(lambda r: any(s["version"] >= first for s in r.snapshots()))
    presence.summary = slow_for_joins
    try:
        viewer.emit(2, "meeting.join", {"meeting": m})
        assert reading.wait(10)
        pushed = check_in(council.members[1])
        viewer.read(lambda r: any(s["version"] >= pushed for s in r.snapshots()))
        go.set()
        viewer.answered(2)
    finally:
        del presence.summary
    assert viewer.acks()[2]["snapshot"]["version"] >= pushed
    assert viewer.acks()[2]["snapshot"]["attendance"]["count"] == 3


def test_since_version_says_whether_anything_changed(council, connect):
    meeting = running_meeting(council, present=[council.chair])
    m = meeting.id
    viewer = connect()
    assert "unchanged" not in viewer.join(m)
    held = viewer.version
    again = viewer.join(m, since_version=held)
    assert again["ok"] and again["unchanged"] is True
    assert viewer.join(m, since_version=0)["unchanged"] is False
    ok(connect(council.chair).call("attendance.check_in", {"meeting": m, "member": council
                                                           .members[0].public_id}))  # fmt: skip
    viewer.until(lambda s: s["version"] > held)  # its broadcast came: the room's latest
    later = viewer.join(m, since_version=held)
    assert later["unchanged"] is False and later["state_version"] > held


def test_the_join_says_who_the_server_takes_the_socket_for(council, connect, live_server):
    meeting = convened_meeting(council)
    member = council.members[0]
    you = connect(member).join(meeting.id)["you"]
    assert you == {"id": member.public_id, "name": member.name, "member": True,
                   "roles": ["member"]}  # fmt: skip
    assert connect(council.chair).join(meeting.id)["you"]["roles"] == ["chair", "member"]
    assert connect().join(meeting.id)["you"] is None
    cookie = login_cookie(live_server.url, member.email)
    elsewhere = socketio.SimpleClient()  # the cookie from another browser: the public
    elsewhere.connect(live_server.url, transports=["websocket"],
                      headers={"Cookie": cookie, "User-Agent": USER_AGENT + " other"})  # fmt: skip
    try:
        assert elsewhere.call("meeting.join", {"meeting": meeting.id}, timeout=10)["you"] is None
    finally:
        elsewhere.disconnect()


def test_every_socket_event_is_logged_once(council, connect, caplog):
    caplog.set_level(logging.INFO, logger="consiglio.access")
    meeting = convened_meeting(council)
    member = council.members[0]
    client = connect(member)
    client.join(meeting.id)
    client.call("room.join", {"room": "record"})
    client.call("room.join", {"room": "nowhere"})
    client.call("room.leave", {"room": "record"})
    client.call("meeting.leave", {"meeting": meeting.id})
    client.call("no.such.event", {})
    lines = [(r.event, r.outcome, r.user) for r in caplog.records if hasattr(r, "event")]
    assert lines == [
        ("meeting.join", "ok", member.public_id),
        ("room.join", "ok", member.public_id),
        ("room.join", "invalid", member.public_id),
        ("room.leave", "ok", member.public_id),
        ("meeting.leave", "ok", member.public_id),
        ("unknown", "unknown_event", member.public_id),
    ]


def test_a_sockets_limits_admit_a_burst_then_the_rate_and_a_few_at_once():
    limits = Limits(rate=10, burst=3, in_flight=2)
    assert [limits.admit("s"), limits.admit("s")] == [None, None]
    assert limits.admit("s") > 0  # two in flight already: the first refusal of a run
    assert limits.admit("s") < 0  # the next ones of the run (not logged)
    limits.done("s")
    assert limits.admit("s") is None  # the third of the burst
    limits.done("s")
    limits.done("s")
    assert 0.09 <= limits.admit("s") <= 0.1  # the bucket is empty: a token comes in 0.1 s
    assert limits.admit("other") is None  # each socket its own
