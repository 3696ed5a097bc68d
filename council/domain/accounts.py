"""Accounts: registration, approval, roles, passwords, and login with throttling."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council.domain import permissions, record
from council.errors import InvalidState, NotFound, ValidationError
from council.models.organisation import Organisation
from council.models.user import (
    AccountStatus,
    CouncilGroup,
    LoginFailure,
    Role,
    User,
    UserRole,
)

hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
# Verified against when the e-mail is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = hasher.hash("consiglio-timing-equaliser")


def configure_hashing(*, fast: bool) -> None:
    """Argon2id with its recommended cost; `fast` (tests only) uses the cheapest parameters."""
    global hasher, _DUMMY_HASH
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if fast else PasswordHasher()
    _DUMMY_HASH = hasher.hash("consiglio-timing-equaliser")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationError(_("Enter a valid e-mail address."), field="email")
    return email


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 120:
        raise ValidationError(_("The name must be between 2 and 120 characters."), field="name")
    return name


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            _("The password must be at least %(n)d characters long.", n=MIN_PASSWORD),
            field="password",
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(_("The password is too long."), field="password")


def find_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(_("This account does not exist."))
    return user


def _ensure_unique_email(db: Session, email: str, except_id: int | None = None) -> None:
    existing = find_by_email(db, email)
    if existing is not None and existing.id != except_id:
        raise ValidationError(_("An account with this e-mail already exists."), field="email")


def create_user(
    db: Session,
    actor: User | None,
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role] | frozenset[Role] = frozenset(),
    organisation: Organisation | None = None,
    council_group: CouncilGroup | None = None,
    status: AccountStatus = AccountStatus.ACTIVE,
) -> User:
    """Create an account (admin, CLI or demo data). Raises NotAllowed, ValidationError."""
    if actor is not None:
        permissions.require(actor, "account.manage")
    email = _check_email(email)
    name = _check_name(name)
    check_password_strength(password)
    _ensure_unique_email(db, email)
    if Role.STAKEHOLDER in roles and organisation is None:
        raise ValidationError(
            _("A stakeholder must belong to an organisation."), field="organisation"
        )
    user = User(
        email=email,
        name=name,
        password_hash=hasher.hash(password),
        status=status,
        organisation=organisation,
        council_group=council_group,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    db.add(user)
    db.flush()
    record.append(
        db,
        kind="account.created",
        actor=actor,
        subject=f"user:{user.public_id}",
        data={
            "roles": sorted(str(r) for r in roles),
            "organisation": organisation.id if organisation else None,
            "status": str(status),
        },
    )
    return user


def register_stakeholder(
    db: Session, *, email: str, name: str, password: str, organisation: Organisation | None
) -> User:
    """Self-registration of an organisation's representative; waits for approval."""
    if organisation is None or not organisation.active:
        raise ValidationError(_("Choose your organisation."), field="organisation")
    user = create_user(
        db,
        None,
        email=email,
        name=name,
        password=password,
        roles={Role.STAKEHOLDER},
        organisation=organisation,
        status=AccountStatus.PENDING,
    )
    return user


def approve(db: Session, actor: User, user: User) -> User:
    permissions.require(actor, "account.approve")
    if user.status != AccountStatus.PENDING:
        raise InvalidState(_("This account is not waiting for approval."))
    user.status = AccountStatus.ACTIVE
    record.append(
        db, kind="account.approved", actor=actor, subject=f"user:{user.public_id}", data={}
    )
    return user


def reject(db: Session, actor: User, user: User) -> User:
    """Refuse a pending registration: the account is disabled, never deleted."""
    permissions.require(actor, "account.approve")
    if user.status != AccountStatus.PENDING:
        raise InvalidState(_("This account is not waiting for approval."))
    user.status = AccountStatus.DISABLED
    record.append(
        db, kind="account.rejected", actor=actor, subject=f"user:{user.public_id}", data={}
    )
    return user


