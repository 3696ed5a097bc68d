"""One-time links sent by e-mail: a password reset (good for an hour), a new e-mail address
to confirm (a day). The link carries a random secret; the database keeps its SHA-256 only.
A link is good once, until it expires, and only the latest of its kind for an account: a
new one replaces the earlier ones. Each refusal says why, plainly."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from council.db import rowcount
from council.errors import DomainError
from council.models.account_security import AccountToken
from council.models.base import utcnow
from council.models.user import AccountStatus, User

PASSWORD_RESET = "password_reset"
EMAIL_CHANGE = "email_change"
LIFETIME = {PASSWORD_RESET: timedelta(hours=1), EMAIL_CHANGE: timedelta(hours=24)}


class LinkRefused(DomainError):
    """A link that cannot be used: unknown (or forged), used, replaced, expired."""

    status = 410
    code = "link_refused"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
        if reason == "unknown":
            self.status = 404


def configure(*, reset_minutes: int, email_hours: int) -> None:
    LIFETIME[PASSWORD_RESET] = timedelta(minutes=reset_minutes)
    LIFETIME[EMAIL_CHANGE] = timedelta(hours=email_hours)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(db: Session, user: User, purpose: str, *, new_email: str | None = None) -> str:
    """A new link's secret (to put in the e-mail, never stored); earlier open links of this
    kind for the account are replaced."""
    now = utcnow()
    revoke(db, user, purpose, now=now)
    secret = secrets.token_urlsafe(32)
    db.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(secret),
            new_email=new_email,
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    db.flush()
    return secret


def revoke(db: Session, user: User, purpose: str, *, now=None) -> None:
    """Close the account's open links of this kind (replaced by a newer one, or moot)."""
    db.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.closed_at.is_(None),
        )
        .values(closed_at=now or utcnow(), closed_by="replaced")
    )


def check(db: Session, secret: str, purpose: str) -> AccountToken:
    """The open link this secret names. Raises LinkRefused with the reason in words."""
    if not 20 <= len(secret or "") <= 100:
        raise _unknown()
    row = db.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _digest(secret), AccountToken.purpose == purpose
        )
    )
    if row is None or row.user.status == AccountStatus.DISABLED:
        raise _unknown()
    if row.closed_by == "used":
        raise LinkRefused(
            _("This link has already been used. Each link works only once."), reason="used"
        )
    if row.closed_by is not None:
        raise LinkRefused(
            _("This link is no longer valid: a newer one was sent after it. Use the latest."),
            reason="replaced",
        )
    if utcnow() >= row.expires_at:
        raise LinkRefused(_("This link has expired. Ask for a new one."), reason="expired")
    return row


def use(db: Session, secret: str, purpose: str) -> AccountToken:
    """Check the link and close it, once: of two requests racing with the same link, one
    gets it and the other is told it was used. Raises LinkRefused."""
    row = check(db, secret, purpose)
    closed = rowcount(
        db.execute(
            update(AccountToken)
            .where(AccountToken.id == row.id, AccountToken.closed_at.is_(None))
            .values(closed_at=utcnow(), closed_by="used")
            .execution_options(synchronize_session=False)
        )
    )
    if closed != 1:
        raise LinkRefused(
            _("This link has already been used. Each link works only once."), reason="used"
        )
    return row


def _unknown() -> LinkRefused:
    return LinkRefused(
        _("This link is not valid. Check that you copied it whole, or ask for a new one."),
        reason="unknown",
    )
