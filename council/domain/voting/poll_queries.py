"""Shared by the voting operations: locking a poll, its record events, and reading its
numbers (ballots, participation, the tally, the counts the rule is applied to)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from council import events
from council.domain.meetings import attendance, meetings
from council.domain.record import record
from council.domain.voting import live_polls, majority
from council.errors import NotFound
from council.models.meeting import AgendaItem, Meeting, Proxy
from council.models.poll import (
    Ballot,
    Choice,
    ConflictDeclaration,
    Participation,
    Poll,
    PollKind,
    SecretTally,
)
from council.models.proposal import Amendment, AmendmentState
from council.models.user import CouncilGroup, User


def subject(poll: Poll) -> str:
    return f"poll:{poll.id}"


# Queued (not recorded) when a meeting's live state changed without a record event of the
# meeting itself, e.g. a ballot: the live room rebuilds its snapshot after the commit.
LIVE_CHANGED = "meeting.live_changed"


def live_changed(db: Session, meeting_id: int) -> None:
    events.queue(db, events.Event(kind=LIVE_CHANGED, subject=f"meeting:{meeting_id}"))


def event(db: Session, poll: Poll, actor: User | None, kind: str, data: dict[str, Any]) -> None:
    """Record a poll's event and bump its version (part of the live snapshot's version)."""
    events_of(db, poll, [(actor, kind, data)])


def events_of(db: Session, poll: Poll, happened: list[tuple[User | None, str, dict]]) -> None:
    """Record a poll's events, (actor, kind, data) in order, and bump its version by as many
    (a batch of ballots: one flush, one update of the poll)."""
    if not happened:
        return
    poll.version += len(happened)
    entries = [record.Entry(kind, actor, subject(poll), data) for actor, kind, data in happened]
    record.append_many(db, entries)
    live_changed(db, poll.meeting_id)


def _an_id(poll_id: Any) -> bool:
    return isinstance(poll_id, int) and not isinstance(poll_id, bool)


def lock(db: Session, poll_id: Any) -> Poll:
    """The poll, re-read and row-locked for this transaction. Raises NotFound."""
    poll = (
        db.get(Poll, poll_id, with_for_update=True, populate_existing=True)
        if _an_id(poll_id)
        else None
    )
    if poll is None:
        raise NotFound(_("This poll does not exist."))
    return poll


def of_meeting(db: Session, meeting_id: Any, poll_id: Any) -> int:
    """The poll's id when it belongs to this meeting (a request naming a meeting and another
    meeting's poll is refused). Raises NotFound."""
    found = db.get(Poll, poll_id) if _an_id(poll_id) else None  # a poll never changes meeting
    if found is None or found.meeting_id != meeting_id:
        raise NotFound(_("This poll does not exist."))
    return poll_id


def locked(db: Session, poll_id: Any) -> tuple[Meeting, Poll]:
    """Meeting then poll, locked in that order."""
    poll = db.get(Poll, poll_id) if _an_id(poll_id) else None
    if poll is None:
        raise NotFound(_("This poll does not exist."))
    meeting = meetings.lock(db, poll.meeting_id)
    return meeting, lock(db, poll.id)


def lock_for_ballots(db: Session, poll_id: Any) -> Poll:
    """The poll locked for a batch of ballots in one transaction (realtime/ballot_writer.py),
    its meeting first, shared (FOR KEY SHARE): the order of every live operation, meeting
    then poll. On PostgreSQL the poll's second update in one transaction checks its foreign
    key again, which takes that same lock on the meeting: taken then, after the poll's, it
    deadlocked with a close holding the meeting and waiting for the poll. Raises NotFound."""
    poll = db.get(Poll, poll_id) if _an_id(poll_id) else None
    if poll is None:
        raise NotFound(_("This poll does not exist."))
    db.execute(
        select(Meeting.id).where(Meeting.id == poll.meeting_id).with_for_update(key_share=True)
    )
    return lock(db, poll.id)


def participants(db: Session, poll: Poll) -> int:
    """How many votes were cast (one per member voted for, proxies included)."""
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return db.scalar(select(func.count(table.id)).where(table.poll_id == poll.id)) or 0


def participant_ids(db: Session, poll: Poll) -> list[str]:
    """Public ids of the members whose vote was cast, sorted (the list published at close)."""
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return sorted(
        db.scalars(
            select(User.public_id)
            .join(table, table.cast_for_id == User.id)
            .where(table.poll_id == poll.id)
        )
    )


