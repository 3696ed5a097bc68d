"""Majority rules and ties: the Italian practice in tables, the invariants by hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from council.domain.voting.majority import NO_QUORUM, Counts, Rule, evaluate, needed, quorum_needed

S, AP, AM, TT = (Rule.SIMPLE, Rule.ABSOLUTE_PRESENT, Rule.ABSOLUTE_MEMBERS,
                 Rule.TWO_THIRDS_PRESENT)  # fmt: skip


def c(yes, no, abstain=0, present=None, members=30, represented=0, conflict=0):
    if present is None:
        present = max(yes + no + abstain + conflict, quorum_needed(members))
    return Counts(yes, no, abstain, present, members, represented, conflict)


# (rule, counts, approved, needed)
TABLE = [
    # simple: more in favour than against; abstentions do not count; a tie is rejected
    (S, c(10, 9), True, 10),
    (S, c(9, 9), False, 10),
    (S, c(5, 4, abstain=12), True, 5),  # abstentions never turn a majority down
    (S, c(0, 0, abstain=20), False, 1),  # all abstaining: nothing approved
    (S, c(1, 0, abstain=19), True, 1),
    # absolute of those present: abstentions weigh like against
    (AP, c(10, 4, abstain=6, present=20), False, 11),
    (AP, c(11, 4, abstain=5, present=20), True, 11),
    (AP, c(10, 9, present=19), True, 10),  # 19 present: 10 is more than half
    (AP, c(10, 10, present=20), False, 11),  # a tie is rejected
    # conflict of interest: out of the base, neither voting nor against
    (AP, c(9, 7, present=20, conflict=4), True, 9),
    (AP, c(9, 7, present=20, conflict=0), False, 11),
    # proxies: the represented count as present
    (AP, c(10, 6, present=16, represented=4), False, 11),
    # absolute of the members: the base is the council, not the room
    (AM, c(15, 0, present=20), False, 16),
    (AM, c(16, 0, abstain=4, present=20), True, 16),
    (AM, c(16, 0, present=20, conflict=3), True, 16),
    # two thirds of those present: ceil(2/3)
    (TT, c(14, 7, present=21), True, 14),
    (TT, c(13, 7, abstain=1, present=21), False, 14),
    (TT, c(14, 6, present=20), True, 14),  # 2/3 of 20 = 13.3: 14 needed
    (TT, c(13, 7, present=20), False, 14),
]


@pytest.mark.parametrize(("rule", "counts", "approved", "need"), TABLE)
def test_italian_practice(rule, counts, approved, need):
    outcome = evaluate(rule, counts)
    assert (outcome.approved, outcome.needed, outcome.valid) == (approved, need, True)
    assert outcome.rule == rule and outcome.explanation


@pytest.mark.parametrize("rule", list(Rule))
def test_quorum_lost_before_close_voids_the_vote(rule):
    # 30 members, 16 is the numero legale; 15 left in the room at close
    outcome = evaluate(rule, c(15, 0, present=15))
    assert outcome.approved is False and outcome.valid is False
    assert outcome.explanation == NO_QUORUM
    # with one more present the same ballots decide
    assert evaluate(rule, c(16, 0, present=16)).valid


def test_quorum_not_required_decides_on_the_counts():
    outcome = evaluate(S, c(3, 1, present=4), require_quorum=False)
    assert outcome.valid and outcome.approved


def test_counts_refuse_nonsense():
    with pytest.raises(ValueError):
        Counts(-1, 0, 0, 0, 10)
    with pytest.raises(ValueError):
        Counts(True, 0, 0, 0, 10)
    with pytest.raises(ValueError):
        evaluate("plurality", c(1, 0))


small = st.integers(min_value=0, max_value=80)


@st.composite
def counts(draw):
    members = draw(st.integers(min_value=1, max_value=120))
    yes, no, abstain, conflict = draw(small), draw(small), draw(small), draw(small)
    present = draw(st.integers(min_value=0, max_value=yes + no + abstain + conflict + 40))
    represented = draw(st.integers(min_value=0, max_value=10))
    return Counts(yes, no, abstain, present, members, represented, conflict)


rules = st.sampled_from(list(Rule))


@given(rules, counts())
def test_one_more_yes_never_turns_approval_into_rejection(rule, k):
    before = evaluate(rule, k)
    # a present member who abstained votes in favour instead
    if k.abstain:
        switched = Counts(k.yes + 1, k.no, k.abstain - 1, k.present, k.members,
                          k.represented, k.conflict)  # fmt: skip
        assert evaluate(rule, switched).approved >= before.approved
    # a member who was against votes in favour
    if k.no:
        switched = Counts(k.yes + 1, k.no - 1, k.abstain, k.present, k.members,
                          k.represented, k.conflict)  # fmt: skip
        assert evaluate(rule, switched).approved >= before.approved
    # a newcomer enters the room and votes in favour
    newcomer = Counts(k.yes + 1, k.no, k.abstain, k.present + 1, k.members,
                      k.represented, k.conflict)  # fmt: skip
    assert evaluate(rule, newcomer).approved >= before.approved


@given(rules, counts())
def test_one_more_no_never_turns_rejection_into_approval(rule, k):
    before = evaluate(rule, k).approved
    if k.abstain:  # an abstainer votes against
        more_no = Counts(k.yes, k.no + 1, k.abstain - 1, k.present, k.members,
                         k.represented, k.conflict)  # fmt: skip
        assert evaluate(rule, more_no).approved <= before
    if k.yes:  # a member in favour changes their mind
        more_no = Counts(k.yes - 1, k.no + 1, k.abstain, k.present, k.members,
                         k.represented, k.conflict)  # fmt: skip
        assert evaluate(rule, more_no).approved <= before


@given(rules, counts())
def test_ties_are_rejected_and_symmetric(rule, k):
    outcome = evaluate(rule, k)
    if k.yes == k.no:
        assert outcome.tie and not outcome.approved
    # swapping in favour and against: at most one of the two sides can win
    swapped = Counts(k.no, k.yes, k.abstain, k.present, k.members, k.represented, k.conflict)
    assert not (outcome.approved and evaluate(rule, swapped).approved)


@given(rules, counts())
def test_bounds(rule, k):
    outcome = evaluate(rule, k)
    assert outcome.needed >= 1
    if outcome.approved:
        assert outcome.valid and k.yes >= outcome.needed and k.yes > k.no
    if rule != S:
        # the needed votes never depend on how the others voted, only on the base
        assert outcome.needed == needed(rule, Counts(0, 0, 0, k.present, k.members,
                                                     k.represented, k.conflict)) or (
            k.voting > k.present + k.represented - k.conflict
        )  # fmt: skip
    if rule == AM:
        assert outcome.needed > k.members / 2
    if rule == TT:
        assert 3 * outcome.needed >= 2 * k.base_present


@given(counts())
def test_rules_nest_by_strictness(k):
    """What passes two thirds of those present passes the absolute majority of those present,
    which passes the simple majority."""
    tt, ap, s = (evaluate(r, k).approved for r in (TT, AP, S))
    assert tt <= ap <= s
