"""Votes declared aloud (appello nominale) over real Socket.IO clients: the secretary enters the
vote a member without a device declares; the room sees it labelled, it counts once both
ways, and who may not enter one is refused."""

from __future__ import annotations

import pytest

from tests.factories import reread
from tests.meeting_helpers import convened_meeting, head, make_council
from tests.realtime.live_helpers import ok
from tests.realtime.test_live_polls import ballots, prepare

YES, NO = "in_favour", "against"


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=4)  # chair, secretary and 4 members: quorum 4 of 6


def test_the_secretary_declares_a_vote_the_room_sees_it_labelled_and_it_counts_once(
    council, connect
):
    meeting = convened_meeting(council)
    m = meeting.id
    a, b, c, no_device = council.members
    chair, secretary, viewer = connect(council.chair), connect(council.secretary), connect()
    phones = {p.public_id: connect(p) for p in (a, b, c)}
    for client in (chair, secretary, viewer, *phones.values()):
        assert client.join(m)["ok"]
    ok(chair.call("session.open", {"meeting": m}))
    ok(chair.call("agenda.move_to", {"meeting": m, "item": meeting.items[0].id}))
    for person in council.all_members:  # the secretary checks in the member without a phone
        ok(secretary.call("attendance.check_in", {"meeting": m, "member": person.public_id}))
    poll = prepare(chair, meeting)
    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))

    declared = {"meeting": m, "poll": poll, "member": no_device.public_id, "choice": YES,
                "client_id": "s-1"}  # fmt: skip
    refused = phones[a.public_id].call("ballot.declare", declared)  # a member is no officer
    assert refused["ok"] is False and refused["error"] == "not_allowed"
    ack = secretary.call("ballot.declare", declared)
    ok(ack)
    assert ack["ballot"] == {"poll": poll, "cast_for": no_device.public_id, "choice": YES,
                             "repeated": False, "changed": False}  # fmt: skip
    again = secretary.call("ballot.declare", declared)  # sent again: counted once
    assert again["ok"] is True and again["ballot"]["repeated"] is True

    state = viewer.until(lambda s: s["poll"] and s["poll"]["voted"] == 1)
    assert state["poll"]["ballots"] == [{
        "member": {"id": no_device.public_id, "name": no_device.name}, "choice": YES,
        "entered_by": {"id": council.secretary.public_id, "name": council.secretary.name},
    }]  # fmt: skip
    assert state["poll"]["tally"] == {"in_favour": 1, "against": 0, "abstain": 0}
    assert ack["state_version"] <= state["version"]

    # both ways: a declaration for a member who voted is refused, and the member's own ballot
    # after a declaration too
    ok(phones[b.public_id].call("ballot.cast", {"meeting": m, "poll": poll, "choice": NO,
                                                "client_ballot_id": "b-1"}))  # fmt: skip
    late = chair.call("ballot.declare", declared | {"member": b.public_id, "client_id": "c-1"})
    assert late["ok"] is False and late["error"] == "invalid_state"
    assert "ha già votato" in late["message"]
    borrowed = connect(no_device)  # a phone found later: the vote is already counted
    own = borrowed.call("ballot.cast", {
        "meeting": m, "poll": poll, "choice": NO, "client_ballot_id": "n-1"})  # fmt: skip
    assert own["ok"] is False and "registrato da Pietro Segretario" in own["message"]
    assert ballots(poll) == 2

    ok(chair.call("poll.close", {"meeting": m, "poll": poll}))
    result = viewer.until(lambda s: s["poll"]["result"] is not None)["poll"]["result"]
    assert (result["in_favour"], result["against"]) == (1, 1)


def test_a_secret_poll_or_a_missing_field_is_refused_and_changes_nothing(council, connect):
    meeting = convened_meeting(council)
    m = meeting.id
    chair = connect(council.chair)
    assert chair.join(m)["ok"]
    ok(chair.call("session.open", {"meeting": m}))
    ok(chair.call("agenda.move_to", {"meeting": m, "item": meeting.items[0].id}))
    for person in council.all_members:
        ok(chair.call("attendance.check_in", {"meeting": m, "member": person.public_id}))
    poll = prepare(chair, meeting, kind="secret")
    ok(chair.call("poll.open", {"meeting": m, "poll": poll}))
    before = head()
    member = council.members[0].public_id
    ack = chair.call("ballot.declare", {"meeting": m, "poll": poll, "member": member,
                                        "choice": YES, "client_id": "c-1"})  # fmt: skip
    assert ack["ok"] is False and ack["error"] == "invalid_state"
    assert "voto segreto non si dichiara a voce" in ack["message"]
    ack = chair.call("ballot.declare", {"meeting": m, "poll": poll, "member": member,
                                        "choice": YES})  # fmt: skip
    assert ack["ok"] is False and ack["error"] == "invalid"
    reread()
    assert head() == before
