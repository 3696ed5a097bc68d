"""What the home page shows: the council's news for everyone, and what needs one person.

Reading only. Each block is one query (or a few, never one per row) with a small limit, so
the page costs the same whatever the size of the council: `public()` three queries,
`personal()` at most ten. What `personal()` returns is private to its person: the view never
renders it for the public, whose page is the one kept in memory (council/web/page_cache.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, lazyload

from council import public_paths
from council.domain import permissions
from council.domain.proposals import proposal_queries
from council.domain.proposals.proposal_organisations import INVITABLE
from council.domain.voting.consultation_queries import AUDIENCE_ROLE
from council.models.base import utcnow
from council.models.comment import Comment, CommentState
from council.models.consultation import Consultation, ConsultationResponse, ConsultationState
from council.models.meeting import (
    LIVE_STATES,
    PUBLIC_STATES,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingState,
    Proxy,
)
from council.models.poll import Ballot, Decision, Participation, Poll, PollState
from council.models.proposal import (
    CosignState,
    Follow,
    FollowTarget,
    Proposal,
    ProposalCosigner,
    ProposalVersion,
)
from council.models.record import RecordEvent
from council.models.user import User

BLOCK = 3  # rows of a public block
MINE = 5  # rows of a personal block
FOLLOWED_DAYS = 30  # how far back "news on the proposals I follow" looks
FOLLOWS_READ = 500  # followed proposals looked at (newest follows first)
LIVE_LINK_HOURS = 12  # a convened meeting this close gets a link to its live view
RECORD_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # RecordEvent.at


@dataclass
class Public:
    live: list[Meeting] = field(default_factory=list)  # sessions in progress (or suspended)
    next_meeting: Meeting | None = None  # the first convened meeting still to come
    next_is_near: bool = False  # it starts within LIVE_LINK_HOURS: its live view is open
    decisions: Sequence[Any] = field(default_factory=list)  # rows: Decision, title, Poll
    consultations: list[Consultation] = field(default_factory=list)


def public(db: Session, now: datetime | None = None) -> Public:
    """The live sessions, the next meeting, the latest decisions, the open consultations."""
    now = now or utcnow()
    found = Public()
    meetings = db.scalars(
        select(Meeting)
        .where(
            or_(
                Meeting.state.in_(LIVE_STATES),
                and_(Meeting.state == MeetingState.CONVENED, Meeting.ends_at >= now),
            )
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(10)
    ).all()
    found.live = [m for m in meetings if m.state in LIVE_STATES]
    upcoming = [m for m in meetings if m.state == MeetingState.CONVENED]
    if upcoming:
        found.next_meeting = upcoming[0]
        found.next_is_near = upcoming[0].starts_at <= now + timedelta(hours=LIVE_LINK_HOURS)
    title = func.coalesce(Proposal.title, AgendaItem.title)
    found.decisions = db.execute(
        select(Decision, title.label("title"), Poll)
        .join(Poll, Poll.id == Decision.poll_id)
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .join(AgendaItem, AgendaItem.id == Poll.item_id)
        .outerjoin(Proposal, Proposal.id == Decision.proposal_id)
        .where(Meeting.state.in_(PUBLIC_STATES))
        .order_by(Decision.recorded_at.desc(), Decision.id.desc())
        .limit(BLOCK)
    ).all()
    found.consultations = list(
        db.scalars(
            select(Consultation)
            .where(Consultation.state == ConsultationState.OPEN, Consultation.closes_at > now)
            .options(lazyload(Consultation.options))  # the options are not shown here
            .order_by(Consultation.closes_at, Consultation.id)
            .limit(BLOCK)
        )
    )
    return found


# --- what needs one person ------------------------------------------------------------------


@dataclass
class OpenVote:
    poll: Poll
    meeting: Meeting
    voted: bool  # a ballot (named) or a participation (secret) counted for this member


@dataclass
class Convened:
    meeting: Meeting
    present: bool
    delegated_to: str | None  # the name of the member holding this member's proxy


@dataclass
class OpenConsultation:
    consultation: Consultation
    answered: bool


@dataclass
class Reply:
    comment: Comment
    author: str
    proposal_title: str
    url: str


@dataclass
class Change:
    proposal: Proposal
    at: datetime
    version: int | None = None  # a new version, its number
    state: str | None = None  # a change of state, the new one


@dataclass
class Personal:
    """None: the block does not concern this person (their roles); a list: its rows."""

    votes: list[OpenVote] | None = None
    meetings: list[Convened] | None = None
    consultations: list[OpenConsultation] | None = None
    invitations: list[ProposalCosigner] | None = None
    replies: list[Reply] | None = None
    changes: list[Change] | None = None


def personal(db: Session, actor: Any, now: datetime | None = None) -> Personal | None:
    """What needs this person, block by block; None for the public (and pending accounts)."""
    user = permissions.as_user(actor)
    if user is None:
        return None
    now = now or utcnow()
    mine = Personal()
    if permissions.can(user, "ballot.cast"):
        mine.votes = open_votes(db, user)
    if permissions.can(user, "attendance.self"):
        mine.meetings = convened(db, user, now)
    if any(role in user.roles for role in AUDIENCE_ROLE.values()):
        mine.consultations = open_consultations(db, user, now)
    if user.organisation_id is not None and permissions.can(user, "proposal.cosign_respond"):
        mine.invitations = invitations(db, user)
    if permissions.can(user, "comment.create"):
        mine.replies = replies(db, user)
        mine.changes = changes(db, user, now)
    return mine


def open_votes(db: Session, user: User) -> list[OpenVote]:
    """Polls open now in a session where this member is checked in."""
    voted = or_(
        exists().where(Ballot.poll_id == Poll.id, Ballot.cast_for_id == user.id),
        exists().where(Participation.poll_id == Poll.id, Participation.cast_for_id == user.id),
    )
    rows = db.execute(
        select(Poll, Meeting, voted.label("voted"))
        .join(Meeting, Meeting.id == Poll.meeting_id)
        .join(
            Attendance,
            and_(
                Attendance.meeting_id == Meeting.id,
                Attendance.user_id == user.id,
                Attendance.present.is_(True),
            ),
        )
        .where(Poll.state == PollState.OPEN, Meeting.state.in_(LIVE_STATES))
        .order_by(Poll.opened_at, Poll.id)
        .limit(MINE)
    ).all()
    return [OpenVote(poll, meeting, bool(done)) for poll, meeting, done in rows]


def convened(db: Session, user: User, now: datetime) -> list[Convened]:
    """Convened meetings still to come, with this member's presence and proxy."""
    holder = aliased(User)
    rows = db.execute(
        select(Meeting, Attendance.present, holder.name)
        .outerjoin(
            Attendance, and_(Attendance.meeting_id == Meeting.id, Attendance.user_id == user.id)
        )
        .outerjoin(
            Proxy,
            and_(
                Proxy.meeting_id == Meeting.id,
                Proxy.from_user_id == user.id,
                Proxy.revoked_at.is_(None),
            ),
        )
        .outerjoin(holder, holder.id == Proxy.to_user_id)
        .where(Meeting.state == MeetingState.CONVENED, Meeting.ends_at >= now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(MINE)
    ).all()
    return [Convened(meeting, bool(present), name) for meeting, present, name in rows]


def open_consultations(db: Session, user: User, now: datetime) -> list[OpenConsultation]:
    """Open consultations of this person's audience, those not yet answered first."""
    audiences = [a for a, role in AUDIENCE_ROLE.items() if role in user.roles]
    answered = exists().where(
        ConsultationResponse.consultation_id == Consultation.id,
        ConsultationResponse.user_id == user.id,
    )
    rows = db.execute(
        select(Consultation, answered.label("answered"))
        .where(
            Consultation.state == ConsultationState.OPEN,
            Consultation.closes_at > now,
            Consultation.audience.in_(audiences),
        )
        .options(lazyload(Consultation.options))
        .order_by(answered, Consultation.closes_at, Consultation.id)
        .limit(MINE)
    ).all()
    return [OpenConsultation(c, bool(done)) for c, done in rows]


def invitations(db: Session, user: User) -> list[ProposalCosigner]:
    """Invitations to this person's organisation not yet answered, on proposals that can still
    be co-signed."""
    return list(
        db.scalars(
            select(ProposalCosigner)
            .join(Proposal, Proposal.id == ProposalCosigner.proposal_id)
            .where(
                ProposalCosigner.organisation_id == user.organisation_id,
                ProposalCosigner.state == CosignState.INVITED,
                Proposal.state.in_(INVITABLE),
            )
            .options(contains_eager(ProposalCosigner.proposal))
            .order_by(ProposalCosigner.created_at.desc(), ProposalCosigner.id.desc())
            .limit(MINE)
        )
    )


def replies(db: Session, user: User) -> list[Reply]:
    """The latest visible replies of others to this person's comments."""
    parent, author = aliased(Comment), aliased(User)
    rows = db.execute(
        select(Comment, author.name, Proposal.title)
        .join(parent, parent.id == Comment.parent_id)
        .join(author, author.id == Comment.author_id)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(
            parent.author_id == user.id,
            Comment.author_id != user.id,
            Comment.state == CommentState.VISIBLE,
            Proposal.submitted_at.is_not(None),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(MINE)
    ).all()
    return [Reply(c, name, title, public_paths.comment(c)) for c, name, title in rows]


def changes(db: Session, user: User, now: datetime) -> list[Change]:
    """The latest new version or change of state of each proposal this person follows, made
    since they follow it and in the last FOLLOWED_DAYS days; the newest first."""
    since = now - timedelta(days=FOLLOWED_DAYS)
    follows = dict(
        db.execute(
            select(Follow.target_id, Follow.created_at)
            .where(Follow.user_id == user.id, Follow.target == FollowTarget.PROPOSAL)
            .order_by(Follow.created_at.desc())
            .limit(FOLLOWS_READ)
        ).all()
    )
    if not follows:
        return []
    latest: dict[int, Change] = {}

    def keep(proposal_id: int, at: datetime, **what: Any) -> None:
        if at < max(follows[proposal_id], since):
            return
        if proposal_id not in latest or at > latest[proposal_id].at:
            latest[proposal_id] = Change(None, at, **what)  # type: ignore[arg-type]  # proposal set below

    versions = db.execute(
        select(
            ProposalVersion.proposal_id, ProposalVersion.created_at, ProposalVersion.number
        ).where(
            ProposalVersion.proposal_id.in_(list(follows)),
            ProposalVersion.number > 1,
            ProposalVersion.created_at >= since,
        )
    )
    for proposal_id, at, number in versions:
        keep(proposal_id, at, version=number)
    events = db.execute(
        select(RecordEvent.subject, RecordEvent.at, RecordEvent.data).where(
            RecordEvent.subject.in_([f"proposal:{pid}" for pid in follows]),
            RecordEvent.kind == "proposal.state_changed",
            RecordEvent.at >= since.strftime(RECORD_TIME),
        )
    )
    for subject, stamp, data in events:
        state = _state_of(data)
        moment = datetime.strptime(stamp, RECORD_TIME).replace(tzinfo=UTC)
        keep(int(subject.partition(":")[2]), moment, state=state)
    if not latest:
        return []
    newest = sorted(latest.items(), key=lambda kv: kv[1].at, reverse=True)[:MINE]
    proposals = {
        p.id: p for p in db.scalars(select(Proposal).where(Proposal.id.in_([k for k, _ in newest])))
    }
    found = []
    for proposal_id, change in newest:
        proposal = proposals.get(proposal_id)
        if proposal is not None and proposal_queries.visible(user, proposal):
            change.proposal = proposal
            found.append(change)
    return found


def _state_of(data: str) -> str | None:
    try:
        value = json.loads(data).get("to")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
