"""Accessibility feedback: anyone, logged in or not, tells the secretariat that a page or a
document is not accessible to them (the feedback mechanism the AgID model of the accessibility
statement requires). Not recorded (it may carry personal data): e-mailed to every active
secretary once committed (FEEDBACK_MAIL, council/feedback_mail.py)."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from council import events
from council.domain.accounts import accounts, throttle
from council.errors import RateLimited, ValidationError
from council.models.user import AccountStatus, Role, User, UserRole

FEEDBACK_MAIL = "accessibility.feedback"  # not recorded: e-mailed to the secretariat
MAX_MESSAGE = 4000
MAX_PAGE = 300


def secretaries(db: Session) -> list[User]:
    """Who receives the feedback: every active account holding the secretary's role."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SECRETARY, User.status == AccountStatus.ACTIVE)
        .order_by(User.id)
    )
    return list(db.scalars(query).unique())


def send_feedback(
    db: Session,
    *,
    name: str,
    email: str,
    page: str,
    message: str,
    network: str,
    most: int = 5,
    window: int = 3600,
) -> None:
    """Queue the feedback for the secretariat. At most `most` messages per `window` seconds
    from one network. Raises ValidationError (with the field), RateLimited."""
    limit = throttle.limit("accessibility feedback", network, most=most, window=window,
                           backoff=False)  # fmt: skip
    wait, _limit = throttle.seconds_to_wait(db, [limit])
    if wait:
        minutes = math.ceil(wait / 60)
        raise RateLimited(
            ngettext(
                "Too many messages from your network. Try again in %(num)d minute.",
                "Too many messages from your network. Try again in %(num)d minutes.",
                minutes,
            ),
            retry_after=wait,
        )
    name = " ".join((name or "").split())
    if len(name) > 120:
        raise ValidationError(_("The name must be at most 120 characters."), field="name")
    email = (email or "").strip()
    if email:
        email = accounts.check_email(email)
    page = " ".join((page or "").split())
    if len(page) > MAX_PAGE:
        raise ValidationError(
            _("The page must be at most %(num)d characters.", num=MAX_PAGE), field="page"
        )
    message = (message or "").strip()
    if len(message) < 10:
        raise ValidationError(
            _("Describe the problem in a few words (at least 10 characters)."), field="message"
        )
    if len(message) > MAX_MESSAGE:
        raise ValidationError(
            _("The message must be at most %(num)d characters.", num=MAX_MESSAGE),
            field="message",
        )
    throttle.count(db, [limit])
    data = {"name": name, "email": email, "page": page, "message": message}
    events.queue(db, events.Event(FEEDBACK_MAIL, "accessibility", data))
