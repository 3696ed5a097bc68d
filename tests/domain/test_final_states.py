"""No proposal reaches a final state (approved, rejected) without the trail that led there: the
council's closed, valid vote on an agenda item tied to it, in a meeting. Anything else is
refused with a clear reason and changes nothing."""

from __future__ import annotations

import pytest

from council.domain.permissions import SYSTEM
from council.domain.proposals import proposals as ops
from council.domain.voting import polls
from council.errors import InvalidState
from council.extensions import db
from council.models.poll import Decision, Poll
from council.models.proposal import Proposal, ProposalState
from tests.factories import make_proposal, reread
from tests.meeting_helpers import events_since, head, run
from tests.poll_helpers import Vote, group_council, hold, voting_meeting

# the message in the language of the context the test runs in (Italian once a page was read)
ONLY_BY_VOTE = "only by the council's vote on it|solo dal voto del Consiglio su di essa"
NOT_CLOSED = "not closed with a valid result|non è chiusa con un risultato valido"


@pytest.fixture
def council(make_user):
    return group_council(make_user)


def _state(proposal: Proposal) -> ProposalState:
    reread()
    return db.session.get(Proposal, proposal.id).state


def test_a_proposal_cannot_be_approved_without_a_vote(council):
    proposal = make_proposal(council.stakeholder)
    voting_meeting(council, proposal=proposal)  # on the agenda of a running meeting
    assert _state(proposal) == ProposalState.ON_AGENDA
    before = head()
    for actor in (SYSTEM, council.chair, council.secretary):
        with pytest.raises(InvalidState, match=ONLY_BY_VOTE):
            run(ops.record_outcome, actor, db.session.get(Proposal, proposal.id), poll=None)
    for outcome in (ProposalState.APPROVED, ProposalState.REJECTED):  # nor by another module
        with pytest.raises(InvalidState, match=ONLY_BY_VOTE):
            run(ops.move, council.secretary, db.session.get(Proposal, proposal.id), outcome)
    assert _state(proposal) == ProposalState.ON_AGENDA
    assert head() == before  # nothing recorded


def test_an_open_vote_or_a_vote_on_another_proposal_decides_nothing(council):
    proposal = make_proposal(council.stakeholder)
    other = make_proposal(council.stakeholder, title="Un'altra proposta")
    meeting = voting_meeting(council, proposal=proposal)
    poll, _decision = hold(council, meeting, Vote(), close=False)
    before = head()
    with pytest.raises(InvalidState, match=NOT_CLOSED):
        run(ops.record_outcome, SYSTEM, db.session.get(Proposal, proposal.id),
            poll=db.session.get(Poll, poll.id))  # fmt: skip
    elsewhere = voting_meeting(council, proposal=other)
    other_poll, _none = hold(council, elsewhere, Vote(), close=False)
    run(polls.close_poll, council.chair, other_poll.id)
    with pytest.raises(InvalidState, match=ONLY_BY_VOTE):
        run(ops.record_outcome, SYSTEM, db.session.get(Proposal, proposal.id),
            poll=db.session.get(Poll, other_poll.id))  # fmt: skip
    assert _state(proposal) == ProposalState.ON_AGENDA
    decided = [d for _k, d in events_since(before, "proposal.") if d.get("to") != "on_agenda"]
    assert decided == []  # only the other proposal put on the agenda: nothing decided


def test_the_vote_and_its_decision_approve_the_proposal(council):
    proposal = make_proposal(council.stakeholder)
    meeting = voting_meeting(council, proposal=proposal)
    everyone = Vote(choices=dict.fromkeys(council.all_members, "in_favour"))
    poll, decision = hold(council, meeting, everyone)
    assert _state(proposal) == ProposalState.APPROVED
    stored = db.session.get(Decision, decision.id)
    assert stored.proposal_id == proposal.id and stored.poll_id == poll.id
