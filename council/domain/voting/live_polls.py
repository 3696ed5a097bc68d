"""The polls' part of the live snapshot (docs/realtime.md): the meeting's polls, and the one
the room looks at, with its tally as the rules of its kind allow (docs/voting.md):

- a named poll (palese): who voted what, live;
- a secret poll (segreta): while open only how many have voted; at close the totals and the
  alphabetical list of those who took part, never a choice by person (none is stored).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import ArgumentError, InvalidRequestError
from sqlalchemy.orm import Session, aliased

from council.db import shared
from council.domain.meetings import opening
from council.models.meeting import AgendaItem, Meeting, MeetingState
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
from council.models.proposal import Amendment, AmendmentState, Proposal, ProposalState
from council.models.user import User

log = logging.getLogger(__name__)


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
    amendment = amendments.get(poll.amendment_id) if poll.amendment_id else None
    number, amendment_state = amendment or (None, None)
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
        # once closed, the counts the outcome rests on (the meeting page lists them)
        "totals": {"in_favour": poll.yes, "against": poll.no, "abstain": poll.abstain}
        if poll.state == PollState.CLOSED
        else None,
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


def _named_ballots() -> Select:
    """Who voted what in a named poll (parameter `poll`), by the member's name, each row with
    the number of ballots stored (`stored`): read in the same statement, so from the same
    snapshot of the database even while ballots arrive. With no ballot, one row of NULLs."""
    member, holder = aliased(User, name="member"), aliased(User, name="holder")
    officer = aliased(User, name="officer")  # who entered a vote declared aloud
    stored = (
        select(func.count(Ballot.id).label("stored"))
        .where(Ballot.poll_id == bindparam("poll"))
        .subquery("stored")
    )
    return (
        select(stored.c.stored, Ballot.choice, Ballot.reason, Ballot.proxy_for_id)
        .add_columns(member.public_id, member.name, holder.public_id, holder.name)
        .add_columns(officer.public_id, officer.name)
        .select_from(stored)
        .outerjoin(Ballot, Ballot.poll_id == bindparam("poll"))
        .outerjoin(member, member.id == Ballot.cast_for_id)
        .outerjoin(holder, holder.id == Ballot.voter_id)
        .outerjoin(officer, officer.id == Ballot.entered_by_id)
        .order_by(member.name, member.id)
    )


# Made once, whole, at import (a new alias per snapshot costs SQLAlchemy ~2 ms to adapt its
# columns); shared() says why it must be whole before threads use it.
NAMED_BALLOTS = shared(_named_ballots())


def _ballot(
    choice, reason, proxy_for, m_id, m_name, h_id, h_name, o_id=None, o_name=None
) -> dict[str, Any]:
    # `by`, `entered_by` and `reason` only where there is one: sixty ballots go to every
    # socket of the room with each change (bench/README.md: the snapshot's size is most of a
    # fan-out's cost)
    ballot = {"member": _person(m_id, m_name), "choice": str(choice)}
    if proxy_for:
        ballot["by"] = _person(h_id, h_name)
    if o_id:  # declared aloud, entered by the chair or the secretary (appello nominale)
        ballot["entered_by"] = _person(o_id, o_name)
    if reason:
        ballot["reason"] = reason
    return ballot


def _named(db: Session, poll: Poll) -> list[dict[str, Any]]:
    """The named list, checked against the ballots stored: a list that disagrees is never
    sent (issue 18: 518 entries for 14 ballots). It is logged as an error and read again
    with a statement made afresh; if still wrong, from the ballots' rows alone."""
    for attempt, statement in enumerate((NAMED_BALLOTS, None)):
        try:
            fresh = statement if statement is not None else _named_ballots()
            rows = db.execute(fresh, {"poll": poll.id}).all()
        except (ArgumentError, InvalidRequestError):  # a statement SQLAlchemy cannot compile
            log.exception("poll %s: the named list could not be read (attempt %s)", poll.id,
                          attempt + 1)  # fmt: skip
            continue
        stored = rows[0].stored if rows else None
        listed = [row[1:] for row in rows if row.choice is not None]
        if len(listed) == stored and len({row[3] for row in listed}) == stored:
            return [_ballot(*row) for row in listed]
        log.error("poll %s: the named list has %s entries (%s members) for %s stored ballots "
                  "(attempt %s): not sent", poll.id, len(listed),
                  len({row[3] for row in listed}), stored, attempt + 1)  # fmt: skip
    return _named_from_rows(db, poll)


def _named_from_rows(db: Session, poll: Poll) -> list[dict[str, Any]]:
    """The named list from the stored ballots and the people they name, without a join."""
    ballots = db.execute(
        select(Ballot.choice, Ballot.reason, Ballot.proxy_for_id, Ballot.cast_for_id,
               Ballot.voter_id, Ballot.entered_by_id).where(Ballot.poll_id == poll.id)
    ).all()  # fmt: skip
    people = {
        user_id: (public_id, name)
        for user_id, public_id, name in db.execute(
            select(User.id, User.public_id, User.name).where(
                User.id.in_(
                    {b.cast_for_id for b in ballots}
                    | {b.voter_id for b in ballots}
                    | {b.entered_by_id for b in ballots if b.entered_by_id}
                )
            )
        )
    }
    ballots = sorted(ballots, key=lambda b: (people[b.cast_for_id][1], b.cast_for_id))
    return [
        _ballot(
            b.choice,
            b.reason,
            b.proxy_for_id,
            *people[b.cast_for_id],
            *people[b.voter_id],
            *people.get(b.entered_by_id, (None, None)),
        )
        for b in ballots
    ]


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


