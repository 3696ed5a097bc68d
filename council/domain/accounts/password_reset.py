"""A forgotten password: a one-time link by e-mail, then a new password. The answer to a
request is the same whether the address has an account or not; the link is good once, for an
hour; using it ends every session of the account (council/domain/accounts/login_sessions.py)."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from council import events
from council.domain.accounts import account_tokens, accounts, login_sessions, throttle
from council.domain.record import record
from council.errors import RateLimited
from council.models.user import AccountStatus, User

MAIL = "account.reset_mail"  # not recorded: e-mail the link (data: user, secret)


def request_link(
    db: Session,
    *,
    email: str,
    network: str,
    most_per_network: int = 10,
    most_per_account: int = 3,
    window: int = 3600,
) -> None:
    """Send a reset link to this address if it names an account that may log in.

    Nothing tells the caller whether it does. From one network at most `most_per_network`
    requests per `window` (RateLimited past it, whatever the addresses); to one address at
    most `most_per_account` e-mails per window (past it, silently none: the answer stays
    the same)."""
    per_network = throttle.limit("reset", network, most=most_per_network, window=window,
                                 backoff=False)  # fmt: skip
    wait, _limit = throttle.seconds_to_wait(db, [per_network])
    if wait:
        minutes = math.ceil(wait / 60)
        raise RateLimited(
            ngettext(
                "Too many requests from your network. Try again in %(num)d minute.",
                "Too many requests from your network. Try again in %(num)d minutes.",
                minutes,
            ),
            retry_after=wait,
        )
    throttle.count(db, [per_network])
    email = accounts.normalise_email(email)
    per_address = throttle.limit("reset mail", email, most=most_per_account, window=window,
                                 backoff=False)  # fmt: skip
    if throttle.seconds_to_wait(db, [per_address])[0]:
        return
    throttle.count(db, [per_address])  # counted for unknown addresses too: same cost, same answer
    user = accounts.find_by_email(db, email)
    if user is None or user.status == AccountStatus.DISABLED:
        return
    secret = account_tokens.issue(db, user, account_tokens.PASSWORD_RESET)
    events.queue(db, events.Event(MAIL, f"user:{user.public_id}", {"user": user.id,
                                                                    "secret": secret}))  # fmt: skip


def check_link(db: Session, secret: str) -> User:
    """The account an open reset link belongs to. Raises account_tokens.LinkRefused."""
    return account_tokens.check(db, secret, account_tokens.PASSWORD_RESET).user


def reset(db: Session, secret: str, *, new: str) -> User:
    """Set the new password through the link (used up), end every session of the account.
    Raises account_tokens.LinkRefused, ValidationError (a weak password: the link stays
    good)."""
    user = check_link(db, secret)
    accounts.check_password_strength(new)
    account_tokens.use(db, secret, account_tokens.PASSWORD_RESET)
    user.password_hash = accounts.hasher.hash(new)
    login_sessions.end_all(db, user)
    record.append(
        db,
        kind="account.password_changed",
        actor=user,
        subject=f"user:{user.public_id}",
        data={"through": "email_link"},
    )
    return user


def message_sent() -> str:
    return _(
        "If this address belongs to an account, we have sent it a link to choose a new "
        "password. The link works once, within an hour. Check your spam folder too."
    )
