"""Accounts: registration, approval, roles, passwords. Logging in: logins.py; the sessions
of the devices logged in: login_sessions.py."""

from __future__ import annotations

import math
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council import events, public_paths
from council.domain import permissions
from council.domain.accounts import login_sessions, site_settings, throttle
from council.domain.notifications import notifications
from council.domain.permissions import SYSTEM, System
from council.domain.record import record
from council.errors import InvalidState, NotFound, RateLimited, ValidationError
from council.models.organisation import Organisation
from council.models.record import RecordEvent
from council.models.user import AccountStatus, CouncilGroup, Role, User, UserRole

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


def dummy_hash() -> str:
    return _DUMMY_HASH


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationError(_("Enter a valid e-mail address."), field="email")
    return email


check_email = _check_email  # the other doors that take an address (accessibility feedback)


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
    actor: User | System | None,
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role] | frozenset[Role] = frozenset(),
    organisation: Organisation | None = None,
    council_group: CouncilGroup | None = None,
    status: AccountStatus = AccountStatus.ACTIVE,
    recorded: bool = True,
) -> User:
    """Create an account (an administrator, or SYSTEM: the CLI, the demo data, a
    registration). Raises NotAllowed, ValidationError.
    `recorded=False`: a registration, recorded when approved (`_record_created`)."""
    actor = permissions.require_unless_system(actor, "account.manage")
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
    if recorded:
        _record_created(db, actor, user)
    return user


def _record_created(db: Session, actor: User | System, user: User) -> None:
    record.append(
        db,
        kind="account.created",
        actor=actor,
        subject=f"user:{user.public_id}",
        data={
            "roles": sorted(str(r.role) for r in user.role_rows),
            "organisation": user.organisation_id,
            "status": str(user.status),
        },
    )


def _is_recorded(db: Session, user: User) -> bool:
    return (
        db.scalar(
            select(RecordEvent.seq)
            .where(RecordEvent.subject == f"user:{user.public_id}")
            .where(RecordEvent.kind == "account.created")
            .limit(1)
        )
        is not None
    )


REGISTRATION_MAIL = "account.registration_mail"  # not recorded: e-mail the address's owner
DECISION_MAIL = "account.decision_mail"  # not recorded: the applicant told (data: reason)
REASON_LENGTH = (5, 1000)


def _registration_limit(network: str, most: int, window: int) -> throttle.Limit:
    return throttle.limit("registration", network, most=most, window=window, backoff=False)


def register_stakeholder(
    db: Session,
    *,
    email: str,
    name: str,
    password: str,
    organisation: Organisation | None,
    network: str | None = None,
    most: int = 5,
    window: int = 3600,
) -> User | None:
    """Self-registration of an organisation's representative; waits for approval.

    Answers the same whether the e-mail is free or not, so that nobody learns which
    addresses have an account: for a taken address nothing is created (None) and its owner
    is told by e-mail instead (at most once per `window`); a new registrant gets an e-mail
    too (REGISTRATION_MAIL, council/account_mail.py).
    At most `most` registrations per `window` seconds from one network. Raises
    ValidationError, RateLimited.
    """
    limit = _registration_limit(network, most, window) if network is not None else None
    if limit is not None:
        wait, _limit = throttle.seconds_to_wait(db, [limit])
        if wait:
            minutes = math.ceil(wait / 60)
            raise RateLimited(
                ngettext(
                    "Too many registrations from your network. Try again in %(num)d minute.",
                    "Too many registrations from your network. Try again in %(num)d minutes.",
                    minutes,
                ),
                retry_after=wait,
            )
    if organisation is None or not organisation.active:
        raise ValidationError(_("Choose your organisation."), field="organisation")
    email = _check_email(email)
    _check_name(name)
    check_password_strength(password)
    if limit is not None:
        throttle.count(db, [limit])
    existing = find_by_email(db, email)
    if existing is None:
        user = create_user(
            db,
            SYSTEM,
            email=email,
            name=name,
            password=password,
            roles={Role.STAKEHOLDER},
            organisation=organisation,
            status=AccountStatus.PENDING,
            recorded=False,  # else the record's head would tell that the address was free
        )
        data = {"user": user.id, "new": True}
        events.queue(db, events.Event(REGISTRATION_MAIL, f"user:{user.public_id}", data))
        _tell_the_secretariat(db, user)
        return user
    hasher.hash(password)  # as long as a registration takes
    notice = throttle.limit("registration notice", email, most=1, window=window, backoff=False)
    if not throttle.seconds_to_wait(db, [notice])[0]:
        throttle.count(db, [notice])
        data = {"user": existing.id, "new": False}
        events.queue(db, events.Event(REGISTRATION_MAIL, f"user:{existing.public_id}", data))
    return None


