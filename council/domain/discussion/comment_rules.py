"""What a comment may contain and how often one may post: the checks of the comment
operations (council/domain/discussion/comments.py), kept apart so that each file stays readable."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council import markdown, plain_text
from council.errors import InvalidState, RateLimited, ValidationError
from council.models.base import utcnow
from council.models.comment import Comment, Stance
from council.models.proposal import Proposal
from council.models.user import User

MAX_BODY = 10_000
REASON_MIN, REASON_MAX = 5, 500
# (window, most comments a person may post in it); counted in the database, so every
# process agrees.
RATE_LIMITS = ((timedelta(minutes=1), 5), (timedelta(hours=1), 60))
# The same text posted twice in the same place by the same person within this time is a
# repeated request (a double click, a resent form), refused.
DUPLICATE_WINDOW = timedelta(minutes=10)


def clean_body(body: str | None) -> str:
    """Normalised text: newlines as \\n, no control characters, no surrounding blanks."""
    text = plain_text.clean(body).strip()
    if not text:
        raise ValidationError(_("Write the text of your comment."), field="body")
    if len(text) > MAX_BODY:
        raise ValidationError(
            _("A comment can be at most %(n)d characters long.", n=MAX_BODY), field="body"
        )
    markdown.check(text, "body")
    return text


def parse_stance(stance: Stance | str | None) -> Stance | None:
    if stance is None or stance == "":
        return None
    try:
        return Stance(stance)
    except ValueError:
        raise ValidationError(_("Choose a valid position."), field="stance") from None


def clean_reason(reason: str | None) -> str:
    text = plain_text.clean(reason, one_line=True)
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise ValidationError(
            _(
                "Give a reason between %(a)d and %(b)d characters: it is shown publicly.",
                a=REASON_MIN,
                b=REASON_MAX,
            ),
            field="reason",
        )
    return text


def check_rate(db: Session, user: User) -> None:
    # Serialise one person's posts (PostgreSQL: row lock; SQLite: the write transaction is
    # already exclusive), so two simultaneous requests cannot both slip under the limit.
    db.execute(select(User.id).where(User.id == user.id).with_for_update())
    now = utcnow()
    for window, most in RATE_LIMITS:
        count = (
            db.scalar(
                select(func.count())
                .select_from(Comment)
                .where(Comment.author_id == user.id, Comment.created_at > now - window)
            )
            or 0
        )
        if count >= most:
            raise RateLimited(
                _(
                    "You are posting too quickly: at most %(minute)d comments a minute and "
                    "%(hour)d an hour. Wait a little and try again.",
                    minute=RATE_LIMITS[0][1],
                    hour=RATE_LIMITS[1][1],
                )
            )


def check_duplicate(
    db: Session, user: User, proposal: Proposal, body: str, parent: Comment | None
) -> None:
    same_place = Comment.parent_id == parent.id if parent else Comment.parent_id.is_(None)
    duplicate = db.scalar(
        select(Comment.id).where(
            Comment.author_id == user.id,
            Comment.proposal_id == proposal.id,
            same_place,
            Comment.created_at > utcnow() - DUPLICATE_WINDOW,
            Comment.body == body,
        )
    )
    if duplicate is not None:
        raise InvalidState(_("You have already posted this comment."))
