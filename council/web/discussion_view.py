"""What the discussion templates need, gathered once per request: the page of threads, the
tally, who may do what. The proposal page includes proposals/_discussion.html, which asks
here through the template global `discussion(proposal, version)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import g, request
from flask_login import current_user

from council.domain import permissions
from council.domain.discussion import comments, discussion
from council.extensions import db
from council.markdown import paragraph_numbers, paragraphs, prefetch, render
from council.models.comment import Comment, CommentRevision, CommentState, Stance
from council.models.proposal import Proposal, ProposalVersion
from council.web.comment_forms import CommentForm

PAGE_LEVELS = 2  # reply levels shown under a top-level comment on the proposal page
THREAD_LEVELS = 6  # reply levels shown on a thread page before folding again
ORDERS = ("newest", "oldest")
# Query parameters of the discussion, prefixed so they never clash with the page's own.
ORDER_ARG, STANCE_ARG, PAGE_ARG = "c_order", "c_stance", "c_page"


def proposal_url(proposal: Proposal) -> str:
    return f"/proposals/{proposal.id}"


@dataclass
class Discussion:
    proposal: Proposal
    version: ProposalVersion  # the version the reader is looking at
    current: ProposalVersion  # the one new comments attach to
    max_level: int = PAGE_LEVELS
    order: str = "newest"
    stance: str | None = None
    page: discussion.Page | None = None
    tree: discussion.Tree = field(default_factory=discussion.Tree)
    focus: Comment | None = None  # the thread page's comment
    root: Comment | None = None
    tally: dict[str, int] = field(default_factory=dict)
    numbers: dict[int, int] = field(default_factory=dict)
    form: CommentForm | None = None

    @property
    def open(self) -> bool:
        return comments.is_open(self.proposal)

    @property
    def is_current(self) -> bool:
        return self.version.id == self.current.id

    @property
    def can_comment(self) -> bool:
        return self.open and permissions.can(current_user, "comment.create", self.proposal)

    @property
    def can_moderate(self) -> bool:
        return permissions.can(current_user, "comment.moderate")

    def mine(self, comment: Comment) -> bool:
        user = permissions.as_user(current_user)
        return user is not None and user.id == comment.author_id

    def may_change(self, comment: Comment) -> bool:
        return (
            self.open
            and comment.state == CommentState.VISIBLE
            and permissions.can(current_user, "comment.edit", comment)
        )

    def may_reply(self, comment: Comment) -> bool:
        return self.can_comment and comment.state == CommentState.VISIBLE

    def version_number(self, comment: Comment) -> int | None:
        """The number of the version a comment was written on, if not the one shown."""
        if comment.version_id == self.version.id:
            return None
        return self.numbers.get(comment.version_id)

    def url(self, **changes) -> str:
        """This page with the discussion's parameters changed, back at the discussion."""
        args: dict[str, Any] = {
            k: v for k, v in request.args.items() if k not in (ORDER_ARG, STANCE_ARG, PAGE_ARG)
        }
        current = {ORDER_ARG: self.order, STANCE_ARG: self.stance or "", PAGE_ARG: 1}
        if self.page is not None:
            current[PAGE_ARG] = self.page.number
        current.update({f"c_{k}": v for k, v in changes.items()})
        defaults = {ORDER_ARG: "newest", STANCE_ARG: "", PAGE_ARG: 1}
        args.update({k: v for k, v in current.items() if v != defaults[k]})
        query = urlencode(args)
        return request.path + (f"?{query}" if query else "") + "#discussion"

    def other_args(self) -> list[tuple[str, str]]:
        """The page's own query parameters, kept by the filter form."""
        return [
            (k, v)
            for k, v in request.args.items(multi=True)
            if k not in (ORDER_ARG, STANCE_ARG, PAGE_ARG)
        ][:20]


def comment_html(comment: Comment):
    """The body of a visible comment as safe HTML; nothing for a deleted or hidden one."""
    if comment.state != CommentState.VISIBLE:
        return None
    return render(comment.body)


def revision_html(revision: CommentRevision, comment: Comment):
    if comment.state != CommentState.VISIBLE:
        return None
    return render(revision.body)


def paragraph_texts(version: ProposalVersion) -> list[str]:
    return paragraphs(version.body)


def numbers_of(version: ProposalVersion) -> list[int | None]:
    """The § number of each block of a version (None: a heading), once per request."""
    key = ("numbers", version.id)
    cached = g.get("discussions", {}).get(key)
    if cached is None:
        blocks = paragraphs(version.body)
        prefetch(db.session, blocks)
        cached = paragraph_numbers(blocks)
        g.setdefault("discussions", {})[key] = cached
    return cached


def paragraph_number(version: ProposalVersion, index: int | None) -> int | None:
    """The § number people see for a paragraph index (None: no such paragraph, a heading)."""
    numbers = numbers_of(version)
    return numbers[index] if index is not None and 0 <= index < len(numbers) else None


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else 1


def base(proposal: Proposal, version: ProposalVersion | None = None, **kw) -> Discussion:
    current = comments.current_version(db.session, proposal)
    return Discussion(
        proposal=proposal,
        version=version or current,
        current=current,
        numbers=discussion.version_numbers(db.session, proposal),
        **kw,
    )


def for_page(proposal: Proposal, version: ProposalVersion | None = None) -> Discussion:
    """The discussion under a proposal's text: a page of threads, or of one stance."""
    key = ("discussion", proposal.id, version.id if version else None)
    cached = g.get("discussions", {}).get(key)
    if cached is not None:
        return cached
    order = request.args.get(ORDER_ARG)
    stance = request.args.get(STANCE_ARG)
    view = base(
        proposal,
        version,
        order=order if order in ORDERS else "newest",
        stance=stance if stance in set(Stance) else None,
    )
    number = _page_number(request.args.get(PAGE_ARG))
    newest = view.order == "newest"
    if view.stance:
        view.page = discussion.stance_page(
            db.session, proposal, Stance(view.stance), number, newest
        )
    else:
        view.page = discussion.roots_page(db.session, proposal, number, newest)
        replies = discussion.replies_of(db.session, view.page.items)
        view.tree = discussion.build_tree(replies)
        prefetch(db.session, [c.body for c in replies])
    prefetch(db.session, [c.body for c in view.page.items])
    view.tally = discussion.tally(db.session, view.version.id)
    view.form = CommentForm(formdata=None, next=request.path)
    g.setdefault("discussions", {})[key] = view
    return view


def for_thread(proposal: Proposal, comment: Comment) -> Discussion:
    """One thread from `comment` down, folded again after THREAD_LEVELS levels."""
    root, replies = discussion.thread_of(db.session, comment)
    view = base(proposal, max_level=THREAD_LEVELS, focus=comment, root=root)
    view.tree = discussion.build_tree(replies)
    return view


def paragraph_comments(proposal: Proposal, version: ProposalVersion) -> dict[int, list[Comment]]:
    """Per paragraph index, the visible comments anchored there (one query per page)."""
    key = ("paragraphs", version.id)
    cached = g.get("discussions", {}).get(key)
    if cached is None:
        cached = discussion.paragraph_comments(db.session, version.id)
        prefetch(db.session, [c.body for anchored in cached.values() for c in anchored])
        g.setdefault("discussions", {})[key] = cached
    return cached