def set_status(db: Session, actor: User, user: User, status: AccountStatus) -> User:
    permissions.require(actor, "account.manage")
    if user.id == actor.id and status != AccountStatus.ACTIVE:
        raise InvalidState(_("You cannot disable your own account."))
    if user.status == status:
        return user
    user.status = status
    user.session_version += 1
    record.append(
        db,
        kind="account.status_changed",
        actor=actor,
        subject=f"user:{user.public_id}",
        data={"status": str(status)},
    )
    return user


def update_profile(
    db: Session,
    actor: User,
    user: User,
    *,
    name: str,
    email: str,
    organisation: Organisation | None,
    council_group: CouncilGroup | None,
) -> User:
    """Admin edit of an account's details."""
    permissions.require(actor, "account.manage")
    email = _check_email(email)
    name = _check_name(name)
    _ensure_unique_email(db, email, except_id=user.id)
    if user.has_role(Role.STAKEHOLDER) and organisation is None:
        raise ValidationError(
            _("A stakeholder must belong to an organisation."), field="organisation"
        )
    changed: dict[str, object] = {}
    if user.name != name:
        user.name = name
        changed["name"] = True
    if user.email != email:
        user.email = email
        changed["email"] = True  # that it changed, never the address itself
    new_org = organisation.id if organisation else None
    if user.organisation_id != new_org:
        user.organisation = organisation
        changed["organisation"] = new_org
    new_group = str(council_group) if council_group else None
    if (str(user.council_group) if user.council_group else None) != new_group:
        user.council_group = council_group
        changed["council_group"] = new_group
    if changed:
        record.append(
            db,
            kind="account.updated",
            actor=actor,
            subject=f"user:{user.public_id}",
            data={"changed": changed},
        )
    return user


def set_roles(db: Session, actor: User, user: User, roles: set[Role]) -> User:
    """Grant and remove roles so that the account holds exactly `roles`."""
    permissions.require(actor, "role.manage")
    current = set(user.roles)
    if user.id == actor.id and Role.ADMIN in current and Role.ADMIN not in roles:
        raise InvalidState(_("You cannot remove your own administrator role."))
    if Role.STAKEHOLDER in roles and user.organisation_id is None:
        raise ValidationError(
            _("A stakeholder must belong to an organisation."), field="organisation"
        )
    for role in sorted(roles - current):
        user.role_rows.append(UserRole(role=role))
        record.append(
            db,
            kind="role.granted",
            actor=actor,
            subject=f"user:{user.public_id}",
            data={"role": str(role)},
        )
    for row in [r for r in user.role_rows if r.role in current - roles]:
        user.role_rows.remove(row)
        record.append(
            db,
            kind="role.revoked",
            actor=actor,
            subject=f"user:{user.public_id}",
            data={"role": str(row.role)},
        )
    db.flush()
    return user


def update_account(
    db: Session,
    actor: User,
    user: User,
    *,
    name: str,
    email: str,
    organisation: Organisation | None,
    council_group: CouncilGroup | None,
    roles: set[Role],
) -> User:
    """The admin's account form: details and roles together, in the order that keeps the
    rule "a stakeholder belongs to an organisation" true at every step (a stakeholder losing
    both the role and the organisation loses the role first)."""
    if user.has_role(Role.STAKEHOLDER) and Role.STAKEHOLDER not in roles:
        set_roles(db, actor, user, roles)
    update_profile(
        db, actor, user, name=name, email=email, organisation=organisation,
        council_group=council_group,
    )  # fmt: skip
    return set_roles(db, actor, user, roles)


def verify_password(user: User, password: str) -> bool:
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(db: Session, user: User, *, current: str, new: str) -> User:
    if not verify_password(user, current):
        raise ValidationError(_("The current password is not correct."), field="current")
    check_password_strength(new)
    user.password_hash = hasher.hash(new)
    user.session_version += 1
    record.append(
        db, kind="account.password_changed", actor=user, subject=f"user:{user.public_id}", data={}
    )
    return user


