"""Everything a decision's page shows beside the decision itself, read in a fixed number of
queries: the proposal's versions with their differences, the discussion by stance, the
speakers on the item, the poll's ballots (named) or participants (secret), the extract of the
meeting's minutes once readable, and the implementation status with its updates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from council.domain.archive import implementation, minutes, minutes_text
from council.domain.proposals.proposal_queries import Piece, word_diff
from council.domain.voting import poll_queries
from council.models.archive import Implementation, ImplementationUpdate
from council.models.comment import Comment, CommentState, Stance
from council.models.meeting import SpeakerRequest
from council.models.poll import Ballot, Decision, PollKind
from council.models.proposal import ProposalVersion
from council.models.user import User

LATEST_PER_STANCE = 3


@dataclass
class VersionStep:
    version: ProposalVersion
    pieces: list[Piece]  # the difference from the version before (none for the first)


@dataclass
class StanceGroup:
    stance: Stance
    count: int  # visible comments taking this stance, on every version
    latest: list[Comment]


@dataclass
class Trail:
    versions: list[VersionStep] = field(default_factory=list)
    stances: list[StanceGroup] = field(default_factory=list)
    speakers: list[SpeakerRequest] = field(default_factory=list)
    ballots: list[Ballot] = field(default_factory=list)
    participants: list[User] = field(default_factory=list)
    conflicts: list[User] = field(default_factory=list)
    minutes_extract: str | None = None  # markdown
    minutes_approved: bool = False
    implementation: Implementation | None = None
    updates: list[ImplementationUpdate] = field(default_factory=list)


def read(db: Session, actor: Any, decision: Decision) -> Trail:
    poll = decision.poll
    spoke = (
        select(SpeakerRequest)
        .where(SpeakerRequest.item_id == poll.item_id, SpeakerRequest.started_at.is_not(None))
        .order_by(SpeakerRequest.started_at, SpeakerRequest.id)
        .options(selectinload(SpeakerRequest.user))
    )
    trail = Trail(
        speakers=list(db.scalars(spoke)),
        ballots=poll_queries.named_ballots(db, poll),
        participants=poll_queries.participants_by_name(db, poll)
        if poll.kind == PollKind.SECRET
        else [],
        conflicts=poll_queries.conflicted(db, poll),
        implementation=implementation.of_decision(db, decision),
        updates=implementation.updates(db, decision),
    )
    if decision.proposal_id is not None:
        trail.versions = versions(db, decision.proposal_id)
        trail.stances = stances(db, decision.proposal_id)
    found = minutes.of_meeting(db, poll.meeting_id)
    if found is not None and minutes.can_read(actor, found):
        trail.minutes_extract = extract(found.body, poll.item.position + 1, poll.item.title)
        trail.minutes_approved = found.approved
    return trail


def versions(db: Session, proposal_id: int) -> list[VersionStep]:
    rows = list(
        db.scalars(
            select(ProposalVersion)
            .where(ProposalVersion.proposal_id == proposal_id)
            .order_by(ProposalVersion.number)
            .options(selectinload(ProposalVersion.author))
        )
    )
    return [
        VersionStep(v, word_diff(rows[i - 1].body, v.body) if i else []) for i, v in enumerate(rows)
    ]


def stances(db: Session, proposal_id: int) -> list[StanceGroup]:
    """The visible comments by stance, on every version: how many, and the latest few."""
    visible = (Comment.proposal_id == proposal_id) & (Comment.state == CommentState.VISIBLE)
    counts = dict(
        db.execute(
            select(Comment.stance, func.count())
            .where(visible, Comment.stance.is_not(None))
            .group_by(Comment.stance)
        ).all()
    )
    groups = []
    for stance in Stance:
        latest = []
        if counts.get(stance):
            latest = list(
                db.scalars(
                    select(Comment)
                    .where(visible, Comment.stance == stance)
                    .order_by(Comment.id.desc())
                    .limit(LATEST_PER_STANCE)
                    .options(selectinload(Comment.author))
                )
            )
        groups.append(StanceGroup(stance, counts.get(stance, 0), latest))
    return groups


def extract(body: str, number: int, title: str) -> str | None:
    """The section of the minutes on the item (its `## ` heading up to the next one), without
    its heading and one heading level down; None when the secretary's edits removed it."""
    with force_locale(minutes_text.official_locale()):
        heading = "## " + _("Item %(n)d. %(title)s", n=number, title=minutes_text.escape(title))
        prefix = "## " + _("Item %(n)d. %(title)s", n=number, title="")
    lines = body.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    start = next((i for i in starts if lines[i].strip() == heading), None)
    if start is None:
        start = next((i for i in starts if lines[i].startswith(prefix.rstrip())), None)
    if start is None:
        return None
    end = next((i for i in starts if i > start), len(lines))
    section = "\n".join(lines[start + 1 : end]).strip()
    return re.sub(r"^(#{3,5}) ", r"#\1 ", section, flags=re.MULTILINE) or None
