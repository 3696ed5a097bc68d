"""One's own account: name, language, and a new e-mail address (confirmed by a link sent to
it; the old address is told once the change is made). Administrators' edits of accounts:
accounts.py."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from council import events
from council.domain.accounts import account_tokens, accounts, throttle
from council.domain.record import record
from council.errors import InvalidState, RateLimited, ValidationError
from council.models.user import User

CONFIRM_MAIL = "account.email_confirm_mail"  # not recorded: data user, secret, address
CHANGED_MAIL = "account.email_changed_mail"  # not recorded: data user, old (address)
LANGUAGES = ("it", "en")


def update_details(db: Session, user: User, *, name: str, locale: str) -> User:
    """Change one's name (recorded, as an administrator's change is) and language (private).
    Raises ValidationError."""
    name = accounts._check_name(name)
    if locale not in LANGUAGES:
        raise ValidationError(_("Choose a language from the list."), field="locale")
    user.locale = locale
    if user.name != name:
        user.name = name
        record.append(
            db, kind="account.updated", actor=user, subject=f"user:{user.public_id}",
            data={"changed": {"name": True}},
        )  # fmt: skip
    return user


def request_email_change(
    db: Session, user: User, *, email: str, password: str, most: int = 5, window: int = 3600
) -> None:
    """Send a confirmation link to the new address; nothing changes until it is opened.
    The answer is the same when the address already has an account (nothing is sent then),
    so that this form does not tell who is registered. Raises ValidationError (the password,
    the address), RateLimited (`most` requests per `window` seconds)."""
    limit = throttle.limit("email change", str(user.id), most=most, window=window, backoff=False)
    wait, _which = throttle.seconds_to_wait(db, [limit])
    if wait:
        raise RateLimited(
            _("Too many requests to change the address. Try again in %(num)d minutes.",
              num=max(1, wait // 60)),
            retry_after=wait,
        )  # fmt: skip
    if not accounts.verify_password(user, password or ""):
        raise ValidationError(_("The password is not correct."), field="password")
    email = accounts._check_email(email)
    if email == user.email:
        raise ValidationError(_("This is already your address."), field="email")
    throttle.count(db, [limit])
    if accounts.find_by_email(db, email) is not None:
        return
    secret = account_tokens.issue(db, user, account_tokens.EMAIL_CHANGE, new_email=email)
    data = {"user": user.id, "secret": secret, "address": email}
    events.queue(db, events.Event(CONFIRM_MAIL, f"user:{user.public_id}", data))


def confirm_email_change(db: Session, secret: str) -> User:
    """Open the link: the account takes the new address (recorded without it), the old one
    is told, and reset links sent to the old address stop working. Raises
    account_tokens.LinkRefused, InvalidState (the address was taken meanwhile)."""
    token = account_tokens.check(db, secret, account_tokens.EMAIL_CHANGE)
    user, email = token.user, token.new_email or ""
    taken = accounts.find_by_email(db, email)
    if taken is not None and taken.id != user.id:
        raise InvalidState(_("Another account took this address meanwhile: nothing changed."))
    account_tokens.use(db, secret, account_tokens.EMAIL_CHANGE)
    old = user.email
    user.email = email
    account_tokens.revoke(db, user, account_tokens.PASSWORD_RESET)
    record.append(
        db, kind="account.updated", actor=user, subject=f"user:{user.public_id}",
        data={"changed": {"email": True}},  # that it changed, never the address itself
    )  # fmt: skip
    data = {"user": user.id, "old": old}
    events.queue(db, events.Event(CHANGED_MAIL, f"user:{user.public_id}", data))
    return user