def _tell_the_secretariat(db: Session, user: User) -> None:
    """A new request to check: a notification (and e-mail, by their settings) to the
    secretaries and administrators."""
    office = db.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([Role.SECRETARY, Role.ADMIN]))
        .where(User.status == AccountStatus.ACTIVE)
        .distinct()
    )
    notifications.notify(
        db,
        list(office),
        kind="registration_requested",
        subject=f"user:{user.public_id}",
        url=public_paths.account(user),
        params={"name": user.name, "organisation": user.organisation.name if user.organisation
                else ""},
        actor=SYSTEM,
    )  # fmt: skip


def approve(db: Session, actor: User, user: User) -> User:
    permissions.require(actor, "account.approve")
    if user.status != AccountStatus.PENDING:
        raise InvalidState(_("This account is not waiting for approval."))
    if not _is_recorded(db, user):
        _record_created(db, SYSTEM, user)  # a registration enters the record when approved
    user.status = AccountStatus.ACTIVE
    record.append(
        db, kind="account.approved", actor=actor, subject=f"user:{user.public_id}", data={}
    )
    data = {"user": user.id, "approved": True}
    events.queue(db, events.Event(DECISION_MAIL, f"user:{user.public_id}", data))
    return user


def reject(db: Session, actor: User, user: User, *, reason: str) -> User:
    """Refuse a pending registration: the account is disabled, never deleted, and the
    applicant is told why by e-mail (the reason stays out of the record). A refused
    registration stays out of the record (it never entered it), unless an administrator made
    the account pending. Raises NotAllowed, InvalidState, ValidationError (the reason)."""
    permissions.require(actor, "account.approve")
    if user.status != AccountStatus.PENDING:
        raise InvalidState(_("This account is not waiting for approval."))
    reason = (reason or "").strip()
    if not REASON_LENGTH[0] <= len(reason) <= REASON_LENGTH[1]:
        raise ValidationError(
            _("Write the reason for the applicant (%(least)d to %(most)d characters).",
              least=REASON_LENGTH[0], most=REASON_LENGTH[1]),
            field="reason",
        )  # fmt: skip
    user.status = AccountStatus.DISABLED
    data = {"user": user.id, "approved": False, "reason": reason}
    events.queue(db, events.Event(DECISION_MAIL, f"user:{user.public_id}", data))
    if _is_recorded(db, user):
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
    login_sessions.end_all(db, user)
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
    if (roles - current) & permissions.TWO_STEP_ROLES and site_settings.flag(
        db, site_settings.TWO_STEP_REQUIRED
    ):  # their logins without the second step no longer count (login_sessions.find)
        login_sessions.end_without_second_step(db, user)
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
    """Change one's own password; every session of the account ends (the caller starts a
    new one for the device it came from). Raises ValidationError."""
    if not verify_password(user, current):
        raise ValidationError(_("The current password is not correct."), field="current")
    check_password_strength(new)
    user.password_hash = hasher.hash(new)
    login_sessions.end_all(db, user)
    record.append(
        db, kind="account.password_changed", actor=user, subject=f"user:{user.public_id}", data={}
    )
    return user


def reset_password(db: Session, actor: User, user: User, *, new: str) -> User:
    """An administrator sets a new password, e.g. for someone locked out."""
    permissions.require(actor, "account.manage")
    check_password_strength(new)
    user.password_hash = hasher.hash(new)
    login_sessions.end_all(db, user)
    record.append(
        db, kind="account.password_reset", actor=actor, subject=f"user:{user.public_id}", data={}
    )
    return user


logged_in = login_sessions.logged_in  # the people logins name (realtime/meeting_room.py)


def pending_count(db: Session) -> int:
    return (
        db.scalar(
            select(func.count()).select_from(User).where(User.status == AccountStatus.PENDING)
        )
        or 0
    )
