"""Two-step sign-in: after the password, a code from an authenticator app (TOTP, RFC 6238,
through pyotp) or one of ten recovery codes. Anyone may turn it on for their account; once
the administrators require it (site_settings.TWO_STEP_REQUIRED), the chair, the secretary
and the administrators (permissions.TWO_STEP_ROLES) must set it up at their next login
before reaching anything else, and a login of theirs that did not pass it is refused
(login_sessions.find).

A code is good once: the time step of the last code accepted is kept, and an older or equal
step is refused. Wrong codes are counted per account (throttle.py) and slowed down. The
recovery codes are shown once, kept as their SHA-256, and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from council.db import rowcount
from council.domain import permissions
from council.domain.accounts import accounts, login_sessions, site_settings, throttle
from council.domain.record import record
from council.errors import InvalidState, RateLimited, ValidationError
from council.models.account_security import RecoveryCode, SecondFactor
from council.models.base import utcnow
from council.models.user import LoginSession, User, UserRole

ISSUER = "Consiglio"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
FAILURES, WINDOW = 5, 900  # wrong codes per account, then waits of 30 s doubling


def required(db: Session) -> bool:
    return site_settings.flag(db, site_settings.TWO_STEP_REQUIRED)


def needed_by_roles(user: User) -> bool:
    return bool(user.roles & permissions.TWO_STEP_ROLES)


def must_use(db: Session, user: User) -> bool:
    """Whether this person may not sign in without the second step."""
    return needed_by_roles(user) and required(db)


def factor(db: Session, user: User) -> SecondFactor | None:
    """The account's confirmed authenticator key, if any."""
    row = db.get(SecondFactor, user.id)
    return row if row is not None and row.confirmed_at is not None else None


def enabled(db: Session, user: User) -> bool:
    return factor(db, user) is not None


def begin(db: Session, user: User) -> SecondFactor:
    """A key to show as a QR code, kept unconfirmed until a first code proves the app has
    it (the same key on every visit until then). Raises InvalidState when already on."""
    row = db.get(SecondFactor, user.id)
    if row is not None and row.confirmed_at is not None:
        raise InvalidState(_("Two-step sign-in is already on for your account."))
    if row is None:
        row = SecondFactor(user_id=user.id, secret=pyotp.random_base32(), last_step=0)
        db.add(row)
        db.flush()
    return row


