"""The polls' part of the live snapshot (docs/realtime.md): the meeting's polls, and the one
the room looks at, with its tally as the rules of its kind allow (docs/voting.md):

- a named poll (palese): who voted what, live;
- a secret poll (segreta): while open only how many have voted; at close the totals and the
  alphabetical list of those who took part, never a choice by person (none is stored).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from council.models.meeting import Meeting
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
from council.models.proposal import Amendment, AmendmentState
from council.models.user import User


def version(db: Session, meeting_id: int) -> int | None:
    """The live snapshot's version: the meeting's counter plus every poll's. Each only grows,
    so the sum does, and a ballot (which locks its poll only) moves it too."""
    polls = (
        select(func.coalesce(func.sum(Poll.version), 0))
        .where(Poll.meeting_id == meeting_id)
        .scalar_subquery()
    )
    return db.scalar(select(Meeting.live_version + polls).where(Meeting.id == meeting_id))


def _person(public_id: str, name: str) -> dict[str, str]:
    return {"id": public_id, "name": name}


def focus(polls: list[Poll], current_item_id: int | None) -> Poll | None:
    """The poll the room looks at: the open one; else, on the item under discussion, the
    latest closed (its result stays up) or else the latest prepared (what comes next)."""
    for poll in polls:
        if poll.state == PollState.OPEN:
            return poll
    on_item = [p for p in polls if p.item_id == current_item_id]
    closed = [p for p in on_item if p.state == PollState.CLOSED]
    if closed:
        return max(closed, key=lambda p: (p.closed_at, p.id))
    prepared = [p for p in on_item if p.state == PollState.PREPARED]
    return prepared[-1] if prepared else None


def _summary(
    poll: Poll, decisions: dict[int, str], amendments: dict[int, tuple[int, AmendmentState]]
) -> dict[str, Any]:
    number, amendment_state = amendments.get(poll.amendment_id, (None, None))
    return {
        "id": poll.id,
        "item": poll.item_id,
        "amendment": poll.amendment_id,
        "amendment_number": number,
        "state": str(poll.state),
        "kind": str(poll.kind),
        "rule": str(poll.rule),
        "question": poll.question,
        "allow_change": poll.allow_change,
        "approved": poll.approved,
        "valid": poll.valid,
        "decision": decisions.get(poll.id),
        # what follows the vote is recorded: the decision, or the amendment's outcome
        "recorded": poll.id in decisions
        or (poll.amendment_id is not None and amendment_state != AmendmentState.TO_VOTE),
    }


def _result(poll: Poll) -> dict[str, Any] | None:
    if poll.state != PollState.CLOSED:
        return None
    return {
        "in_favour": poll.yes, "against": poll.no, "abstain": poll.abstain,
        "present": poll.present, "represented": poll.represented, "members": poll.members,
        "conflict": poll.conflict, "needed": poll.needed, "approved": poll.approved,
        "valid": poll.valid,
    }  # fmt: skip


# Made once: a new alias per snapshot costs SQLAlchemy ~2 ms to adapt its columns, every time.
_MEMBER, _HOLDER = aliased(User, name="member"), aliased(User, name="holder")


def _named(db: Session, poll: Poll) -> list[dict[str, Any]]:
    member, holder = _MEMBER, _HOLDER
    rows = db.execute(
        select(Ballot.choice, Ballot.reason, Ballot.proxy_for_id)
        .add_columns(member.public_id, member.name, holder.public_id, holder.name)
        .join(member, member.id == Ballot.cast_for_id)
        .join(holder, holder.id == Ballot.voter_id)
        .where(Ballot.poll_id == poll.id)
        .order_by(member.name, member.id)
    )
    ballots = []
    # `by` and `reason` only where there is one: sixty ballots go to every socket of the room
    # with each change (bench/README.md: the snapshot's size is most of a fan-out's cost)
    for choice, reason, proxy_for, m_id, m_name, h_id, h_name in rows:
        ballot = {"member": _person(m_id, m_name), "choice": str(choice)}
        if proxy_for:
            ballot["by"] = _person(h_id, h_name)
        if reason:
            ballot["reason"] = reason
        ballots.append(ballot)
    return ballots


def _people(db: Session, table, column, poll: Poll) -> list[dict[str, str]]:
    return [
        _person(public_id, name)
        for public_id, name in db.execute(
            select(User.public_id, User.name)
            .join(table, column == User.id)
            .where(table.poll_id == poll.id)
            .order_by(User.name, User.id)
        )
    ]


def section(db: Session, meeting: Meeting, represented: int, present: int) -> dict[str, Any]:
    """{"polls": [...], "poll": the focus or None, "versions": sum of the polls' versions}.
    A fixed handful of queries: the polls, their decisions and amendments, and for the focus
    its ballots (or participation) and conflicts."""
    polls = list(db.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id)))
    decisions: dict[int, str] = {}
    if polls:
        for poll_id, year, seq in db.execute(
            select(Decision.poll_id, Decision.year, Decision.seq).where(
                Decision.poll_id.in_([p.id for p in polls])
            )
        ):
            decisions[poll_id] = f"{year}/{seq:03d}"
    amended = {p.amendment_id for p in polls if p.amendment_id is not None}
    amendments = {
        amendment_id: (number, state)
        for amendment_id, number, state in db.execute(
            select(Amendment.id, Amendment.number, Amendment.state).where(
                Amendment.id.in_(amended)
            )
        )
    } if amended else {}  # fmt: skip
    shown = focus(polls, meeting.current_item_id)
    poll = None
    if shown is not None:
        poll = _summary(shown, decisions, amendments)
        conflicts = _people(db, ConflictDeclaration, ConflictDeclaration.member_id, shown)
        ballots: list[dict[str, Any]] = []
        tally: dict[str, int] | None = None
        participants: list[dict[str, str]] = []
        if shown.kind == PollKind.NAMED:
            ballots = _named(db, shown)
            tally = {str(c): 0 for c in Choice}
            for ballot in ballots:
                tally[ballot["choice"]] += 1
            voted = len(ballots)
        elif shown.state == PollState.CLOSED:
            participants = _people(db, Participation, Participation.cast_for_id, shown)
            tally = {"in_favour": shown.yes, "against": shown.no, "abstain": shown.abstain}
            voted = len(participants)
        else:
            voted = db.scalar(
                select(func.count(Participation.id)).where(Participation.poll_id == shown.id)
            )
        poll |= {
            "voted": voted,
            # who can still vote, as things stand: present, represented, not in conflict
            "expected": max(
                shown.present + shown.represented - shown.conflict
                if shown.state == PollState.CLOSED
                else present + represented - len(conflicts),
                voted,
            ),
            "tally": tally,
            "ballots": ballots,
            "participants": participants,
            "conflicts": conflicts,
            "result": _result(shown),
        }
    return {
        "polls": [_summary(p, decisions, amendments) for p in polls],
        "poll": poll,
        "versions": sum(p.version for p in polls),
    }
