"""The live session in the domain: opening and closing, attendance and quorum, the list of
speakers with its timer (proxies and the snapshot: test_proxies_and_snapshot.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from council.domain.meetings import attendance, live_session, speakers
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.meeting import (
    Attendance,
    AttendanceInterval,
    Meeting,
    MeetingState,
    SpeakerRequest,
    SpeakerState,
)
from council.unit_of_work import unit_of_work
from tests.factories import fresh
from tests.meeting_helpers import (
    convened_meeting,
    events_since,
    head,
    make_council,
    run,
    running_meeting,
    state,
)


@pytest.fixture
def council(make_user):
    return make_council(make_user)


# --- the session ------------------------------------------------------------------------------


def test_the_chair_runs_the_session_through_its_states(council):
    meeting = convened_meeting(council)
    start = head()
    run(live_session.open_session, council.chair, meeting.id)
    assert fresh(meeting).state == MeetingState.IN_PROGRESS
    run(live_session.move_to, council.chair, meeting.id, meeting.items[1].id)
    run(live_session.suspend, council.chair, meeting.id)
    assert fresh(meeting).state == MeetingState.SUSPENDED
    run(live_session.resume, council.chair, meeting.id)
    run(live_session.close, council.chair, meeting.id)
    closed = fresh(meeting)
    assert closed.state == MeetingState.CLOSED and closed.current_item_id is None
    assert events_since(start) == [  # the chair, a member, is in the room as they open it
        ("attendance.checked_in", {"member": council.chair.public_id}),
        ("meeting.opened", {"present": 1, "members": 6, "quorum_needed": 4, "quorum": False}),
        ("agenda.item_started", {"item": meeting.items[1].id, "number": 2}),
        ("meeting.suspended", {}),
        ("meeting.resumed", {"present": 1, "members": 6, "quorum_needed": 4, "quorum": False}),
        ("meeting.closed", {"present_at_close": 1}),
    ]
    assert closed.live_version == fresh(meeting).live_version >= 5


@pytest.mark.parametrize(
    ("operation", "setup"),
    [
        (lambda who, m: live_session.open_session(db.session, who, m.id), "convened"),
        (lambda who, m: live_session.suspend(db.session, who, m.id), "running"),
        (lambda who, m: live_session.close(db.session, who, m.id), "running"),
        (lambda who, m: live_session.move_to(db.session, who, m.id, m.items[1].id), "running"),
    ],
    ids=["open", "suspend", "close", "move_to"],
)
@pytest.mark.parametrize("who", ["public", "member", "secretary", "stakeholder", "admin"])
def test_only_the_chair_runs_the_session(council, operation, setup, who):
    meeting = convened_meeting(council) if setup == "convened" else running_meeting(council)
    actor = AnonymousUserMixin() if who == "public" else {
        "member": council.members[0], "secretary": council.secretary,
        "stakeholder": council.stakeholder, "admin": council.admin,
    }[who]  # fmt: skip
    before, version = head(), fresh(meeting).live_version
    with pytest.raises(NotAllowed), unit_of_work():
        operation(actor, meeting)
    assert head() == before and fresh(meeting).live_version == version


def test_wrong_transitions_are_refused_with_a_reason(council):
    meeting = convened_meeting(council)
    for operation in (live_session.suspend, live_session.resume, live_session.close):
        with pytest.raises(InvalidState):
            run(operation, council.chair, meeting.id)
    run(live_session.open_session, council.chair, meeting.id)
    with pytest.raises(InvalidState, match=r".+"):
        run(live_session.open_session, council.chair, meeting.id)
    with pytest.raises(NotFound):
        run(live_session.move_to, council.chair, meeting.id, 999_999)
    with pytest.raises(NotFound):
        run(live_session.open_session, council.chair, 999_999)
    far = convened_meeting(council, starts_in=timedelta(days=3))
    with pytest.raises(InvalidState):
        run(live_session.open_session, council.chair, far.id)


def test_moving_to_the_current_item_again_changes_nothing(council):
    meeting = running_meeting(council)
    before = head()
    assert run(live_session.move_to, council.chair, meeting.id, meeting.items[0].id) is False
    assert head() == before


# --- attendance and quorum --------------------------------------------------------------------


def test_opening_the_session_checks_the_chair_in_once(council):
    meeting = convened_meeting(council)
    start = head()
    run(live_session.open_session, council.chair, meeting.id)
    with pytest.raises(InvalidState):  # opened twice: refused, nothing more recorded
        run(live_session.open_session, council.chair, meeting.id)
    assert run(attendance.check_in, council.chair, meeting.id) is False  # present already
    assert events_since(start) == [
        ("attendance.checked_in", {"member": council.chair.public_id}),
        ("meeting.opened", {"present": 1, "members": 6, "quorum_needed": 4, "quorum": False}),
    ]
    opened = fresh(meeting)
    (row,) = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    assert row.user_id == council.chair.id and row.present
    (span,) = row.intervals
    assert span.checked_in_at <= opened.opened_at and span.in_by_id is None
    assert [p["id"] for p in state(meeting)["attendance"]["present"]] == [council.chair.public_id]


def test_a_chair_checked_in_before_the_opening_is_not_checked_in_again(council):
    meeting = convened_meeting(council)
    run(attendance.check_in, council.chair, meeting.id)
    start = head()
    run(live_session.open_session, council.chair, meeting.id)
    assert events_since(start) == [
        ("meeting.opened", {"present": 1, "members": 6, "quorum_needed": 4, "quorum": False}),
    ]


def test_a_chair_who_is_not_a_council_member_opens_without_checking_in(council, make_user):
    outside_chair = make_user("chair", name="Presidente esterna")
    meeting = convened_meeting(council)
    start = head()
    run(live_session.open_session, outside_chair, meeting.id)
    assert events_since(start) == [
        ("meeting.opened", {"present": 0, "members": 6, "quorum_needed": 4, "quorum": False}),
    ]
    assert state(meeting)["attendance"]["present"] == []


def test_checking_in_twice_keeps_one_row_and_one_event(council):
    meeting = running_meeting(council, present=[])
    member = council.members[0]
    start = head()
    assert run(attendance.check_in, member, meeting.id) is True
    assert run(attendance.check_in, member, meeting.id) is False
    rows = list(db.session.scalars(select(Attendance).where(
        Attendance.meeting_id == meeting.id, Attendance.user_id == member.id)))  # fmt: skip
    assert len(rows) == 1 and rows[0].present
    assert events_since(start) == [("attendance.checked_in", {"member": member.public_id})]


def test_intervals_say_who_was_present_when(council):
    meeting = running_meeting(council, present=[])
    member = council.members[0]
    run(attendance.check_in, member, meeting.id)
    run(attendance.check_out, member, meeting.id)
    assert run(attendance.check_out, member, meeting.id) is False  # idempotent
    run(attendance.check_in, council.secretary, meeting.id, member.public_id)
    run(live_session.close, council.chair, meeting.id)
    db.session.expire_all()
    intervals = list(db.session.scalars(
        select(AttendanceInterval).join(Attendance).where(Attendance.user_id == member.id)
        .order_by(AttendanceInterval.id)))  # fmt: skip
    assert len(intervals) == 2
    assert all(i.checked_out_at is not None for i in intervals)
    assert intervals[0].in_by_id is None and intervals[1].in_by_id == council.secretary.id
    history = dict(attendance.history(db.session, fresh(meeting)))
    assert {p.id for p in history} == {member.id, council.chair.id}  # the chair: since opening
    assert len(next(spans for p, spans in history.items() if p.id == member.id)) == 2


def test_the_snapshot_of_a_closed_meeting_says_who_was_present_at_the_close(council):
    """The close ends every attendance (count 0): at_close keeps who was there at the end,
    once each, and not who left before."""
    a, b, c, _d = council.members
    meeting = running_meeting(council, present=[a, b, c])
    run(attendance.check_out, b, meeting.id)  # a moment before the close: not at the close
    run(attendance.check_out, a, meeting.id)
    run(attendance.check_in, a, meeting.id)  # back: two intervals, listed once
    assert state(meeting)["attendance"]["at_close"] == []  # not closed yet
    run(live_session.close, council.chair, meeting.id)
    closed = state(fresh(meeting))["attendance"]
    assert closed["count"] == 0 and closed["present"] == []
    # the chair too: checked in by opening the session
    at_end = [{"id": p.public_id, "name": p.name} for p in (a, c, council.chair)]
    assert closed["at_close"] == sorted(at_end, key=lambda p: p["name"])


def test_a_meeting_closed_before_the_intervals_ended_at_the_close_reads_them_near_it(council):
    """Closed by the earlier close(), which ended the intervals a few milliseconds before
    stamping the close: who was present is read within two seconds of it."""
    a, b, *_ = council.members
    meeting = running_meeting(council, present=[a, b])
    run(attendance.check_out, b, meeting.id)
    with unit_of_work() as session:  # b left ten minutes ago
        for interval in session.scalars(select(AttendanceInterval)):
            if interval.checked_out_at is not None:
                interval.checked_out_at -= timedelta(minutes=10)
    run(live_session.close, council.chair, meeting.id)
    with unit_of_work() as session:  # as the earlier close() stamped it
        session.get(Meeting, meeting.id).closed_at += timedelta(milliseconds=3)
    at_close = state(fresh(meeting))["attendance"]["at_close"]
    at_end = [{"id": p.public_id, "name": p.name} for p in (a, council.chair)]  # not b
    assert at_close == sorted(at_end, key=lambda p: p["name"])


def test_the_secretary_marks_members_present_and_the_record_says_by_whom(council):
    meeting = running_meeting(council, present=[])
    member = council.members[1]
    start = head()
    run(attendance.check_in, council.secretary, meeting.id, member.public_id)
    run(attendance.check_out, council.chair, meeting.id, member.public_id)
    assert events_since(start) == [
        ("attendance.checked_in", {"member": member.public_id, "by": council.secretary.public_id}),
        ("attendance.checked_out", {"member": member.public_id, "by": council.chair.public_id}),
    ]


def test_attendance_refusals(council):
    meeting = running_meeting(council, present=[])
    far = convened_meeting(council, starts_in=timedelta(days=2))
    before = head()
    with pytest.raises(NotAllowed):  # a member cannot mark another
        run(attendance.check_in, council.members[0], meeting.id, council.members[1].public_id)
    with pytest.raises(NotAllowed):
        run(attendance.check_in, council.stakeholder, meeting.id)
    with pytest.raises(NotAllowed):
        run(attendance.check_in, AnonymousUserMixin(), meeting.id)
    with pytest.raises(NotFound):
        run(attendance.check_in, council.secretary, meeting.id, "u-nobody")
    with pytest.raises(InvalidState):  # only members are counted
        run(attendance.check_in, council.secretary, meeting.id, council.stakeholder.public_id)
    with pytest.raises(InvalidState):  # attendance opens an hour before the start
        run(attendance.check_in, council.members[0], far.id)
    assert head() == before


def test_quorum_is_more_than_half_of_the_members(council):
    assert [attendance.quorum_needed(n) for n in (1, 2, 6, 25, 300)] == [1, 2, 4, 13, 151]
    meeting = running_meeting(council, present=council.all_members[:3])
    assert state(meeting)["attendance"] | {"present": None} == {
        "present": None, "count": 3, "members": 6, "quorum_needed": 4, "quorum": False,
        "at_close": [],
    }  # fmt: skip
    run(attendance.check_in, council.members[3], meeting.id)
    assert state(meeting)["attendance"]["quorum"] is True


# --- speakers ---------------------------------------------------------------------------------


def ask(person, meeting, kind="intervention", client_id=None):
    client_id = client_id or f"{person.public_id}-{kind}-{head()}"
    return run(speakers.request, person, meeting.id, kind=kind, client_id=client_id)


def queue_of(meeting) -> list[tuple[str, str]]:
    return [(e["user"]["id"], e["kind"]) for e in state(meeting)["speakers"]["queue"]]


def test_points_of_order_go_to_the_top_after_earlier_ones(council):
    meeting = running_meeting(council)
    a, b, c, d = council.members
    ask(a, meeting)
    ask(b, meeting, "reply")
    ask(c, meeting, "point_of_order")
    ask(d, meeting, "point_of_order")
    assert queue_of(meeting) == [
        (c.public_id, "point_of_order"), (d.public_id, "point_of_order"),
        (a.public_id, "intervention"), (b.public_id, "reply"),
    ]  # fmt: skip


def test_a_retried_request_is_answered_with_the_first_and_applied_once(council):
    meeting = running_meeting(council)
    member = council.members[0]
    first = ask(member, meeting, client_id="phone-abc-1")
    before = head()
    again = ask(member, meeting, client_id="phone-abc-1")
    assert again.id == first.id and head() == before
    with pytest.raises(InvalidState):  # one waiting request per kind
        ask(member, meeting, client_id="phone-abc-2")
    ask(member, meeting, "reply", client_id="phone-abc-3")  # another kind is fine
    assert len(queue_of(meeting)) == 2


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"kind": "shout", "client_id": "c1"}, ValidationError),
        ({"kind": None, "client_id": "c1"}, ValidationError),
        ({"kind": "reply", "client_id": ""}, ValidationError),
        ({"kind": "reply", "client_id": "x" * 65}, ValidationError),
        ({"kind": "reply", "client_id": "<script>"}, ValidationError),
        ({"kind": "reply", "client_id": 12}, ValidationError),
    ],
)
def test_malformed_requests_are_refused(council, kwargs, error):
    meeting = running_meeting(council)
    before = head()
    with pytest.raises(error):
        run(speakers.request, council.members[0], meeting.id, **kwargs)
    assert head() == before


def test_only_members_present_ask_to_speak_while_an_item_is_discussed(council):
    meeting = running_meeting(council, present=[council.members[0]])
    with pytest.raises(InvalidState):
        ask(council.members[1], meeting)  # absent
    with pytest.raises(NotAllowed):
        ask(council.stakeholder, meeting)
    convened = convened_meeting(council)
    with pytest.raises(InvalidState):
        ask(council.members[0], convened)  # the session is not open


def test_the_floor_the_timer_and_the_length_of_each_intervention(council):
    meeting = running_meeting(council)
    a, b = council.members[:2]
    first, second = ask(a, meeting), ask(b, meeting)
    start = head()
    assert run(speakers.give_floor, council.chair, meeting.id, first.id) is True
    snap = state(meeting)
    assert snap["speakers"]["current"]["user"]["id"] == a.public_id
    assert snap["speakers"]["current"]["limit_s"] == 300
    assert snap["speakers"]["current"]["started_at"].endswith("Z")
    assert queue_of(meeting) == [(b.public_id, "intervention")]
    assert run(speakers.give_floor, council.chair, meeting.id, first.id) is False  # retried
    run(speakers.give_floor, council.chair, meeting.id, second.id, limit_s=120)
    assert run(speakers.end_floor, council.chair, meeting.id, second.id) is True
    assert run(speakers.end_floor, council.chair, meeting.id, second.id) is False  # retried
    kinds = [(k, d.get("member")) for k, d in events_since(start)]
    assert kinds == [
        ("speakers.floor_given", a.public_id), ("speakers.floor_ended", a.public_id),
        ("speakers.floor_given", b.public_id), ("speakers.floor_ended", b.public_id),
    ]  # fmt: skip
    db.session.expire_all()
    done = list(db.session.scalars(select(SpeakerRequest).order_by(SpeakerRequest.id)))
    assert [r.state for r in done] == [SpeakerState.DONE, SpeakerState.DONE]
    assert all(r.seconds is not None and r.ended_at >= r.started_at for r in done)
    assert done[1].limit_s == 120
    assert [r.id for r in speakers.interventions(db.session, fresh(meeting))] == [
        r.id for r in done
    ]


def test_floor_refusals(council):
    meeting = running_meeting(council)
    request = ask(council.members[0], meeting)
    with pytest.raises(NotAllowed):
        run(speakers.give_floor, council.members[1], meeting.id, request.id)
    with pytest.raises(ValidationError):
        run(speakers.give_floor, council.chair, meeting.id, request.id, limit_s=5)
    with pytest.raises(NotFound):
        run(speakers.give_floor, council.chair, meeting.id, 424242)
    with pytest.raises(InvalidState):
        run(speakers.end_floor, council.chair, meeting.id, request.id)  # not speaking
    run(live_session.suspend, council.chair, meeting.id)
    with pytest.raises(InvalidState):
        run(speakers.give_floor, council.chair, meeting.id, request.id)


def test_suspending_or_moving_on_ends_the_intervention(council):
    meeting = running_meeting(council)
    request = ask(council.members[0], meeting)
    run(speakers.give_floor, council.chair, meeting.id, request.id)
    run(live_session.move_to, council.chair, meeting.id, meeting.items[1].id)
    assert state(meeting)["speakers"]["current"] is None
    assert events_since(head() - 2)[0][0] == "speakers.floor_ended"


def test_the_chair_reorders_and_members_withdraw(council):
    meeting = running_meeting(council)
    a, b, c, _d = council.members
    ra, rb, rc = ask(a, meeting), ask(b, meeting), ask(c, meeting)
    run(speakers.reorder, council.chair, meeting.id, rc.id, 1)
    assert [p for p, _k in queue_of(meeting)] == [c.public_id, a.public_id, b.public_id]
    assert run(speakers.reorder, council.chair, meeting.id, rc.id, 1) is False
    with pytest.raises(NotAllowed):
        run(speakers.reorder, a, meeting.id, ra.id, 1)
    with pytest.raises(NotAllowed):  # somebody else's request
        run(speakers.withdraw, b, meeting.id, ra.id)
    assert run(speakers.withdraw, a, meeting.id, ra.id) is True
    assert run(speakers.withdraw, a, meeting.id, ra.id) is False
    run(speakers.withdraw, council.chair, meeting.id, rb.id)
    assert [p for p, _k in queue_of(meeting)] == [c.public_id]
    assert events_since(head() - 1) == [
        ("speakers.withdrawn",
         {"member": b.public_id, "request": rb.id, "by": council.chair.public_id}),
    ]  # fmt: skip
