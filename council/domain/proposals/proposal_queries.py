"""Reading proposals: who may see which, the searchable list, versions and their differences."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from council import clock, markdown
from council.domain import permissions
from council.errors import NotFound
from council.models.organisation import Organisation
from council.models.proposal import (
    CosignState,
    Proposal,
    ProposalCosigner,
    ProposalState,
    ProposalVersion,
    Support,
    proposal_zones,
)
from council.models.user import User

STATE_LABELS = {
    ProposalState.DRAFT: _l("Draft"),
    ProposalState.CONSULTATION: _l("In consultation"),
    ProposalState.ON_AGENDA: _l("On the agenda"),
    ProposalState.APPROVED: _l("Approved"),
    ProposalState.REJECTED: _l("Rejected"),
    ProposalState.WITHDRAWN: _l("Withdrawn"),
    ProposalState.REFERRED_BACK: _l("Referred back"),
}
PAGE_SIZE = 20
SORTS = ("newest", "discussed", "deadline")
MAX_WORDS = 8


def is_public(proposal: Proposal) -> bool:
    """Submitted once: from then on the proposal and its history are public, whatever its state."""
    return proposal.submitted_at is not None


def visible(actor: Any, proposal: Proposal) -> bool:
    """Published proposals are for everyone; a draft for its author and invited organisations."""
    if is_public(proposal):
        return permissions.can(actor, "proposal.read", proposal)
    return permissions.can(actor, "proposal.read_draft", proposal)


def get(db: Session, proposal_id: int) -> Proposal:
    proposal = db.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("This proposal does not exist."))
    return proposal


def get_visible(db: Session, actor: Any, proposal_id: int) -> Proposal:
    """The proposal if the actor may read it; a draft of someone else is NotFound, not 403."""
    proposal = get(db, proposal_id)
    if not visible(actor, proposal):
        raise NotFound(_("This proposal does not exist."))
    return proposal


def version(db: Session, proposal: Proposal, number: int) -> ProposalVersion:
    found = db.scalar(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    )
    if found is None:
        raise NotFound(_("This version does not exist."))
    return found


def current(db: Session, proposal: Proposal) -> ProposalVersion:
    return version(db, proposal, proposal.current_version)


def support_of(db: Session, proposal: Proposal, organisation_id: int | None) -> Support | None:
    if organisation_id is None:
        return None
    return db.scalar(
        select(Support).where(
            Support.proposal_id == proposal.id, Support.organisation_id == organisation_id
        )
    )


# --- the list -------------------------------------------------------------------------------


@dataclass
class Filters:
    words: str = ""
    state: ProposalState | None = None
    zone_id: int | None = None
    topic_id: int | None = None
    organisation_id: int | None = None
    community_point_id: int | None = None  # proposed or co-signed by its organisations
    author: str | None = None  # public id
    sort: str = "newest"
    page: int = 1
    per_page: int = PAGE_SIZE


@dataclass
class Results:
    rows: list[Proposal] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1


def concerning_point(point_id: int):
    """The ids of the proposals that concern a Punto di comunità: filed by one of its
    organisations, or co-signed by one (an accepted invitation)."""
    organisations = select(Organisation.id).where(Organisation.community_point_id == point_id)
    cosigned = select(ProposalCosigner.proposal_id).where(
        ProposalCosigner.organisation_id.in_(organisations),
        ProposalCosigner.state == CosignState.ACCEPTED,
    )
    return select(Proposal.id).where(
        or_(Proposal.organisation_id.in_(organisations), Proposal.id.in_(cosigned))
    )


def _words(text: str) -> list[str]:
    return [w.lower() for w in (text or "").split()][:MAX_WORDS]


def search(db: Session, actor: Any, filters: Filters, *, now: datetime | None = None) -> Results:
    """Published proposals matching the filters; `state=draft` lists the actor's own drafts."""
    now = now or clock.now()
    user = permissions.as_user(actor)
    query = select(Proposal)
    if filters.state == ProposalState.DRAFT:
        if user is None:
            return Results()
        query = query.where(
            Proposal.state == ProposalState.DRAFT,
            Proposal.author_id == user.id,
            Proposal.submitted_at.is_(None),
        )
    else:
        query = query.where(Proposal.submitted_at.is_not(None))
        if filters.state is not None:
            query = query.where(Proposal.state == filters.state)
    words = _words(filters.words)
    if words:
        body = ProposalVersion.body
        query = query.join(
            ProposalVersion,
            and_(
                ProposalVersion.proposal_id == Proposal.id,
                ProposalVersion.number == Proposal.current_version,
            ),
        )
        for word in words:
            query = query.where(
                or_(
                    func.lower(Proposal.title).contains(word, autoescape=True),
                    func.lower(body).contains(word, autoescape=True),
                )
            )
    if filters.zone_id is not None:
        query = query.where(
            Proposal.id.in_(
                select(proposal_zones.c.proposal_id).where(
                    proposal_zones.c.zone_id == filters.zone_id
                )
            )
        )
    if filters.topic_id is not None:
        query = query.where(Proposal.topic_id == filters.topic_id)
    if filters.organisation_id is not None:
        query = query.where(Proposal.organisation_id == filters.organisation_id)
    if filters.community_point_id is not None:
        query = query.where(Proposal.id.in_(concerning_point(filters.community_point_id)))
    if filters.author:
        query = query.where(
            Proposal.author_id.in_(select(User.id).where(User.public_id == filters.author))
        )
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    per_page = max(1, min(filters.per_page, 100))
    pages = max(1, -(-total // per_page))
    page = min(max(1, filters.page), pages)
    query = query.order_by(*_ordering(filters.sort, now), Proposal.id.desc())
    query = query.options(
        selectinload(Proposal.zones), selectinload(Proposal.organisation),
        selectinload(Proposal.topic),
    )  # fmt: skip
    rows = list(db.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Results(rows=rows, total=total, page=page, pages=pages)


def _ordering(sort: str, now: datetime) -> list:
    if sort == "discussed":
        return [Proposal.comment_count.desc(), Proposal.last_activity_at.desc()]
    if sort == "deadline":
        # Open consultations first, the soonest closing on top; then closed ones, latest first.
        deadline = Proposal.consultation_deadline
        bucket = case((deadline.is_(None), 2), (deadline < now, 1), else_=0)
        upcoming = case((deadline >= now, deadline), else_=None)
        return [bucket, upcoming.asc(), deadline.desc()]
    return [func.coalesce(Proposal.submitted_at, Proposal.created_at).desc()]


def excerpts(db: Session, rows: list[Proposal], limit: int = 220) -> dict[int, str]:
    """A plain-text start of each proposal's current text, for lists."""
    if not rows:
        return {}
    query = select(ProposalVersion.proposal_id, ProposalVersion.body).join(
        Proposal,
        and_(
            Proposal.id == ProposalVersion.proposal_id,
            Proposal.current_version == ProposalVersion.number,
        ),
    )
    query = query.where(Proposal.id.in_([p.id for p in rows]))
    bodies = db.execute(query).all()
    markdown.prefetch(db, [body for _pid, body in bodies])
    return {pid: markdown.plain(body, limit) for pid, body in bodies}


# --- differences between versions -----------------------------------------------------------

_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    op: str  # "same", "added", "removed"
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """Word-level difference of two markdown sources; whitespace is kept as its own token."""
    a = _TOKEN.findall((old or "").replace("\r\n", "\n"))
    b = _TOKEN.findall((new or "").replace("\r\n", "\n"))
    # The common start and end are set aside first: a new version usually changes a part of
    # the text, and the matcher's cost grows much faster than the length it is given.
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    head, tail = a[:start], a[len(a) - end :]
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    pieces: list[Piece] = []

    def add(op: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    add("same", head)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("removed", a[i1:i2])
            add("added", b[j1:j2])
    add("same", tail)
    return pieces