def provisioning_uri(user: User, row: SecondFactor) -> str:
    return pyotp.TOTP(row.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _limit(user: User) -> throttle.Limit:
    return throttle.limit("two-step", str(user.id), most=FAILURES, window=WINDOW)


def _check_not_too_many(db: Session, user: User) -> None:
    wait, _which = throttle.seconds_to_wait(db, [_limit(user)])
    if wait:
        raise RateLimited(
            _("Too many wrong codes. Try again in %(s)d seconds.", s=wait),
            field="code",
            retry_after=wait,
        )


def _wrong(db: Session, user: User) -> ValidationError:
    throttle.count(db, [_limit(user)])
    return ValidationError(_("The code is not correct."), field="code")


def _clean(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def _matching_step(row: SecondFactor, code: str, now: float) -> int | None:
    """The time step (previous, current or next: clocks drift) whose code this is."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(row.secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _take_step(db: Session, row: SecondFactor, step: int) -> bool:
    """Mark this step used, once: two requests with the same code, one of them wins."""
    taken = rowcount(
        db.execute(
            update(SecondFactor)
            .where(SecondFactor.user_id == row.user_id, SecondFactor.last_step < step)
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        )
    )
    return taken == 1


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_codes(db: Session, user: User) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _i in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.flush()
    return codes


def confirm(db: Session, user: User, code: str, *, now: float | None = None) -> list[str]:
    """Turn two-step sign-in on with the first code from the app; returns the recovery
    codes (to show once). Every session of the account ends: the caller starts this
    device's again. Raises InvalidState, RateLimited, ValidationError."""
    row = db.get(SecondFactor, user.id)
    if row is None:
        raise InvalidState(_("Start again: scan the QR code, then type the code it shows."))
    if row.confirmed_at is not None:
        raise InvalidState(_("Two-step sign-in is already on for your account."))
    _check_not_too_many(db, user)
    step = _matching_step(row, _clean(code), time.time() if now is None else now)
    if step is None or not _take_step(db, row, step):
        raise _wrong(db, user)
    throttle.clear(db, [_limit(user)])
    row.confirmed_at = utcnow()
    codes = _new_codes(db, user)
    login_sessions.end_all(db, user)
    record.append(
        db, kind="account.two_step_enabled", actor=user, subject=f"user:{user.public_id}",
        data={},
    )  # fmt: skip
    return codes


def verify(db: Session, user: User, code: str, *, now: float | None = None) -> str:
    """Check the second step of a login: a code from the app ("app") or a recovery code
    ("recovery", then used up). Raises RateLimited, ValidationError (wrong, or a code from
    the app already used)."""
    row = factor(db, user)
    if row is None:
        raise InvalidState(_("Two-step sign-in is not on for this account."))
    _check_not_too_many(db, user)
    cleaned = _clean(code)
    step = _matching_step(row, cleaned, time.time() if now is None else now)
    if step is not None:
        if not _take_step(db, row, step):
            throttle.count(db, [_limit(user)])
            raise ValidationError(
                _("This code was already used. Wait for the app to show the next one."),
                field="code",
            )
        throttle.clear(db, [_limit(user)])
        return "app"
    if len(cleaned) == 10:
        used = rowcount(
            db.execute(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == _hash(cleaned),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        )
        if used == 1:
            throttle.clear(db, [_limit(user)])
            return "recovery"
    raise _wrong(db, user)


def recovery_codes_left(db: Session, user: User) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def renew_codes(db: Session, user: User, *, password: str) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Raises ValidationError."""
    if not enabled(db, user):
        raise InvalidState(_("Two-step sign-in is not on for your account."))
    if not accounts.verify_password(user, password or ""):
        raise ValidationError(_("The password is not correct."), field="password")
    codes = _new_codes(db, user)
    record.append(
        db, kind="account.two_step_codes_renewed", actor=user,
        subject=f"user:{user.public_id}", data={},
    )  # fmt: skip
    return codes


def _remove(db: Session, user: User) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))


def turn_off(db: Session, user: User, *, password: str) -> None:
    """The owner turns it off (not while their roles require it). Raises InvalidState,
    ValidationError."""
    if not enabled(db, user):
        raise InvalidState(_("Two-step sign-in is not on for your account."))
    if must_use(db, user):
        raise InvalidState(_("Your role requires two-step sign-in: it cannot be turned off."))
    if not accounts.verify_password(user, password or ""):
        raise ValidationError(_("The password is not correct."), field="password")
    _remove(db, user)
    record.append(
        db, kind="account.two_step_disabled", actor=user, subject=f"user:{user.public_id}",
        data={},
    )  # fmt: skip


def reset_for(db: Session, actor: User, user: User) -> None:
    """An administrator removes someone's second step (a lost phone and lost codes): their
    sessions end; if their roles require it, they set it up again at their next login."""
    permissions.require(actor, "account.manage")
    if db.get(SecondFactor, user.id) is None:
        raise InvalidState(_("Two-step sign-in is not on for this account."))
    _remove(db, user)
    login_sessions.end_all(db, user)
    record.append(
        db, kind="account.two_step_disabled", actor=actor, subject=f"user:{user.public_id}",
        data={},
    )  # fmt: skip


def set_required(db: Session, actor: User, on: bool) -> None:
    """Require (or no longer require) two-step sign-in for TWO_STEP_ROLES. Turning it on
    ends the sessions of those people that did not pass a second step. Raises NotAllowed,
    InvalidState (an administrator turning it on without it themselves)."""
    permissions.require(actor, "settings.manage")
    if on and not enabled(db, actor):
        raise InvalidState(
            _("Turn on two-step sign-in for your own account first, so as not to lock "
              "yourself out.")
        )  # fmt: skip
    if not site_settings.set_flag(db, site_settings.TWO_STEP_REQUIRED, on):
        return
    if on:
        holders = select(UserRole.user_id).where(UserRole.role.in_(permissions.TWO_STEP_ROLES))
        for person in db.scalars(
            select(User)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(User.id.in_(holders), LoginSession.second_step.is_(False))
            .distinct()
        ):
            login_sessions.end_without_second_step(db, person)
    record.append(
        db,
        kind="settings.two_step_required" if on else "settings.two_step_optional",
        actor=actor,
        subject="settings",
        data={},
    )
