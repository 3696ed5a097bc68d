"""What the open data publishes (council/web/open_data.py, docs/open-data.md), read as the
public reads it whoever asks: decisions, convened meetings, submitted proposals, closed polls.

A draft proposal or meeting is never read here, a secret poll yields who took part and its
totals only, and nothing here reads an e-mail address or a comment. Lists are loaded in a
fixed handful of queries per page, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from council.db import shared
from council.domain.archive import open_data_presence
from council.domain.archive.open_data_presence import Missing
from council.domain.voting.poll_queries import GroupResult
from council.errors import NotFound
from council.models.meeting import PUBLIC_STATES, AgendaItem, Attendance, Meeting
from council.models.poll import (
    Ballot,
    Choice,
    ConflictDeclaration,
    Decision,
    Participation,
    Poll,
    PollKind,
    PollState,
)
from council.models.proposal import Proposal, ProposalCosigner, ProposalState, Support
from council.models.user import CouncilGroup, User

PUBLIC_MEETING = Meeting.state.in_(PUBLIC_STATES)
# The states a published proposal can be in (a draft is never published).
PROPOSAL_STATES = tuple(state for state in ProposalState if state != ProposalState.DRAFT)


@dataclass
class Page:
    rows: list[Any] = field(default_factory=list)
    total: int = 0


def _page(db: Session, query: Select, page: int, per_page: int) -> Page:
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(db.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(rows, total)


def _by_id(db: Session, query: Select, column: Any, key: Any, missing: str) -> Any:
    """The row of query whose column is key; NotFound (missing) if none, or key is no id."""
    found = (
        db.scalar(query.where(column == key))
        if isinstance(key, int) and not isinstance(key, bool)
        else None
    )
    if found is None:
        raise NotFound(missing)
    return found


# --- decisions --------------------------------------------------------------------------------


def _decisions() -> Select:
    return (
        select(Decision)
        .join(Poll, Poll.id == Decision.poll_id)
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .where(PUBLIC_MEETING)
        .options(
            selectinload(Decision.proposal),
            selectinload(Decision.poll).selectinload(Poll.meeting),
            selectinload(Decision.poll).selectinload(Poll.item),
        )
    )


def decisions(db: Session, page: int, per_page: int) -> Page:
    """Decisions, newest first (by number)."""
    query = _decisions().order_by(Decision.year.desc(), Decision.seq.desc())
    return _page(db, query, page, per_page)


def all_decisions(db: Session) -> list[Decision]:
    """Every decision, oldest first (by number): the CSV download."""
    return list(db.scalars(_decisions().order_by(Decision.year, Decision.seq)))


def decision(db: Session, decision_id: Any) -> Decision:
    return _by_id(db, _decisions(), Decision.id, decision_id, _("This decision does not exist."))


def decisions_of_polls(db: Session, poll_ids: list[int]) -> dict[int, Decision]:
    if not poll_ids:
        return {}
    rows = db.scalars(select(Decision).where(Decision.poll_id.in_(poll_ids)))
    return {row.poll_id: row for row in rows}


# --- what a closed poll publishes -------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A person as published: public id, name, council group (never an e-mail address)."""

    id: int
    public_id: str
    name: str
    council_group: CouncilGroup | None


def _person(columns: Any) -> list[Any]:
    return [columns.id, columns.public_id, columns.name, columns.council_group]


@dataclass(frozen=True)
class BallotFact:
    """A named ballot: the member whose vote it is, who cast it (the same, or the holder of
    their proxy), the choice and the statement of vote."""

    member: Person
    voter: Person
    choice: Choice
    statement: str
    by_proxy: bool


@dataclass
class PollFacts:
    """A closed poll's published details: a named poll's ballots (by the member's name) and
    its results by group; a secret poll's participants by name, never a choice; conflicts."""

    ballots: list[BallotFact] = field(default_factory=list)
    participants: list[Person] = field(default_factory=list)
    conflicts: list[Person] = field(default_factory=list)
    groups: list[GroupResult] = field(default_factory=list)
    # a named poll's members whose vote is not in it: absent, or present and not voting
    missing: Missing | None = None


def _by_name(person: Person) -> tuple[str, int]:
    return (person.name, person.id)


