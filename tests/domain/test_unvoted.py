"""Proposals left without a vote (council/domain/proposals/unvoted.py): which are, and the two ways
out
(back to consultation, onto the next meeting's agenda), recorded; every refusal changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from council.domain.meetings import agenda
from council.domain.proposals import unvoted
from council.errors import InvalidState, NotAllowed, ValidationError
from council.extensions import db
from council.models.meeting import Meeting
from council.models.proposal import Proposal, ProposalState
from council.unit_of_work import unit_of_work
from tests.factories import make_proposal, reread
from tests.meeting_helpers import events_since, head, make_council, new_meeting, run
from tests.unvoted_helpers import closed_without_vote, next_meeting, stuck_proposal


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def proposal_now(proposal) -> Proposal:
    reread()
    return db.session.get(Proposal, proposal.id)


def agenda_of(meeting) -> list[int | None]:
    reread()
    return [item.proposal_id for item in db.session.get(Meeting, meeting.id).items]


def test_a_proposal_left_on_the_agenda_of_a_closed_meeting_is_found(council):
    proposal, closed = stuck_proposal(council)
    other = make_proposal(council.stakeholder, title="Mai messa all'ordine del giorno")
    assert proposal_now(proposal).state == ProposalState.ON_AGENDA
    assert unvoted.left_by(db.session, proposal_now(proposal)).id == closed.id
    assert [p.id for p in unvoted.left_in(db.session, db.session.get(Meeting, closed.id))] == [
        proposal.id
    ]
    assert unvoted.left_by(db.session, proposal_now(other)) is None


def test_a_proposal_on_the_agenda_of_a_meeting_to_come_is_not_stuck(council):
    proposal = make_proposal(council.stakeholder)
    closed = closed_without_vote(council, proposal)
    later = next_meeting(council)
    run(agenda.add_item, council.secretary, later.id, title="Di nuovo", proposal_id=proposal.id)
    assert unvoted.left_by(db.session, proposal_now(proposal)) is None
    assert unvoted.left_in(db.session, db.session.get(Meeting, closed.id)) == []
    with pytest.raises(InvalidState, match=r"già all.ordine del giorno di una seduta in programma"):
        run(unvoted.back_to_consultation, council.secretary, proposal_now(proposal),
            deadline=datetime.now(UTC) + timedelta(days=20))  # fmt: skip


def test_back_to_consultation_is_recorded_as_a_rinvio_then_a_consultation(council):
    proposal, closed = stuck_proposal(council)
    start = head()
    deadline = (datetime.now(UTC) + timedelta(days=20)).replace(second=0, microsecond=0)
    run(unvoted.back_to_consultation, council.chair, proposal_now(proposal), deadline=deadline)
    now = proposal_now(proposal)
    assert now.state == ProposalState.CONSULTATION
    assert now.consultation_deadline == deadline
    events = events_since(start, "proposal.")
    assert [data for _kind, data in events] == [
        {"from": "on_agenda", "to": "referred_back", "meeting": closed.id, "without_vote": True},
        {"from": "referred_back", "to": "consultation",
         "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S.000Z")},
    ]  # fmt: skip
    assert unvoted.left_by(db.session, now) is None


@pytest.mark.parametrize("convene", [False, True], ids=["in-preparation", "convened"])
def test_onto_the_next_agenda(council, convene):
    proposal, closed = stuck_proposal(council)
    later = next_meeting(council, convene=convene)
    start = head()
    run(unvoted.onto_next_agenda, council.secretary, proposal_now(proposal))
    assert proposal_now(proposal).state == ProposalState.ON_AGENDA
    assert agenda_of(later)[-1] == proposal.id
    events = events_since(start)
    kinds = [(kind, data.get("to"), data.get("meeting")) for kind, data in events]
    assert kinds[:3] == [
        ("proposal.state_changed", "referred_back", closed.id),
        ("proposal.state_changed", "on_agenda", later.id),
        ("agenda.item_added", None, None),
    ]
    item = events[2][1]
    assert item["proposal"] == proposal.id and item["after_convocation"] is convene
    assert unvoted.left_by(db.session, proposal_now(proposal)) is None


def test_the_next_meeting_is_the_first_to_start(council):
    proposal, _closed = stuck_proposal(council)
    far = next_meeting(council, days=40)
    near = next_meeting(council, days=7)
    assert unvoted.next_meeting(db.session).id == near.id
    run(unvoted.onto_next_agenda, council.chair, proposal_now(proposal))
    assert proposal.id in agenda_of(near) and proposal.id not in agenda_of(far)


@pytest.mark.parametrize("who", ["member", "stakeholder", "admin"])
def test_only_the_secretary_and_the_chair(council, who):
    proposal, _closed = stuck_proposal(council)
    next_meeting(council)
    person = {"member": council.members[0], "stakeholder": council.stakeholder,
              "admin": council.admin}[who]  # fmt: skip
    start = head()
    with pytest.raises(NotAllowed):
        run(unvoted.onto_next_agenda, person, proposal_now(proposal))
    with pytest.raises(NotAllowed):
        run(unvoted.back_to_consultation, person, proposal_now(proposal),
            deadline=datetime.now(UTC) + timedelta(days=20))  # fmt: skip
    assert head() == start and proposal_now(proposal).state == ProposalState.ON_AGENDA


def test_no_next_meeting_is_refused_and_changes_nothing(council):
    proposal, _closed = stuck_proposal(council)
    new_meeting(council.secretary, title="Già passata", starts_in=timedelta(minutes=-30))
    start = head()
    with pytest.raises(InvalidState, match=r"Non c.è ancora una prossima seduta"):
        run(unvoted.onto_next_agenda, council.secretary, proposal_now(proposal))
    assert head() == start and proposal_now(proposal).state == ProposalState.ON_AGENDA


@pytest.mark.parametrize(
    "state",
    [ProposalState.CONSULTATION, ProposalState.ON_AGENDA, ProposalState.APPROVED,
     ProposalState.REFERRED_BACK],
)  # fmt: skip
def test_a_proposal_not_stuck_is_refused(council, state):
    proposal = make_proposal(council.stakeholder, state=state)  # ON_AGENDA: no meeting at all
    next_meeting(council)
    start = head()
    with pytest.raises(InvalidState):
        run(unvoted.onto_next_agenda, council.secretary, proposal_now(proposal))
    with pytest.raises(InvalidState):
        run(unvoted.back_to_consultation, council.secretary, proposal_now(proposal),
            deadline=datetime.now(UTC) + timedelta(days=20))  # fmt: skip
    assert head() == start and proposal_now(proposal).state == state


def test_a_deadline_too_close_is_refused_and_changes_nothing(council):
    proposal, _closed = stuck_proposal(council)
    start = head()
    with pytest.raises(ValidationError):
        run(unvoted.back_to_consultation, council.secretary, proposal_now(proposal),
            deadline=datetime.now(UTC) + timedelta(hours=2))  # fmt: skip
    assert head() == start and proposal_now(proposal).state == ProposalState.ON_AGENDA


def test_the_second_of_two_requests_is_refused(council):
    proposal, _closed = stuck_proposal(council)
    next_meeting(council)
    stale = proposal_now(proposal)
    run(unvoted.onto_next_agenda, council.secretary, stale)
    with unit_of_work() as session, pytest.raises(InvalidState):
        unvoted.back_to_consultation(session, council.chair, session.merge(stale),
                                     deadline=datetime.now(UTC) + timedelta(days=20))  # fmt: skip
