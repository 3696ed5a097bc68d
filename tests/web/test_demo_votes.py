"""The demo's past meeting voted through the domain operations: an amendment before its item,
named polls with statements, a conflict of interest, a vote by proxy, both groups, a secret
poll, and numbered decisions that approved one proposal and rejected another; the record
still verifies and the pages show it all."""

from __future__ import annotations

import html

from sqlalchemy import select

from council.domain.archive import decisions
from council.domain.record import record
from council.domain.voting import poll_queries
from council.extensions import db
from council.models.meeting import Meeting, MeetingState
from council.models.poll import Ballot, Decision, Poll, PollKind, PollState
from council.models.proposal import Proposal, ProposalState
from council.models.user import CouncilGroup
from tests.factories import reread


def test_the_demo_meeting_voted_and_decided(app, demo, make_web):
    reread()
    past = db.session.scalars(  # the ordinary session; the next one approves its minutes
        select(Meeting).where(Meeting.title == "Seduta ordinaria del Consiglio di indirizzo")
    ).one()
    held = list(
        db.session.scalars(select(Poll).where(Poll.meeting_id == past.id).order_by(Poll.id))
    )
    assert all(p.state == PollState.CLOSED and p.valid for p in held)
    amendment_poll, *item_polls = held
    assert amendment_poll.amendment_id is not None and amendment_poll.approved
    assert amendment_poll.item_id == item_polls[0].item_id  # voted before its item
    assert [p.kind for p in item_polls] == [PollKind.NAMED, PollKind.NAMED, PollKind.SECRET]
    named = item_polls[0]
    ballots = list(db.session.scalars(select(Ballot).where(Ballot.poll_id == named.id)))
    assert len([b for b in ballots if b.reason]) >= 3
    assert any(b.proxy_for_id for b in ballots) and named.conflict == 1
    groups = {r.group for r in poll_queries.group_results(db.session, named) if r.total}
    assert {CouncilGroup.ADMINISTRATION, CouncilGroup.THIRD_SECTOR} <= groups
    registry = item_polls[1]
    assert poll_queries.groups_agree(poll_queries.group_results(db.session, registry)) is False

    numbered = list(
        db.session.scalars(
            select(Decision).join(Poll).where(Poll.meeting_id == past.id).order_by(Decision.seq)
        )
    )
    first = numbered[0].seq  # after the autumn session's (demo/earlier.py)
    assert [d.seq for d in numbered] == [first, first + 1, first + 2]
    assert [d.poll.approved for d in numbered] == [True, False, True]
    assert numbered[0].proposal.state == ProposalState.APPROVED
    assert numbered[1].proposal.state == ProposalState.REJECTED
    assert {d.decided_on for d in numbered} == {past.starts_at.date()}  # the meeting's day
    kinds = [e.kind for e in decisions.trail(db.session, numbered[0])]
    # the vote, then the decision, then what was done since (implementation updates)
    assert kinds.index("poll.opened") < kinds.index("decision.recorded")
    assert set(kinds[kinds.index("decision.recorded") + 1 :]) <= {"implementation.updated"}
    # no proposal approved or rejected without the council's vote on it, in a meeting
    decided = db.session.scalars(
        select(Proposal).where(Proposal.state.in_([ProposalState.APPROVED, ProposalState.REJECTED]))
    ).all()
    assert len(decided) >= 4
    for proposal in decided:
        decision = db.session.scalars(
            select(Decision).where(Decision.proposal_id == proposal.id)
        ).one()
        poll = decision.poll
        assert poll.state == PollState.CLOSED and poll.valid
        assert poll.approved == (proposal.state == ProposalState.APPROVED)
        assert poll.item.proposal_id == proposal.id
        assert poll.meeting.state == MeetingState.CLOSED
    assert record.verify(db.session).ok
    assert app.test_cli_runner().invoke(args=["record", "verify"]).exit_code == 0

    web = make_web()

    def read(path: str) -> str:
        response = web.get(path)
        assert response.status_code == 200, path
        return html.unescape(response.get_data(as_text=True))

    assert "respinge la proposta" in read(f"/decisions/{numbered[1].number}")
    assert "I gruppi non erano d'accordo" in read(f"/polls/{registry.id}")
    assert f"Deliberazione n. {numbered[2].number}" in read(f"/meetings/{past.id}")
