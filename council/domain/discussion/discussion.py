"""Reading a proposal's discussion: pages of threads, the stance tally, paragraph anchors.

Queries are bounded and eager-load the authors (no N+1): a page of top-level comments,
then every reply of those threads in one query (by root_id), assembled into a tree here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from council.domain import permissions
from council.errors import NotFound
from council.models.comment import Comment, CommentRevision, CommentState, Stance
from council.models.proposal import Proposal, ProposalVersion
from council.models.user import User

PAGE_SIZE = 50
STANCES = (Stance.IN_FAVOUR, Stance.AGAINST, Stance.NEUTRAL)

_WITH_AUTHOR = selectinload(Comment.author).selectinload(User.organisation)


def readable_proposal(db: Session, actor, proposal_id: int) -> Proposal:
    """A published (submitted) proposal, whose discussion anyone may read; else NotFound."""
    proposal = db.get(Proposal, proposal_id)
    if (
        proposal is None
        or proposal.submitted_at is None  # a draft, even a withdrawn one, stays private
        or not permissions.can(actor, "proposal.read", proposal)
    ):
        raise NotFound(_("This proposal does not exist or is not published."))
    return proposal


def get_comment(db: Session, proposal: Proposal, comment_id: int) -> Comment:
    comment = db.get(Comment, comment_id)
    if comment is None or comment.proposal_id != proposal.id:
        raise NotFound(_("This comment does not exist."))
    return comment


def version_numbers(db: Session, proposal: Proposal) -> dict[int, int]:
    """version id -> its number, to label comments written on an earlier version."""
    rows = db.execute(
        select(ProposalVersion.id, ProposalVersion.number).where(
            ProposalVersion.proposal_id == proposal.id
        )
    )
    return {version_id: number for version_id, number in rows}


def tally(db: Session, version_id: int) -> dict[str, int]:
    """Stances on one version: each author counts once, with the stance of their most recent
    visible comment that takes one (replies included); deleted and hidden comments never
    count. Returns counts per stance value and the total."""
    latest = (
        select(func.max(Comment.id))
        .where(
            Comment.version_id == version_id,
            Comment.state == CommentState.VISIBLE,
            Comment.stance.is_not(None),
        )
        .group_by(Comment.author_id)
    )
    rows = db.execute(
        select(Comment.stance, func.count())
        .where(Comment.id.in_(latest.scalar_subquery()))
        .group_by(Comment.stance)
    )
    counts = {str(stance): 0 for stance in STANCES}
    for stance, count in rows:
        counts[str(stance)] = count
    counts["total"] = sum(counts[str(stance)] for stance in STANCES)
    return counts


@dataclass
class Page:
    items: list[Comment]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _paged(db: Session, query, number: int, newest_first: bool) -> Page:
    number = max(1, min(number, 100_000))
    order = Comment.id.desc() if newest_first else Comment.id.asc()
    rows = list(
        db.scalars(
            query.options(_WITH_AUTHOR)
            .order_by(order)
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return Page(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)


def roots_page(db: Session, proposal: Proposal, number: int = 1, newest_first=True) -> Page:
    """A page of top-level comments (all states: a removed one stays as a placeholder)."""
    query = select(Comment).where(Comment.proposal_id == proposal.id, Comment.parent_id.is_(None))
    return _paged(db, query, number, newest_first)


def stance_page(
    db: Session, proposal: Proposal, stance: Stance, number: int = 1, newest_first=True
) -> Page:
    """A flat page of the visible comments (any depth) that take this stance."""
    query = select(Comment).where(
        Comment.proposal_id == proposal.id,
        Comment.stance == stance,
        Comment.state == CommentState.VISIBLE,
    )
    return _paged(db, query, number, newest_first)


@dataclass
class Tree:
    """Replies arranged under their parents, oldest first, with descendant counts."""

    children: dict[int, list[Comment]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[int, int] = field(default_factory=dict)

    def replies(self, comment: Comment) -> list[Comment]:
        return self.children.get(comment.id, [])

    def descendants(self, comment: Comment) -> int:
        return self.counts.get(comment.id, 0)


def build_tree(comments: list[Comment]) -> Tree:
    tree = Tree()
    for comment in sorted(comments, key=lambda c: c.id):
        if comment.parent_id is not None:
            tree.children[comment.parent_id].append(comment)
    # deepest first, so each comment's count is complete before its parent adds it
    for comment in sorted(comments, key=lambda c: c.depth, reverse=True):
        if comment.parent_id is not None:
            below = tree.counts.get(comment.id, 0)
            tree.counts[comment.parent_id] = tree.counts.get(comment.parent_id, 0) + 1 + below
    return tree


def replies_of(db: Session, roots: list[Comment]) -> list[Comment]:
    """Every reply in the threads of these top-level comments, in one query."""
    ids = [root.id for root in roots]
    if not ids:
        return []
    return list(
        db.scalars(
            select(Comment)
            .where(Comment.root_id.in_(ids))
            .options(_WITH_AUTHOR)
            .order_by(Comment.id)
        )
    )


def thread_of(db: Session, comment: Comment) -> tuple[Comment, list[Comment]]:
    """The top-level comment of this comment's thread, and all its replies."""
    root = comment if comment.root_id is None else db.get(Comment, comment.root_id)
    assert root is not None
    return root, replies_of(db, [root])


def paragraph_comments(db: Session, version_id: int) -> dict[int, list[Comment]]:
    """Visible comments anchored to a paragraph of this version, by paragraph index."""
    rows = db.scalars(
        select(Comment)
        .where(
            Comment.version_id == version_id,
            Comment.paragraph.is_not(None),
            Comment.state == CommentState.VISIBLE,
        )
        .options(_WITH_AUTHOR)
        .order_by(Comment.id)
    )
    anchored: dict[int, list[Comment]] = defaultdict(list)
    for comment in rows:
        anchored[comment.paragraph].append(comment)  # type: ignore[index]  # not null: selected so
    return dict(anchored)


def revisions(db: Session, comment: Comment) -> list[CommentRevision]:
    """Earlier texts, newest first (empty for removed comments: their text is not shown)."""
    if comment.state != CommentState.VISIBLE:
        return []
    return list(
        db.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.id.desc())
        )
    )
