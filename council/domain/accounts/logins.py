"""Logging in, slowed down for the one guessing rather than for the owner (OWASP's
authentication guidance): failures are counted per client address, per account and
address, per account, and per known device.

- An address that fails many times, on any accounts (password spraying), waits.
- An account and address pair that fails a few times waits: the owner elsewhere does not.
- An account that fails very many times from everywhere waits, except on a device that
  logged into it before (its signed device cookie, see council/web/clients.py): there only
  that device's own failures count, so the owner's phone still gets in during an attack.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from argon2.exceptions import VerificationError
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from council.domain.accounts import accounts, throttle
from council.errors import ValidationError
from council.models.base import utcnow
from council.models.user import AccountStatus, User


@dataclass(frozen=True)
class Client:
    """Who is trying, as far as the server can tell: the network (an IPv4 address, an IPv6
    /64) and the device cookie it presented, if any (the account and the device's nonce)."""

    network: str
    device: tuple[int, str] | None = None


@dataclass(frozen=True)
class Limits:
    failures: int = 5  # per account and address; per known device
    address_failures: int = 10  # per address, whatever the accounts
    account_failures: int = 50  # per account, from devices it does not know
    window: int = 900  # seconds


class LoginRefused(ValidationError):
    """Wrong credentials, pending or disabled account, or too many attempts."""

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        if retry_after:
            self.status, self.code = 429, "rate_limited"


def _limits(email: str, user: User | None, client: Client, limits: Limits) -> list:
    """The counters this attempt is checked against and counted on."""
    if user is not None and client.device is not None and client.device[0] == user.id:
        return [throttle.limit("device", client.device[1], most=limits.failures,
                               window=limits.window)]  # fmt: skip
    return [
        throttle.limit("address", client.network, most=limits.address_failures,
                       window=limits.window),
        throttle.limit("account+address", f"{email}\x00{client.network}",
                       most=limits.failures, window=limits.window),
        throttle.limit("account", email, most=limits.account_failures, window=limits.window),
    ]  # fmt: skip


def _too_many(kind: str, wait: int) -> LoginRefused:
    if kind == "address":
        message = _("Too many failed logins from your network. Try again in %(s)d seconds.", s=wait)
    else:
        message = _("Too many failed attempts. Try again in %(s)d seconds.", s=wait)
    return LoginRefused(message, retry_after=wait)


def authenticate(
    db: Session, *, email: str, password: str, client: Client, limits: Limits = Limits()
) -> User:
    """Check credentials. Raises LoginRefused with a message fit to show the person (with
    `retry_after` when the attempt came too soon: nothing was checked then)."""
    email = accounts.normalise_email(email)
    user = accounts.find_by_email(db, email)
    checked = _limits(email, user, client, limits)
    wait, which = throttle.seconds_to_wait(db, checked)
    if wait and which is not None:
        raise _too_many(which.kind, wait)
    if user is None:
        with contextlib.suppress(VerificationError):  # as long as a real check
            accounts.hasher.verify(accounts.dummy_hash(), password or "x")
        throttle.count(db, checked)
        raise LoginRefused(_("E-mail or password is not correct."))
    if not accounts.verify_password(user, password or ""):
        throttle.count(db, checked)
        raise LoginRefused(_("E-mail or password is not correct."))
    if user.status == AccountStatus.PENDING:
        raise LoginRefused(
            _("Your registration is waiting for approval by the council's secretariat.")
        )
    if user.status == AccountStatus.DISABLED:
        raise LoginRefused(_("This account is disabled. Contact the council's secretariat."))
    # this pair's (or this device's) failures are forgiven; the address's and the account's
    # stay, or a sprayer who knows one password would wipe its own count with it
    throttle.clear(db, [x for x in checked if x.kind in ("device", "account+address")])
    if accounts.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = accounts.hasher.hash(password)
    user.last_login_at = utcnow()
    return user