def group_results(ballots: list[BallotFact]) -> list[GroupResult]:
    """As council.domain.voting.poll_queries.group_results, from ballots already read: both groups
    of the council, then members without a group when they voted."""
    found: dict[CouncilGroup | None, dict[Choice, int]] = {
        group: dict.fromkeys(Choice, 0) for group in CouncilGroup
    }
    for ballot in ballots:
        group = ballot.member.council_group
        found.setdefault(group, dict.fromkeys(Choice, 0))[ballot.choice] += 1
    return [
        GroupResult(group, c[Choice.IN_FAVOUR], c[Choice.AGAINST], c[Choice.ABSTAIN])
        for group, c in found.items()
        if group is not None or any(c.values())
    ]


def _named_facts() -> Select:
    """The ballots of the named polls whose ids are the parameter `polls`, with the people."""
    member, voter = aliased(User, name="member"), aliased(User, name="voter")
    return (
        select(Ballot.poll_id, Ballot.choice, Ballot.reason, *_person(member), *_person(voter))
        .join(member, member.id == Ballot.cast_for_id)
        .join(voter, voter.id == Ballot.voter_id)
        .where(Ballot.poll_id.in_(bindparam("polls", expanding=True)))
    )


# Made once, whole: council.db.shared says why.
NAMED_FACTS = shared(_named_facts())


def poll_facts(db: Session, polls: list[Poll]) -> dict[int, PollFacts]:
    """The published details of the closed polls among these, in three queries (columns, not
    accounts); a prepared or open poll publishes none (the live room shows only how many have
    voted)."""
    closed = [poll for poll in polls if poll.state == PollState.CLOSED]
    facts = {poll.id: PollFacts() for poll in closed}
    named = [poll.id for poll in closed if poll.kind == PollKind.NAMED]
    secret = [poll.id for poll in closed if poll.kind == PollKind.SECRET]
    if named:
        rows = db.execute(NAMED_FACTS, {"polls": named})
        for poll_id, choice, reason, *people in rows:
            cast_for, cast_by = Person(*people[:4]), Person(*people[4:])
            facts[poll_id].ballots.append(
                BallotFact(cast_for, cast_by, Choice(choice), reason or "", cast_by != cast_for)
            )
    for table, column, ids, attribute in (
        (Participation, Participation.cast_for_id, secret, "participants"),
        (ConflictDeclaration, ConflictDeclaration.member_id, list(facts), "conflicts"),
    ):
        if not ids:
            continue
        rows = db.execute(
            select(table.poll_id, *_person(User))
            .join(User, User.id == column)
            .where(table.poll_id.in_(ids))
        )
        for poll_id, *person in rows:
            getattr(facts[poll_id], attribute).append(Person(*person))
    for found in facts.values():
        found.ballots.sort(key=lambda ballot: _by_name(ballot.member))
        found.participants.sort(key=_by_name)
        found.conflicts.sort(key=_by_name)
        if found.ballots:
            found.groups = group_results(found.ballots)
    voted = {
        poll_id: {b.member.id for b in facts[poll_id].ballots}
        | {c.id for c in facts[poll_id].conflicts}
        for poll_id in named
    }
    named_polls = [poll for poll in closed if poll.kind == PollKind.NAMED]
    for poll_id, missing in open_data_presence.missing(db, named_polls, voted).items():
        facts[poll_id].missing = missing
    return facts


def closed_polls(db: Session, page: int, per_page: int) -> Page:
    """Closed polls of public meetings, the latest closed first: the Popolo vote events."""
    query = (
        select(Poll)
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .where(PUBLIC_MEETING, Poll.state == PollState.CLOSED)
        .order_by(Poll.closed_at.desc(), Poll.id.desc())
        .options(selectinload(Poll.meeting), selectinload(Poll.item), selectinload(Poll.amendment))
    )
    return _page(db, query, page, per_page)


@dataclass(frozen=True)
class BallotRow:
    """One named ballot, for the votes CSV (fields in the order of the query's columns)."""

    poll_id: int
    question: str
    closed_at: datetime
    meeting_id: int
    item_title: str
    amendment_id: int | None
    year: int | None
    seq: int | None
    member_id: str
    member_name: str
    group: CouncilGroup | None
    choice: Choice
    proxy_for_id: int | None
    voter_id: str
    voter_name: str
    statement: str

    @property
    def decision(self) -> str:
        return f"{self.year}/{self.seq:03d}" if self.year is not None else ""

    @property
    def by_proxy(self) -> bool:
        return self.proxy_for_id is not None


