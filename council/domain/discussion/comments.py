"""Comments on proposals: post, edit, delete (by the author), hide and unhide (moderation).

Each operation checks permissions and the proposal's state, writes the rows, keeps the
denormalised counters (Proposal.comment_count: visible comments; Comment.reply_count: direct
replies), appends the record event and writes the notifications, in the caller's transaction.
The record carries a SHA-256 of the text, never the text itself, so that a moderated or deleted
comment is not republished forever by the record (docs/record.md).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from council import plain_text, public_paths
from council.domain import permissions
from council.domain.discussion.comment_rules import (
    check_duplicate,
    check_rate,
    clean_body,
    clean_reason,
    parse_stance,
)
from council.domain.notifications import notifications
from council.domain.record import record
from council.errors import InvalidState, NotFound, ValidationError
from council.markdown import paragraph_numbers, paragraphs
from council.models.base import utcnow
from council.models.comment import Comment, CommentRevision, CommentState, Stance
from council.models.proposal import FollowTarget, Proposal, ProposalState, ProposalVersion
from council.models.user import User


def is_open(proposal: Proposal, now: datetime | None = None) -> bool:
    """Comments are taken while the proposal is in consultation and before its deadline."""
    if proposal.state != ProposalState.CONSULTATION:
        return False
    deadline = proposal.consultation_deadline
    return deadline is None or (now or utcnow()) < deadline


def _fresh(db: Session, *rows) -> None:
    """Re-read rows inside this transaction (row-locked on PostgreSQL): the page that led
    here may have seen an older state (a consultation since closed, a comment since hidden)."""
    for row in rows:
        if row is not None:
            db.refresh(row, with_for_update=True)


def _require_open(proposal: Proposal, now: datetime | None = None) -> None:
    if not is_open(proposal, now):
        raise InvalidState(_("The consultation is closed."))


def current_version(db: Session, proposal: Proposal) -> ProposalVersion:
    version = db.scalar(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id,
            ProposalVersion.number == proposal.current_version,
        )
    )
    if version is None:
        raise InvalidState(_("This proposal has no text to comment on yet."))
    return version


def _check_parent(proposal: Proposal, parent: Comment | None) -> None:
    if parent is None:
        return
    if parent.proposal_id != proposal.id:
        raise NotFound(_("The comment you are replying to does not exist."))
    if parent.state != CommentState.VISIBLE:
        raise InvalidState(_("You cannot reply to a deleted or hidden comment."))


def _check_paragraph(version: ProposalVersion, paragraph: int | None, parent) -> int | None:
    if paragraph is None:
        return None
    if parent is not None:
        raise ValidationError(
            _("Only a new comment, not a reply, can refer to a paragraph."), field="paragraph"
        )
    if isinstance(paragraph, bool) or not isinstance(paragraph, int):
        raise ValidationError(_("This paragraph does not exist."), field="paragraph")
    blocks = paragraphs(version.body)
    if not 0 <= paragraph < len(blocks):
        raise ValidationError(_("This paragraph does not exist."), field="paragraph")
    if paragraph_numbers(blocks)[paragraph] is None:
        raise ValidationError(
            _("A heading cannot be commented on: comment on a paragraph of text."),
            field="paragraph",
        )
    return paragraph


def _bump_visible(db: Session, proposal: Proposal, by: int) -> None:
    db.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(comment_count=Proposal.comment_count + by)
        .execution_options(synchronize_session=False)
    )
    db.expire(proposal, ["comment_count"])


def post_comment(
    db: Session,
    actor: User | None,
    proposal: Proposal,
    body: str,
    stance: Stance | str | None = None,
    parent: Comment | None = None,
    paragraph: int | None = None,
    now: datetime | None = None,
) -> Comment:
    """Post a comment (or a reply to `parent`) on the proposal's current version.

    `now` is the moment of posting (default: the clock), as in proposals.submit().

    Raises NotAllowed (public, pending accounts, roles without comment.create), InvalidState
    (consultation closed, parent hidden or deleted, the same text posted twice), NotFound
    (parent of another proposal), ValidationError (body, stance, paragraph), RateLimited.
    """
    user = permissions.require(actor, "comment.create", proposal)
    _fresh(db, proposal, parent)
    _require_open(proposal, now)
    text = clean_body(body)
    chosen = parse_stance(stance)
    _check_parent(proposal, parent)
    version = current_version(db, proposal)
    anchor = _check_paragraph(version, paragraph, parent)
    check_rate(db, user)
    check_duplicate(db, user, proposal, text, parent)

    comment = Comment(
        proposal_id=proposal.id,
        version_id=version.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_id=user.id,
        author=user,
        body=text,
        stance=chosen,
        paragraph=anchor,
        state=CommentState.VISIBLE,
        created_at=now or utcnow(),
        reply_count=0,
    )
    db.add(comment)
    if parent is not None:
        db.execute(
            update(Comment)
            .where(Comment.id == parent.id)
            .values(reply_count=Comment.reply_count + 1)
            .execution_options(synchronize_session=False)
        )
        db.expire(parent, ["reply_count"])
    _bump_visible(db, proposal, +1)
    proposal.last_activity_at = comment.created_at
    db.flush()

    record.append(
        db,
        kind="comment.posted",
        actor=user,
        subject=f"comment:{comment.id}",
        data={
            "proposal": proposal.id,
            "version": version.number,
            "parent": parent.id if parent else None,
            "stance": str(chosen) if chosen else None,
            "paragraph": anchor,
            "body_sha256": plain_text.sha256(text),
        },
    )
    _notify(db, user, proposal, comment, parent)
    return comment


def _notify(
    db: Session, user: User, proposal: Proposal, comment: Comment, parent: Comment | None
) -> None:
    # notify() adds the actor's id: the current name is shown, never a stale copy
    params = {"proposal": proposal.id, "title": proposal.title, "comment": comment.id}
    url = public_paths.comment(comment)
    replied_to: set[int] = set()
    if parent is not None:
        parent_author = db.get(User, parent.author_id)
        if parent_author is not None:
            replied_to.add(parent_author.id)
            notifications.notify(
                db,
                [parent_author],
                kind="reply",
                subject=f"comment:{comment.id}",
                url=url,
                params=params,
                actor=user,
            )
    followers = [
        person
        for person in notifications.followers(db, FollowTarget.PROPOSAL, proposal.id)
        if person.id not in replied_to
    ]
    notifications.notify(
        db,
        followers,
        kind="new_comment",
        subject=f"comment:{comment.id}",
        url=url,
        params=params,
        actor=user,
    )


def _require_not_removed(comment: Comment) -> None:
    if comment.state == CommentState.DELETED:
        raise InvalidState(_("This comment was deleted."))
    if comment.state == CommentState.HIDDEN:
        raise InvalidState(_("This comment was hidden by the secretariat."))


def _proposal_of(db: Session, comment: Comment) -> Proposal:
    proposal = db.get(Proposal, comment.proposal_id)
    assert proposal is not None
    return proposal


def check_changeable(
    db: Session, actor: User | None, comment: Comment, action: str, now: datetime | None = None
) -> User:
    """What edit_comment and delete_comment check first (action: comment.edit or
    comment.delete); the pages that ask for the change check it too."""
    user = permissions.require(actor, action, comment)
    _require_open(_proposal_of(db, comment), now)
    _require_not_removed(comment)
    return user


def edit_comment(
    db: Session,
    actor: User | None,
    comment: Comment,
    body: str,
    stance: Stance | str | None = None,
    now: datetime | None = None,
) -> Comment:
    """Change one's own comment; the earlier text and stance are kept as a revision.

    Raises NotAllowed (not the author), InvalidState (consultation closed, comment deleted
    or hidden), ValidationError. Sending the same text and stance again changes nothing.
    """
    _fresh(db, comment, _proposal_of(db, comment))
    user = check_changeable(db, actor, comment, "comment.edit", now)
    proposal = _proposal_of(db, comment)
    text = clean_body(body)
    chosen = parse_stance(stance)
    if text == comment.body and chosen == comment.stance:
        return comment
    db.add(
        CommentRevision(
            comment_id=comment.id,
            body=comment.body,
            stance=comment.stance,
            written_at=comment.edited_at or comment.created_at,
        )
    )
    comment.body, comment.stance, comment.edited_at = text, chosen, now or utcnow()
    proposal.last_activity_at = comment.edited_at
    db.flush()
    db.expire(comment, ["revisions"])
    record.append(
        db,
        kind="comment.edited",
        actor=user,
        subject=f"comment:{comment.id}",
        data={
            "proposal": comment.proposal_id,
            "body_sha256": plain_text.sha256(text),
            "stance": str(chosen) if chosen else None,
        },
    )
    return comment


def delete_comment(
    db: Session, actor: User | None, comment: Comment, now: datetime | None = None
) -> Comment:
    """Delete one's own comment: a placeholder stays in the thread, replies stay.

    The text and its earlier versions are erased. Raises NotAllowed (not the author),
    InvalidState (consultation closed, already deleted, hidden by moderation).
    """
    _fresh(db, comment, _proposal_of(db, comment))
    user = check_changeable(db, actor, comment, "comment.delete", now)
    proposal = _proposal_of(db, comment)
    comment.state = CommentState.DELETED
    comment.body, comment.stance = "", None
    for revision in list(comment.revisions):
        db.delete(revision)
    _bump_visible(db, proposal, -1)
    db.flush()
    db.expire(comment, ["revisions"])
    record.append(
        db,
        kind="comment.deleted",
        actor=user,
        subject=f"comment:{comment.id}",
        data={"proposal": comment.proposal_id},
    )
    return comment


def hide_comment(db: Session, actor: User | None, comment: Comment, reason: str) -> Comment:
    """Moderation: hide a comment's text from everyone, with a reason shown publicly.

    Raises NotAllowed (not the secretariat), InvalidState (already hidden, or deleted),
    ValidationError (reason of 5 to 500 characters).
    """
    user = permissions.require(actor, "comment.moderate", comment)
    _fresh(db, comment)
    if comment.state == CommentState.HIDDEN:
        raise InvalidState(_("This comment is already hidden."))
    if comment.state == CommentState.DELETED:
        raise InvalidState(_("This comment was deleted."))
    text = clean_reason(reason)
    comment.state = CommentState.HIDDEN
    comment.hidden_reason, comment.hidden_by_id = text, user.id
    _bump_visible(db, _proposal_of(db, comment), -1)
    db.flush()
    record.append(
        db,
        kind="comment.hidden",
        actor=user,
        subject=f"comment:{comment.id}",
        data={"proposal": comment.proposal_id, "reason": text},
    )
    return comment


def unhide_comment(db: Session, actor: User | None, comment: Comment) -> Comment:
    """Moderation: show a hidden comment again. Raises NotAllowed, InvalidState."""
    user = permissions.require(actor, "comment.moderate", comment)
    _fresh(db, comment)
    if comment.state != CommentState.HIDDEN:
        raise InvalidState(_("This comment is not hidden."))
    comment.state = CommentState.VISIBLE
    comment.hidden_reason, comment.hidden_by_id = None, None
    _bump_visible(db, _proposal_of(db, comment), +1)
    db.flush()
    record.append(
        db,
        kind="comment.unhidden",
        actor=user,
        subject=f"comment:{comment.id}",
        data={"proposal": comment.proposal_id},
    )
    return comment