def has_voted(db: Session, poll: Poll, user: User) -> bool:
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return (
        db.scalar(select(table.id).where(table.poll_id == poll.id, table.cast_for_id == user.id))
        is not None
    )


def tally(db: Session, poll: Poll) -> dict[Choice, int]:
    """Votes per choice, from the ballots (named) or the counters (secret)."""
    result = dict.fromkeys(Choice, 0)
    if poll.kind == PollKind.SECRET:
        rows = db.execute(
            select(SecretTally.choice, SecretTally.count).where(SecretTally.poll_id == poll.id)
        )
    else:
        rows = db.execute(
            select(Ballot.choice, func.count(Ballot.id))
            .where(Ballot.poll_id == poll.id)
            .group_by(Ballot.choice)
        )
    for choice, count in rows:
        result[Choice(choice)] = count
    return result


def represented(db: Session, meeting: Meeting, present: set[int]) -> int:
    """Absent members whose proxy is held by a member present."""
    return (
        db.scalar(
            select(func.count(Proxy.id)).where(
                Proxy.meeting_id == meeting.id,
                Proxy.revoked_at.is_(None),
                Proxy.to_user_id.in_(present or {0}),
                Proxy.from_user_id.not_in(present or {0}),
            )
        )
        or 0
    )


def conflicts(db: Session, poll: Poll) -> int:
    return (
        db.scalar(
            select(func.count(ConflictDeclaration.id)).where(ConflictDeclaration.poll_id == poll.id)
        )
        or 0
    )


def counts(db: Session, poll: Poll) -> majority.Counts:
    """The counts the rule is applied to, as they stand now (at close: the result)."""
    votes = tally(db, poll)
    present = attendance.present_ids(db, poll.meeting)
    return majority.Counts(
        yes=votes[Choice.IN_FAVOUR],
        no=votes[Choice.AGAINST],
        abstain=votes[Choice.ABSTAIN],
        present=len(present),
        members=meetings.member_count(db),
        represented=represented(db, poll.meeting, present),
        conflict=conflicts(db, poll),
    )


# --- reading, for the public pages (council/web/polls.py) -------------------------------------


def visible(db: Session, actor: Any, poll_id: Any) -> Poll:
    """A poll whose meeting the actor may see (a draft meeting's are invisible to the public).
    Raises NotFound."""
    poll = db.get(Poll, poll_id) if _an_id(poll_id) else None
    if poll is None or not meetings.is_visible(actor, poll.meeting):
        raise NotFound(_("This poll does not exist."))
    return poll


def of_meeting_in_order(db: Session, meeting: Meeting) -> list[Poll]:
    """The meeting's polls in the order they were prepared."""
    return list(db.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id)))


def named_ballots(db: Session, poll: Poll) -> list[Ballot]:
    """A NAMED poll's ballots, by the name of the member whose vote each is (with the voter,
    who differs when the vote was cast by proxy). A secret poll has none."""
    if poll.kind != PollKind.NAMED:
        return []
    return list(
        db.scalars(
            select(Ballot)
            .join(User, User.id == Ballot.cast_for_id)
            .where(Ballot.poll_id == poll.id)
            .order_by(User.name, User.id)
            .options(
                selectinload(Ballot.voter),
                selectinload(Ballot.cast_for),
                selectinload(Ballot.entered_by),
            )
        )
    )


def _people(db: Session, table: Any, column: Any, poll: Poll) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(table, column == User.id)
            .where(table.poll_id == poll.id)
            .order_by(User.name, User.id)
        )
    )


def conflicted(db: Session, poll: Poll) -> list[User]:
    """Members who declared a conflict of interest, by name."""
    return _people(db, ConflictDeclaration, ConflictDeclaration.member_id, poll)


def participants_by_name(db: Session, poll: Poll) -> list[User]:
    """The members whose vote was cast, in alphabetical order: for a secret poll the list
    published at the close, which says neither how each voted nor who voted before whom."""
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    return _people(db, table, table.cast_for_id, poll)