def _named_ballots() -> Select:
    member, voter = aliased(User, name="member"), aliased(User, name="voter")
    columns = [
        Poll.id, Poll.question, Poll.closed_at, Poll.meeting_id, AgendaItem.title,
        Poll.amendment_id, Decision.year, Decision.seq, member.public_id, member.name,
        member.council_group, Ballot.choice, Ballot.proxy_for_id, voter.public_id,
        voter.name, Ballot.reason,
    ]  # fmt: skip
    return (
        select(*columns)
        .join(Poll, Poll.id == Ballot.poll_id)
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .join(AgendaItem, AgendaItem.id == Poll.item_id)
        .join(member, member.id == Ballot.cast_for_id)
        .join(voter, voter.id == Ballot.voter_id)
        .outerjoin(Decision, Decision.poll_id == Poll.id)
        .where(PUBLIC_MEETING, Poll.state == PollState.CLOSED, Poll.kind == PollKind.NAMED)
        .order_by(Poll.closed_at, Poll.id, member.name, member.id)
        .execution_options(yield_per=500)
    )


NAMED_BALLOTS = shared(_named_ballots())


def named_ballots(db: Session) -> Iterator[BallotRow]:
    """Every ballot of the closed named polls of public meetings, poll by poll (in the order
    they closed), by the member's name; read in batches, for a streamed download."""
    for row in db.execute(NAMED_BALLOTS):
        yield BallotRow(*row)


# --- meetings ---------------------------------------------------------------------------------


def _meetings() -> Select:
    return (
        select(Meeting)
        .where(PUBLIC_MEETING)
        .options(
            selectinload(Meeting.items).selectinload(AgendaItem.proposal),
            selectinload(Meeting.documents),
        )
    )


def meetings(db: Session, page: int, per_page: int) -> Page:
    """Convened (public) meetings, the latest first."""
    query = _meetings().order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return _page(db, query, page, per_page)


def meeting(db: Session, meeting_id: Any) -> Meeting:
    return _by_id(db, _meetings(), Meeting.id, meeting_id, _("This meeting does not exist."))


@dataclass
class MeetingFacts:
    attended: int = 0  # members present at some time
    present: int = 0  # members present now (while the session runs)
    polls: list[Poll] = field(default_factory=list)
    decisions: dict[int, Decision] = field(default_factory=dict)  # by poll id


def meeting_facts(db: Session, rows: list[Meeting]) -> dict[int, MeetingFacts]:
    facts = {row.id: MeetingFacts() for row in rows}
    if not facts:
        return facts
    ids = list(facts)
    counts = db.execute(
        select(Attendance.meeting_id, func.count(Attendance.id), func.count(Attendance.id)
               .filter(Attendance.present.is_(True)))
        .where(Attendance.meeting_id.in_(ids))
        .group_by(Attendance.meeting_id)
    )  # fmt: skip
    for meeting_id, attended, present in counts:
        facts[meeting_id].attended, facts[meeting_id].present = attended, present
    for poll in db.scalars(select(Poll).where(Poll.meeting_id.in_(ids)).order_by(Poll.id)):
        facts[poll.meeting_id].polls.append(poll)
    found = db.execute(
        select(Poll.meeting_id, Decision)
        .join(Poll, Poll.id == Decision.poll_id)
        .where(Poll.meeting_id.in_(ids))
    )
    for meeting_id, decision in found:
        facts[meeting_id].decisions[decision.poll_id] = decision
    return facts


# --- proposals --------------------------------------------------------------------------------


def _proposals() -> Select:
    return (
        select(Proposal)
        .where(Proposal.submitted_at.is_not(None))
        .options(
            selectinload(Proposal.author),
            selectinload(Proposal.organisation),
            selectinload(Proposal.topic),
            selectinload(Proposal.zones),
            selectinload(Proposal.cosigners).selectinload(ProposalCosigner.organisation),
            selectinload(Proposal.supports).selectinload(Support.organisation),
        )
    )


def proposals(db: Session, page: int, per_page: int, state: ProposalState | None = None) -> Page:
    """Submitted proposals (a draft is private), the latest submitted first."""
    query = _proposals().order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
    if state is not None:
        query = query.where(Proposal.state == state)
    return _page(db, query, page, per_page)


def proposal(db: Session, proposal_id: Any) -> Proposal:
    """A submitted proposal with its versions. A draft is NotFound, as on its page."""
    query = _proposals().options(selectinload(Proposal.versions))
    return _by_id(db, query, Proposal.id, proposal_id, _("This proposal does not exist."))


def decisions_of_proposals(db: Session, proposal_ids: list[int]) -> dict[int, Decision]:
    """The decision on each proposal that has one."""
    if not proposal_ids:
        return {}
    rows = db.scalars(
        select(Decision).where(Decision.proposal_id.in_(proposal_ids)).order_by(Decision.id)
    )
    return {row.proposal_id: row for row in rows if row.proposal_id is not None}
