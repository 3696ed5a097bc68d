"""Votes over real Socket.IO clients on the live server: the chair prepares, opens and closes,
members vote from their phones (for themselves and by proxy), the room sees the tally move as
the poll's kind allows, and refused or malformed ballots change nothing."""

from __future__ import annotations

import logging

import pytest
import socketio
from socketio.exceptions import DisconnectedError, TimeoutError
from sqlalchemy import func, select

from council.domain.accounts import accounts
from council.extensions import db
from council.models.poll import Ballot, Participation
from council.models.user import AccountStatus
from tests.factories import reread
from tests.meeting_helpers import convened_meeting, head, make_council, run
from tests.realtime.live_helpers import ok

YES, NO, ABST = "in_favour", "against", "abstain"


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=6)  # chair, secretary and 6 members: quorum 5 of 8


def voting_room(council, connect, meeting, *, absent=()):
    """Open session on the first item, everybody but `absent` checked in; the clients."""
    m = meeting.id
    chair = connect(council.chair)
    viewer = connect()
    phones = {p.public_id: connect(p) for p in council.all_members if p is not council.chair}
    for client in (chair, viewer, *phones.values()):
        assert client.join(m)["ok"]
    ok(chair.call("session.open", {"meeting": m}))
    ok(chair.call("agenda.move_to", {"meeting": m, "item": meeting.items[0].id}))
    ok(chair.call("attendance.check_in", {"meeting": m}))
    for person in council.all_members:
        if person is not council.chair and person not in absent:
            ok(phones[person.public_id].call("attendance.check_in", {"meeting": m}))
    return chair, viewer, phones


def prepare(chair, meeting, **fields) -> int:
    payload = {"meeting": meeting.id, "item": meeting.items[0].id, "kind": "named",
               "rule": "simple", "question": "Approvare il punto?"} | fields  # fmt: skip
    ack = chair.call("poll.prepare", payload)
    ok(ack)
    return ack["poll"]


def ballots(poll_id: int, table=Ballot) -> int:
    reread()
    return db.session.scalar(select(func.count(table.id)).where(table.poll_id == poll_id))


