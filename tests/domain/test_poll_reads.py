"""What the public pages read of polls and decisions: results by group, the lists of people,
the decision by number, its trail in the record; and that a whole vote only appends to the
record."""

from __future__ import annotations

import json

import pytest

from council.domain.archive import decisions
from council.domain.record import record
from council.domain.voting import poll_queries
from council.errors import NotFound
from council.extensions import db
from council.models.poll import Choice, Decision, Poll
from council.models.proposal import AmendmentState, ProposalState
from council.models.user import CouncilGroup
from tests.factories import reread
from tests.poll_helpers import Vote, group_council, hold, story, voting_meeting


@pytest.fixture
def council(make_user):
    return group_council(make_user)


def get(model, row):
    reread()
    return db.session.get(model, row.id)


def test_named_results_by_group_and_whether_the_groups_agreed(council):
    told = story(council)
    poll = get(Poll, told.named)
    results = {r.group: r for r in poll_queries.group_results(db.session, poll)}
    administration = results[CouncilGroup.ADMINISTRATION]
    third_sector = results[CouncilGroup.THIRD_SECTOR]
    # the conflicted member has no ballot; the absent one voted through her proxy
    assert (administration.in_favour, administration.against, administration.abstain) == (3, 0, 1)
    assert (third_sector.in_favour, third_sector.against, third_sector.abstain) == (1, 3, 0)
    assert (results[None].in_favour, results[None].total) == (1, 1)  # without a group: "other"
    assert list(results) == [CouncilGroup.ADMINISTRATION, CouncilGroup.THIRD_SECTOR, None]
    assert administration.prevailing == Choice.IN_FAVOUR
    assert third_sector.prevailing == Choice.AGAINST
    assert poll_queries.groups_agree(list(results.values())) is False
    amendment_poll = get(Poll, told.amendment_poll)  # everyone in favour
    assert poll_queries.groups_agree(poll_queries.group_results(db.session, amendment_poll)) is True


def test_a_secret_poll_has_no_results_by_group_and_its_people_come_by_name(council):
    told = story(council)
    secret = get(Poll, told.secret)
    assert poll_queries.group_results(db.session, secret) == []
    assert poll_queries.named_ballots(db.session, secret) == []
    names = [p.name for p in poll_queries.participants_by_name(db.session, secret)]
    assert names == sorted(names) and len(names) == 9
    named = get(Poll, told.named)
    assert [p.name for p in poll_queries.conflicted(db.session, named)] == ["Assessore 3"]
    ballots = poll_queries.named_ballots(db.session, named)
    assert [b.cast_for.name for b in ballots] == sorted(b.cast_for.name for b in ballots)
    by_proxy = [b for b in ballots if b.proxy_for_id]
    assert [(b.cast_for.name, b.voter.name, b.choice) for b in by_proxy] == [
        ("Realtà 4", "Realtà 1", Choice.AGAINST)
    ]


def test_groups_do_not_agree_or_disagree_when_only_one_voted(council):
    administration = [p for p in council.all_members if p.council_group == "administration"]
    meeting = voting_meeting(council)
    poll, _decision = hold(council, meeting, Vote(dict.fromkeys(administration, "in_favour")))
    results = poll_queries.group_results(db.session, get(Poll, poll))
    assert [r.total for r in results] == [5, 0]
    assert poll_queries.groups_agree(results) is None


def test_a_decision_by_number_with_its_amendments_version_and_trail(council):
    told = story(council)
    approved = decisions.by_number(db.session, None, told.approved.year, told.approved.seq)
    assert approved.number == f"{approved.year}/001" and approved.poll_id == told.named.id
    assert told.rejected.number == f"{approved.year}/002"
    assert approved.proposal.state == ProposalState.APPROVED
    assert told.amendment.id in decisions.amendment_polls(db.session, approved.proposal)
    assert get(type(told.amendment), told.amendment).state == AmendmentState.APPROVED
    assert decisions.voted_version(db.session, approved).number == 2  # the amended text
    kinds = [e.kind for e in decisions.trail(db.session, approved)]
    assert kinds == ["poll.prepared", "poll.opened", "poll.closed", "proposal.state_changed",
                     "decision.recorded"]  # fmt: skip
    secret_trail = decisions.trail(db.session, get(Decision, told.rejected))
    assert [e.subject for e in secret_trail][-1] == f"decision:{told.rejected.id}"
    assert decisions.of_proposal(db.session, approved.proposal).id == approved.id
    page = decisions.listing(db.session, page=7, per_page=1)
    assert (page.page, page.pages, page.total) == (2, 2, 2)  # past the last: the last
    assert [d.seq for d in decisions.listing(db.session).rows] == [2, 1]  # newest first
    for year, seq in ((approved.year, 3), (approved.year - 1, 1), ("2026", 1), (True, 1)):
        with pytest.raises(NotFound):
            decisions.by_number(db.session, None, year, seq)


def test_a_whole_vote_only_appends_to_the_record(app, council):
    runner = app.test_cli_runner()
    before = runner.invoke(args=["record", "export"]).output.splitlines()
    assert before
    story(council)
    after = runner.invoke(args=["record", "export"]).output.splitlines()
    assert after[: len(before)] == before  # nothing before was changed or removed
    added = [json.loads(line) for line in after[len(before) :]]
    kinds = [e["kind"] for e in added]
    for kind in ("proxy.granted", "poll.prepared", "poll.opened", "poll.conflict_declared",
                 "ballot.cast", "poll.participated", "poll.closed", "amendment.approved",
                 "proposal.state_changed", "decision.recorded"):  # fmt: skip
        assert kind in kinds, kind
    assert added[0]["prev"] == json.loads(before[-1])["hash"]
    reread()
    assert record.verify(db.session).ok
    assert runner.invoke(args=["record", "verify"]).exit_code == 0
