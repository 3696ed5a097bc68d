"""Proxies (deleghe) and the live snapshot in the domain: the rules of delegation, and one
snapshot built in the same few queries however big the room."""

from __future__ import annotations

import pytest

from council.domain.meetings import live_session, speakers
from council.domain.voting import proxies
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from tests.factories import fresh
from tests.meeting_helpers import events_since, head, make_council, run, running_meeting, state
from tests.statements import statements_of


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def ask(person, meeting, kind="intervention", client_id=None):
    client_id = client_id or f"{person.public_id}-{kind}-{head()}"
    return run(speakers.request, person, meeting.id, kind=kind, client_id=client_id)


# --- proxies ----------------------------------------------------------------------------------


def test_a_member_delegates_to_a_present_member_and_revokes(council):
    a, b, c, d = council.members
    meeting = running_meeting(council, present=[b, c])
    start = head()
    assert run(proxies.grant, a, meeting.id, b.public_id) is True
    assert run(proxies.grant, a, meeting.id, b.public_id) is False  # the same again
    snap = state(meeting)
    assert snap["proxies"] == [{"from": {"id": a.public_id, "name": a.name},
                                "to": {"id": b.public_id, "name": b.name}}]  # fmt: skip
    assert run(proxies.revoke, a, meeting.id) is True
    assert run(proxies.revoke, a, meeting.id) is False
    assert state(meeting)["proxies"] == []
    assert events_since(start) == [
        ("proxy.granted", {"from": a.public_id, "to": b.public_id}),
        ("proxy.revoked", {"from": a.public_id, "to": b.public_id}),
    ]
    assert d  # absent all along


def test_proxy_rules(council):
    a, b, c, d = council.members
    meeting = running_meeting(council, present=[b, c, council.chair])
    before = head()
    with pytest.raises(InvalidState):  # to someone absent
        run(proxies.grant, a, meeting.id, d.public_id)
    with pytest.raises(ValidationError):
        run(proxies.grant, b, meeting.id, b.public_id)
    with pytest.raises(NotFound):
        run(proxies.grant, a, meeting.id, council.stakeholder.public_id)
    with pytest.raises(ValidationError):
        run(proxies.grant, a, meeting.id, None)
    with pytest.raises(NotAllowed):
        run(proxies.grant, council.stakeholder, meeting.id, b.public_id)
    assert head() == before
    run(proxies.grant, a, meeting.id, b.public_id)
    with pytest.raises(InvalidState):  # b holds one already (MAX_PROXIES_PER_MEMBER = 1)
        run(proxies.grant, d, meeting.id, b.public_id)
    with pytest.raises(InvalidState):  # no chains: the holder cannot delegate
        run(proxies.grant, b, meeting.id, c.public_id)
    with pytest.raises(InvalidState):  # no chains: a delegator cannot hold
        run(proxies.grant, d, meeting.id, a.public_id)
    with pytest.raises(InvalidState):  # one proxy per delegator
        run(proxies.grant, a, meeting.id, c.public_id)
    run(live_session.close, council.chair, meeting.id)
    with pytest.raises(InvalidState):
        run(proxies.revoke, a, meeting.id)


# --- the snapshot -----------------------------------------------------------------------------


def test_the_snapshot_holds_the_whole_live_state(council):
    meeting = running_meeting(council, present=council.all_members[:4])
    ask(council.members[0], meeting)
    snap = state(meeting)
    assert set(snap) == {
        "version", "server_time", "meeting", "current_item", "agenda", "attendance",
        "presence", "speakers", "proxies", "polls", "poll",
    }  # fmt: skip
    assert snap["polls"] == [] and snap["poll"] is None
    assert snap["version"] == fresh(meeting).live_version
    assert snap["meeting"]["state"] == "in_progress"
    assert snap["current_item"]["id"] == meeting.items[0].id
    assert [i["number"] for i in snap["agenda"]] == [1, 2]
    assert snap["attendance"]["count"] == 4
    assert snap["server_time"].endswith("Z")


def test_the_snapshot_costs_the_same_few_queries_however_big_the_room(council, make_user):
    def queries_for(meeting) -> int:
        return len(statements_of(lambda: state(meeting), selects=True))

    small = running_meeting(council, present=council.all_members[:2])
    few = queries_for(small)
    run(live_session.close, council.chair, small.id)
    crowd = [make_user("member") for _ in range(12)]
    big = running_meeting(council, present=council.all_members + crowd)
    for person in crowd[:6]:
        ask(person, big)
    run(proxies.grant, council.members[0], big.id, crowd[8].public_id)
    assert queries_for(big) == few <= 7