def reset_password(db: Session, actor: User, user: User, *, new: str) -> User:
    """An administrator sets a new password, e.g. for someone locked out."""
    permissions.require(actor, "account.manage")
    check_password_strength(new)
    user.password_hash = hasher.hash(new)
    user.session_version += 1
    record.append(
        db, kind="account.password_reset", actor=actor, subject=f"user:{user.public_id}", data={}
    )
    return user


def logged_in(db: Session, logins: Iterable[str | None]) -> dict[str, User]:
    """The people these logins name, in one query: a login is what a session holds,
    "<id>:<session_version>", and names nobody once the password changed (the version moved)
    or the account is no longer active. Many at once for a burst of ballots."""
    wanted: dict[int, list[str]] = {}
    for login in logins:
        user_id, _sep, version = (login or "").partition(":")
        if user_id.isdigit() and version.isdigit() and len(user_id) <= 18:
            wanted.setdefault(int(user_id), []).append(login)
    if not wanted:
        return {}
    found = {}
    for user in db.scalars(select(User).where(User.id.in_(wanted))):
        for login in wanted[user.id]:
            if user.is_active and login == user.get_id():
                found[login] = user
    return found


# --- login with throttling ---------------------------------------------------------------


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def seconds_to_wait(db: Session, email: str, *, max_failures: int, window: int) -> int:
    """How long this e-mail must wait before another attempt; 0 when it may try now.

    After `max_failures` failures inside `window` seconds, each further failure doubles the
    wait (30 s, 60 s, 120 s … capped at the window).
    """
    row = db.get(LoginFailure, _throttle_key(email))
    if row is None or row.count < max_failures:
        return 0
    now = datetime.now(UTC)
    if now - row.first_at > timedelta(seconds=window) and now - row.last_at > timedelta(
        seconds=window
    ):
        return 0
    wait = min(window, 30 * 2 ** (row.count - max_failures))
    remaining = (row.last_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def _note_failure(db: Session, email: str, window: int) -> None:
    key = _throttle_key(email)
    now = datetime.now(UTC)
    row = db.get(LoginFailure, key)
    if row is None:
        db.add(LoginFailure(key=key, count=1, first_at=now, last_at=now))
    elif now - row.last_at > timedelta(seconds=window):
        row.count, row.first_at, row.last_at = 1, now, now
    else:
        row.count += 1
        row.last_at = now


class LoginRefused(ValidationError):
    """Wrong credentials, pending or disabled account, or too many attempts."""

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def authenticate(
    db: Session, *, email: str, password: str, max_failures: int = 5, window: int = 900
) -> User:
    """Check credentials. Raises LoginRefused with a message fit to show the person."""
    wait = seconds_to_wait(db, email, max_failures=max_failures, window=window)
    if wait:
        raise LoginRefused(
            _("Too many failed attempts. Try again in %(s)d seconds.", s=wait), retry_after=wait
        )
    user = find_by_email(db, email)
    if user is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH, password or "x")
        _note_failure(db, email, window)
        raise LoginRefused(_("E-mail or password is not correct."))
    if not verify_password(user, password or ""):
        _note_failure(db, email, window)
        raise LoginRefused(_("E-mail or password is not correct."))
    if user.status == AccountStatus.PENDING:
        raise LoginRefused(
            _("Your registration is waiting for approval by the council's secretariat.")
        )
    if user.status == AccountStatus.DISABLED:
        raise LoginRefused(_("This account is disabled. Contact the council's secretariat."))
    row = db.get(LoginFailure, _throttle_key(email))
    if row is not None:
        db.delete(row)
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = datetime.now(UTC)
    return user


def pending_count(db: Session) -> int:
    return (
        db.scalar(
            select(func.count()).select_from(User).where(User.status == AccountStatus.PENDING)
        )
        or 0
    )
