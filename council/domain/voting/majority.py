"""Majority rules and tie handling: pure functions, no database, no request.

The council's practice (docs/voting.md):
- choices are in favour (favorevole), against (contrario) and abstain (astenuto);
- abstentions count as present, never as votes: under SIMPLE they change nothing, under the
  rules "of those present" they weigh like a vote against;
- a tie is rejected (respinta): approval always needs strictly more in favour than against;
- "present" is the number of members present when the poll closes, plus the members
  represented by a proxy held by someone present; members who declared a conflict of interest
  are neither voting nor against: they leave the base of the rules "of those present";
- the numero legale (quorum: more than half of the members physically present) must hold at
  close for the vote to be valid; without it the vote is void (nulla) and nothing is decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from council.models.poll import Rule  # stored on each poll; evaluated here

# The readable explanation of each rule (an English msgid; the views translate it).
EXPLANATION: dict[Rule, str] = {
    Rule.SIMPLE: "Simple majority: approved with more votes in favour than against; "
    "abstentions do not count as votes; a tie is rejected.",
    Rule.ABSOLUTE_PRESENT: "Absolute majority of those present: approved with votes in favour "
    "from more than half of the members present.",
    Rule.ABSOLUTE_MEMBERS: "Absolute majority of the members: approved with votes in favour "
    "from more than half of the council's members.",
    Rule.TWO_THIRDS_PRESENT: "Two-thirds majority: approved with votes in favour from at least "
    "two thirds of the members present.",
}
NO_QUORUM = "Void vote: the quorum was lacking when the poll closed; nothing is decided."


def quorum_needed(members: int) -> int:
    """The numero legale: more than half of the members (the same as attendance's)."""
    return members // 2 + 1


@dataclass(frozen=True)
class Counts:
    yes: int
    no: int
    abstain: int
    present: int  # members checked in at close
    members: int  # the council's members
    represented: int = 0  # members absent but represented by a proxy held by someone present
    conflict: int = 0  # members who declared a conflict of interest (not voting)

    def __post_init__(self) -> None:
        for name in ("yes", "no", "abstain", "present", "members", "represented", "conflict"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")

    @property
    def voting(self) -> int:
        """Ballots cast: in favour, against and abstentions."""
        return self.yes + self.no + self.abstain

    @property
    def base_present(self) -> int:
        """Those present for the rules "of those present": present and represented, without
        those in conflict of interest; never fewer than the ballots cast (a member who voted
        and then left still voted)."""
        return max(self.present + self.represented - self.conflict, self.voting, 0)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    approved: bool
    valid: bool  # False: quorum lacking at close, the vote is void
    needed: int  # votes in favour needed to approve, given the other counts
    explanation: str  # msgid of the rule's readable explanation (or NO_QUORUM)
    tie: bool


def needed(rule: Rule, counts: Counts) -> int:
    """Votes in favour needed for approval under the rule (at least 1)."""
    if rule == Rule.SIMPLE:
        return counts.no + 1
    if rule == Rule.ABSOLUTE_PRESENT:
        return counts.base_present // 2 + 1
    if rule == Rule.ABSOLUTE_MEMBERS:
        return counts.members // 2 + 1
    if rule == Rule.TWO_THIRDS_PRESENT:
        return max(1, -(-2 * counts.base_present // 3))  # ceil(2/3 of those present)
    raise ValueError(f"unknown rule {rule!r}")


def has_quorum(counts: Counts) -> bool:
    return counts.members > 0 and counts.present >= quorum_needed(counts.members)


def evaluate(rule: Rule | str, counts: Counts, *, require_quorum: bool = True) -> Outcome:
    """The result of a poll under `rule`. A tie (as many in favour as against) is never
    approved, whatever the rule; approval always needs more in favour than against."""
    rule = Rule(rule)
    need = needed(rule, counts)
    tie = counts.yes == counts.no
    if require_quorum and not has_quorum(counts):
        return Outcome(rule, False, False, need, NO_QUORUM, tie)
    approved = counts.yes >= need and counts.yes > counts.no
    return Outcome(rule, approved, True, need, EXPLANATION[rule], tie)