def _participants(db: Session, poll: Poll) -> list[dict[str, str]]:
    """Who took part in a closed secret poll, checked against its totals (stored at the
    close from the counters, which move with each participation): as _named."""
    counted = (poll.yes or 0) + (poll.no or 0) + (poll.abstain or 0)  # stored at the close
    for attempt in (1, 2):
        people = _people(db, Participation, Participation.cast_for_id, poll)
        if len(people) == counted == len({person["id"] for person in people}):
            return people
        log.error("poll %s: %s took part for %s votes counted (attempt %s)", poll.id,
                  len(people), counted, attempt)  # fmt: skip
    stored = db.execute(
        select(User.public_id, User.name).where(
            User.id.in_(select(Participation.cast_for_id).where(Participation.poll_id == poll.id))
        )
    )
    return sorted((_person(*row) for row in stored), key=lambda p: (p["name"], p["id"]))


def in_order_taken(found: list[Poll]) -> list[Poll]:
    """Polls in the order they were voted (when each opened, not when it was prepared: an
    amendment prepared after its item is voted before it); those never opened after, an
    item's amendments before the item. For the minutes and the meeting's pages."""

    def taken(poll: Poll) -> tuple:
        if poll.opened_at is not None:
            return (0, poll.opened_at, poll.id)
        return (1, poll.amendment_id is None, poll.id)

    return sorted(found, key=taken)


def _refusals(
    db: Session, meeting: Meeting, polls: list[Poll], amendments: dict, quorum: bool
) -> dict[int, str | None]:
    """Why each prepared poll would be refused if opened now (opening.poll_refusal), so the
    console disables its button with the reason. One query, only when a poll is prepared."""
    prepared = [p for p in polls if p.state == PollState.PREPARED]
    if not prepared:
        return {}
    items: dict[int, tuple[ProposalState | None, int]] = {}
    waiting = (
        select(func.count(Amendment.id))
        .where(Amendment.proposal_id == AgendaItem.proposal_id,
               Amendment.state == AmendmentState.TO_VOTE)
        .scalar_subquery()
    )  # fmt: skip
    for item_id, state, count in db.execute(
        select(AgendaItem.id, Proposal.state, waiting)
        .outerjoin(Proposal, Proposal.id == AgendaItem.proposal_id)
        .where(AgendaItem.id.in_({p.item_id for p in prepared}))
    ):
        items[item_id] = (state, count)
    other_open = any(p.state == PollState.OPEN for p in polls)
    refusals = {}
    for poll in prepared:
        state, count = items.get(poll.item_id, (None, 0))
        refusals[poll.id] = opening.poll_refusal(
            closed=False,
            in_progress=meeting.state == MeetingState.IN_PROGRESS,
            on_current_item=meeting.current_item_id == poll.item_id,
            other_open=other_open,
            amendment=poll.amendment_id is not None,
            amendments_waiting=count,
            amendment_to_vote=amendments.get(poll.amendment_id, (None, None))[1]
            == AmendmentState.TO_VOTE,
            proposal_on_agenda=state is None or state == ProposalState.ON_AGENDA,
            quorum=quorum,
        )
    return refusals


def section(
    db: Session, meeting: Meeting, represented: int, present: int, *, quorum: bool = True
) -> dict[str, Any]:
    """{"polls": [...], "poll": the focus or None, "versions": sum of the polls' versions}.
    A fixed handful of queries: the polls, their decisions and amendments, and for the focus
    its ballots (or participation) and conflicts. Each poll says why it could not open now
    ("refusal", a key of opening.POLL_REFUSALS, or None)."""
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
    refusals = _refusals(db, meeting, polls, amendments, quorum)
    shown = focus(polls, meeting.current_item_id)
    poll = None
    if shown is not None:
        poll = _summary(shown, decisions, amendments) | {"refusal": refusals.get(shown.id)}
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
            participants = _participants(db, shown)
            tally = {
                "in_favour": shown.yes or 0,
                "against": shown.no or 0,
                "abstain": shown.abstain or 0,
            }
            voted = len(participants)
        else:
            voted = (
                db.scalar(
                    select(func.count(Participation.id)).where(Participation.poll_id == shown.id)
                )
                or 0
            )
        poll |= {
            "voted": voted,
            # who can still vote, as things stand: present, represented, not in conflict
            "expected": max(
                (shown.present or 0) + (shown.represented or 0) - (shown.conflict or 0)
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
        "polls": [
            _summary(p, decisions, amendments) | {"refusal": refusals.get(p.id)}
            for p in in_order_taken(polls)
        ],
        "poll": poll,
        "versions": sum(p.version for p in polls),
    }