def test_a_named_vote_over_sockets(council, connect):
    meeting = convened_meeting(council)
    a, b, c, d, e, f = council.members
    m = meeting.id
    chair, viewer, phones = voting_room(council, connect, meeting, absent=(f,))
    ok(phones[f.public_id].call("attendance.check_in", {"meeting": m}))
    ok(phones[f.public_id].call("proxy.grant", {"meeting": m, "to": a.public_id}))
    ok(phones[f.public_id].call("attendance.check_out", {"meeting": m}))

    poll = prepare(chair, meeting, allow_change=True)
    state = viewer.until(lambda s: s["poll"] is not None)
    assert state["poll"] | {"id": 0} == state["poll"] | {
        "id": 0, "state": "prepared", "kind": "named", "rule": "simple", "voted": 0,
        "question": "Approvare il punto?", "allow_change": True,
    }  # fmt: skip
    assert phones[a.public_id].call("ballot.cast", {
        "meeting": m, "poll": poll, "choice": YES, "client_ballot_id": "a-1"
    })["error"] == "invalid_state"  # fmt: skip

    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
    ack = phones[a.public_id].call(
        "ballot.cast", {"meeting": m, "poll": poll, "choice": YES, "client_ballot_id": "a-1",
                        "reason": "Per i quartieri."})  # fmt: skip
    assert ack["ok"] and ack["ballot"] == {"poll": poll, "cast_for": a.public_id, "choice": YES,
                                           "repeated": False, "changed": False}  # fmt: skip
    again = phones[a.public_id].call(
        "ballot.cast", {"meeting": m, "poll": poll, "choice": YES, "client_ballot_id": "a-1"}
    )
    assert again["ballot"]["repeated"] is True
    by_proxy = phones[a.public_id].call("ballot.cast", {
        "meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "a-2",
        "for_member": f.public_id})  # fmt: skip
    assert by_proxy["ballot"]["cast_for"] == f.public_id
    ok(
        phones[b.public_id].call(
            "ballot.cast", {"meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "b-1"}
        )
    )
    ok(
        phones[b.public_id].call(
            "ballot.cast", {"meeting": m, "poll": poll, "choice": YES, "client_ballot_id": "b-2"}
        )
    )
    ok(phones[c.public_id].call("poll.declare_conflict", {"meeting": m, "poll": poll}))
    ok(
        phones[d.public_id].call(
            "ballot.cast", {"meeting": m, "poll": poll, "choice": ABST, "client_ballot_id": "d-1"}
        )
    )

    state = viewer.until(lambda s: s["poll"]["voted"] == 4 and s["poll"]["conflicts"])
    live = state["poll"]
    assert live["state"] == "open"
    assert live["tally"] == {YES: 2, NO: 1, ABST: 1}
    assert {(x["member"]["id"], x["choice"]) for x in live["ballots"]} == {
        (a.public_id, YES), (f.public_id, NO), (b.public_id, YES), (d.public_id, ABST)
    }  # fmt: skip
    proxy_row = next(x for x in live["ballots"] if x["member"]["id"] == f.public_id)
    assert proxy_row["by"] == {"id": a.public_id, "name": a.name}
    assert next(x for x in live["ballots"] if x["member"]["id"] == a.public_id)["reason"] == (
        "Per i quartieri."
    )
    assert next(x for x in live["ballots"] if x["member"]["id"] == d.public_id) == {
        "member": {"id": d.public_id, "name": d.name}, "choice": ABST,
    }  # fmt: skip
    assert live["conflicts"] == [{"id": c.public_id, "name": c.name}]
    assert live["totals"] is None and state["polls"][0]["totals"] is None  # only once closed

    closing = ok(chair.call("poll.close", {"meeting": m, "poll": poll}))
    late = phones[e.public_id].call(
        "ballot.cast", {"meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "e-1"}
    )
    assert late["ok"] is False and "chiusa" in late["message"]
    state = viewer.until(lambda s: s["version"] >= closing and s["poll"]["state"] == "closed")
    assert state["poll"]["result"] | {"members": 0} == {
        "in_favour": 2, "against": 1, "abstain": 1, "present": 7, "represented": 1,
        "members": 0, "conflict": 1, "needed": 2, "approved": True, "valid": True,
    }  # fmt: skip
    # the meeting page's list of votes says the counts of each closed poll
    assert state["polls"][0]["totals"] == {YES: 2, NO: 1, ABST: 1} == state["poll"]["totals"]
    decided = chair.call("decision.record", {"meeting": m, "poll": poll})
    ok(decided)
    state = viewer.until(lambda s: s["poll"]["decision"] is not None)
    assert state["poll"]["decision"] == decided["decision"]
    assert state["polls"][0]["decision"] == decided["decision"]
    assert ballots(poll) == 4


def test_a_secret_poll_shows_only_how_many_until_close(council, connect):
    meeting = convened_meeting(council)
    m = meeting.id
    chair, viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting, kind="secret", rule="absolute_present")
    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
    choices = [YES, YES, NO, ABST, YES]
    for person, choice in zip(council.members, choices, strict=False):
        ballot = {"poll": poll, "choice": choice, "client_ballot_id": f"s-{person.id}"}
        ack = phones[person.public_id].call("ballot.cast", {"meeting": m} | ballot)
        assert ack["ok"] and ack["ballot"]["choice"] is None
    refused = phones[council.members[0].public_id].call("ballot.cast", {
        "meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "s-other"})  # fmt: skip
    assert refused["ok"] is False
    state = viewer.until(lambda s: s["poll"] is not None and s["poll"]["voted"] == 5)
    assert state["poll"]["tally"] is None and state["poll"]["ballots"] == []
    assert state["poll"]["participants"] == [] and state["poll"]["result"] is None
    ok(chair.call("poll.close", {"meeting": m, "poll": poll}))
    state = viewer.until(lambda s: s["poll"] is not None and s["poll"]["state"] == "closed")
    assert state["poll"]["tally"] == {YES: 3, NO: 1, ABST: 1}
    assert {p["id"] for p in state["poll"]["participants"]} == {
        p.public_id for p in council.members[:5]
    }
    assert state["poll"]["result"]["needed"] == 5 and state["poll"]["result"]["approved"] is False
    assert ballots(poll, Participation) == 5


@pytest.mark.parametrize(
    ("event", "payload", "error"),
    [
        ("ballot.cast", {"poll": "1", "choice": YES, "client_ballot_id": "x"}, "invalid"),
        ("ballot.cast", {"poll": 1, "choice": "maybe", "client_ballot_id": "x"}, "invalid"),
        ("ballot.cast", {"poll": 1, "choice": YES, "client_ballot_id": "x" * 65}, "invalid"),
        (
            "ballot.cast",
            {"poll": 1, "choice": YES, "client_ballot_id": "x", "reason": "r" * 501},
            "invalid",
        ),
        ("ballot.cast", {"poll": 999999, "choice": YES, "client_ballot_id": "x"}, "not_found"),
        (
            "poll.prepare",
            {"item": 1, "kind": "named", "rule": "simple", "question": "q", "allow_change": "yes"},
            "invalid",
        ),
        (
            "poll.prepare",
            {"item": 1, "kind": "open", "rule": "simple", "question": "q"},
            "invalid",
        ),
    ],
)
def test_malformed_and_foreign_poll_events_change_nothing(council, connect, event, payload, error):
    meeting = convened_meeting(council)
    chair, _viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting)
    ok(chair.call("poll.open", {"meeting": meeting.id, "poll": poll}))
    if payload.get("poll") == 1:
        payload = payload | {"poll": poll}
    if payload.get("item") == 1:
        payload = payload | {"item": meeting.items[0].id}
    before = head()
    sender = chair if event == "poll.prepare" else phones[council.members[0].public_id]
    ack = sender.call(event, {"meeting": meeting.id} | payload)
    assert ack["ok"] is False and ack["error"] == error and ack["message"]
    assert head() == before and ballots(poll) == 0


def test_a_poll_named_under_another_meeting_is_not_found(council, connect):
    meeting = convened_meeting(council)
    other = convened_meeting(council)
    chair, _viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting)
    ok(chair.call("poll.open", {"meeting": meeting.id, "poll": poll}))
    ack = phones[council.members[0].public_id].call(
        "ballot.cast", {"meeting": other.id, "poll": poll, "choice": YES, "client_ballot_id": "z"}
    )
    assert ack["error"] == "not_found" and ballots(poll) == 0
    member = phones[council.members[0].public_id]
    assert member.call("poll.close", {"meeting": meeting.id, "poll": poll})["error"] == (
        "not_allowed"
    )


def test_a_ballot_from_a_socket_whose_login_ended_is_refused(council, connect, admin):
    """The writer loads a burst's people itself (group_commit.py): a disabled account or an
    old password (another session changed it) no longer votes from a phone still connected.
    Ending the account's sessions also closes their sockets (realtime/login_sessions.py):
    a ballot sent before that close arrives is refused all the same, none is stored."""
    meeting = convened_meeting(council)
    m = meeting.id
    chair, _viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting)
    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
    disabled, moved_on, still = council.members[:3]
    run(lambda work: accounts.set_status(work, work.merge(admin), work.merge(disabled),
                                         AccountStatus.DISABLED))  # fmt: skip
    run(lambda work: accounts.reset_password(work, work.merge(admin), work.merge(moved_on),
                                             new="una-nuova-password-lunga"))  # fmt: skip
    before = head()
    for person in (disabled, moved_on):
        ballot = {"poll": poll, "choice": YES, "client_ballot_id": f"x-{person.id}"}
        try:
            ack = phones[person.public_id].call("ballot.cast", {"meeting": m} | ballot, timeout=3)
        except (DisconnectedError, TimeoutError):
            continue  # closed as its session ended, before or while it was sent
        assert ack == {"ok": False, "error": "not_allowed",
                       "message": "Accedi per eseguire questa operazione."}  # fmt: skip
    assert head() == before and ballots(poll) == 0
    ok(phones[still.public_id].call("ballot.cast", {
        "meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "x-still"}))  # fmt: skip
    assert ballots(poll) == 1


def test_a_ballot_from_another_browser_with_a_members_cookie_is_the_publics(
    council, connect, live_server
):
    """A session is bound to the browser that logged in: the same cookie from another
    User-Agent is the public's, for a ballot too (the writer takes the login accepted at
    connect, not the cookie's: realtime/connection.py)."""
    meeting = convened_meeting(council)
    m = meeting.id
    chair, _viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting)
    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
    member = council.members[0]
    stolen = socketio.SimpleClient()
    stolen.connect(live_server.url, transports=["websocket"],
                   headers={"Cookie": phones[member.public_id].cookie,
                            "User-Agent": "another-browser/1.0"})  # fmt: skip
    try:
        ballot = {"meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "stolen-1"}
        ack = stolen.call("ballot.cast", ballot, timeout=10)
        assert ack["ok"] is False and ack["error"] == "not_allowed"
        assert ballots(poll) == 0
    finally:
        stolen.disconnect()
    ok(phones[member.public_id].call("ballot.cast", {
        "meeting": m, "poll": poll, "choice": YES, "client_ballot_id": "own-1"}))  # fmt: skip
    assert ballots(poll) == 1


def test_a_refused_ballot_says_why_in_the_members_own_language(council, connect):
    """The writer refuses a batch's ballots outside any request: each in the language its
    socket connected with (an English-speaking member, an Italian one)."""
    english, italian = council.members[:2]
    run(lambda work: setattr(work.merge(english), "locale", "en"))
    meeting = convened_meeting(council)
    chair, _viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting)  # prepared, not open
    messages = {}
    for person in (english, italian):
        ballot = {"meeting": meeting.id, "poll": poll, "choice": YES,
                  "client_ballot_id": f"lang-{person.id}"}  # fmt: skip
        ack = phones[person.public_id].call("ballot.cast", ballot)
        assert ack["ok"] is False and ack["error"] == "invalid_state"
        messages[person] = ack["message"]
    assert messages[english] == "The poll is not open yet."
    assert messages[italian] != messages[english] and "aperta" in messages[italian]


def test_the_join_tells_a_member_their_own_part_in_the_poll_on_screen(council, connect):
    """After a reload or a reconnection a phone learns what it already did: whose votes are
    cast among its own and its proxies', and a conflict declared; never how (secret)."""
    meeting = convened_meeting(council)
    a, b, c, *_rest, f = council.members
    m = meeting.id
    chair, viewer, phones = voting_room(council, connect, meeting)
    ok(phones[f.public_id].call("proxy.grant", {"meeting": m, "to": a.public_id}))
    ok(phones[f.public_id].call("attendance.check_out", {"meeting": m}))
    assert viewer.join(m)["mine"] is None and phones[a.public_id].join(m)["mine"] is None
    poll = prepare(chair, meeting, kind="secret")
    assert phones[a.public_id].join(m)["mine"] == {"poll": poll, "voted_for": [],
                                                   "conflict": False}  # fmt: skip
    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
    for target, client in ((None, "a-own"), (f.public_id, "a-proxy")):
        ballot = {"meeting": m, "poll": poll, "choice": YES, "client_ballot_id": client}
        ok(phones[a.public_id].call("ballot.cast", ballot | ({"for_member": target} if target
                                                               else {})))  # fmt: skip
    ok(phones[c.public_id].call("poll.declare_conflict", {"meeting": m, "poll": poll}))

    again = connect(a)
    mine = again.join(m)["mine"]
    assert mine == {"poll": poll, "voted_for": sorted([a.public_id, f.public_id]),
                    "conflict": False}  # fmt: skip
    assert connect(c).join(m)["mine"] == {"poll": poll, "voted_for": [], "conflict": True}
    assert connect(b).join(m)["mine"] == {"poll": poll, "voted_for": [], "conflict": False}
    assert connect().join(m)["mine"] is None


def test_socket_events_are_logged_without_their_payload(council, connect, caplog):
    caplog.set_level(logging.INFO, logger="consiglio.access")
    meeting = convened_meeting(council)
    chair, _viewer, phones = voting_room(council, connect, meeting)
    poll = prepare(chair, meeting, kind="secret")
    ok(chair.call("poll.open", {"meeting": meeting.id, "poll": poll}))
    ballot = {"meeting": meeting.id, "poll": poll, "choice": NO, "client_ballot_id": "log-1"}
    ok(phones[council.members[0].public_id].call("ballot.cast", ballot))
    refused = phones[council.members[0].public_id].call("ballot.cast", ballot | {"poll": 0})
    assert refused["ok"] is False
    lines = [r for r in caplog.records if getattr(r, "event", None) == "ballot.cast"]
    assert [r.outcome for r in lines] == ["ok", "invalid"]
    assert lines[0].user == council.members[0].public_id
    for record in caplog.records:
        assert NO not in record.getMessage() and NO not in str(vars(record))