@dataclass(frozen=True)
class GroupResult:
    """The votes of one side of the council (User.council_group; None: members without one)."""

    group: CouncilGroup | None
    in_favour: int = 0
    against: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.in_favour + self.against + self.abstain

    @property
    def prevailing(self) -> Choice | None:
        """The choice most of the group's votes went to; None with no vote or a tie."""
        counts = {Choice.IN_FAVOUR: self.in_favour, Choice.AGAINST: self.against,
                  Choice.ABSTAIN: self.abstain}  # fmt: skip
        best = max(counts.values())
        winners = [choice for choice, n in counts.items() if n == best]
        return winners[0] if best and len(winners) == 1 else None


def group_results(db: Session, poll: Poll) -> list[GroupResult]:
    """A NAMED poll's votes per group of the council (the administration's members, the third
    sector's; members without a group last, when they voted), by the group each member has
    now. A SECRET poll has none: votes per group would narrow who voted what."""
    if poll.kind != PollKind.NAMED:
        return []
    found: dict[CouncilGroup | None, dict[Choice, int]] = {
        group: dict.fromkeys(Choice, 0) for group in CouncilGroup
    }
    rows = db.execute(
        select(User.council_group, Ballot.choice, func.count(Ballot.id))
        .join(User, User.id == Ballot.cast_for_id)
        .where(Ballot.poll_id == poll.id)
        .group_by(User.council_group, Ballot.choice)
    )
    for group, choice, count in rows:
        key = CouncilGroup(group) if group else None
        found.setdefault(key, dict.fromkeys(Choice, 0))[Choice(choice)] += count
    return [
        GroupResult(group, c[Choice.IN_FAVOUR], c[Choice.AGAINST], c[Choice.ABSTAIN])
        for group, c in found.items()
        if group is not None or any(c.values())
    ]


def groups_agree(results: list[GroupResult]) -> bool | None:
    """Whether the council's groups that voted (members without a group aside) mostly made
    the same choice; None when fewer than two groups voted."""
    voting = [r for r in results if r.group is not None and r.total]
    if len(voting) < 2:
        return None
    first = voting[0].prevailing
    return first is not None and all(r.prevailing == first for r in voting)


# --- reading, for the live room's pages and the join acknowledgement ----------------------------


def mine(db: Session, meeting: Meeting, user: Any) -> dict[str, Any] | None:
    """A member's own part in the poll the room looks at (live_polls.focus), for their phone
    after a reload or a reconnection: the public ids of the members whose vote is already cast
    among themself and those whose proxy they hold (a secret poll says who took part, never
    how), and whether they declared a conflict of interest. None without a member or a poll."""
    if user is None or not getattr(user, "id", None):
        return None
    poll = live_polls.focus(of_meeting_in_order(db, meeting), meeting.current_item_id)
    if poll is None:
        return None
    givers = select(Proxy.from_user_id).where(
        Proxy.meeting_id == meeting.id, Proxy.to_user_id == user.id, Proxy.revoked_at.is_(None)
    )
    table = Participation if poll.kind == PollKind.SECRET else Ballot
    voted = db.scalars(
        select(User.public_id)
        .join(table, table.cast_for_id == User.id)
        .where(
            table.poll_id == poll.id,
            or_(table.cast_for_id == user.id, table.cast_for_id.in_(givers)),
        )
        .order_by(User.public_id)
    )
    conflict = db.scalar(
        select(ConflictDeclaration.id).where(
            ConflictDeclaration.poll_id == poll.id, ConflictDeclaration.member_id == user.id
        )
    )
    return {"poll": poll.id, "voted_for": list(voted), "conflict": conflict is not None}


def name_of(db: Session, public_id: str) -> str:
    """A member's name, for the confirmation of a ballot cast by proxy."""
    return db.scalar(select(User.name).where(User.public_id == public_id)) or ""


def amendments_to_vote(db: Session, meeting: Meeting) -> list[tuple[AgendaItem, Amendment]]:
    """The amendments waiting for the council's vote on the proposals of the meeting's agenda,
    by item and number: what the chair may put to the vote before the item itself."""
    rows = db.execute(
        select(AgendaItem, Amendment)
        .join(Amendment, Amendment.proposal_id == AgendaItem.proposal_id)
        .where(AgendaItem.meeting_id == meeting.id, Amendment.state == AmendmentState.TO_VOTE)
        .order_by(AgendaItem.position, AgendaItem.id, Amendment.number)
    )
    return [(item, amendment) for item, amendment in rows]
