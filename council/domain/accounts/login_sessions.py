"""Login sessions kept on the server: one row per device that logged in, named by the login
the session cookie and the remember cookie carry ("<session id>:<secret>"). Deleting the row
ends that device's session, whatever cookies were copied: logout, "log out of every device",
ending one device from the account page, a password change, an account disabled.

Checking a login is one read by primary key (the account joined); "last seen" is written at
most once a minute per session (`touch`). A session unused for IDLE seconds is over.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from council import events
from council.db import rowcount
from council.domain import permissions
from council.domain.accounts import site_settings
from council.errors import NotFound
from council.models.base import utcnow
from council.models.user import LoginSession, User

log = logging.getLogger(__name__)

ENDED = "login.ended"  # not recorded: the sockets of these sessions are disconnected
IDLE = 30 * 24 * 3600  # seconds without use after which a session is over
TOUCH_EVERY = timedelta(seconds=60)  # "last seen" is written at most this often
MOST_PER_ACCOUNT = 20  # sessions one account keeps; a new login ends the least recent


def configure(*, idle: int) -> None:
    global IDLE
    IDLE = idle


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(login: str | None) -> tuple[int, str] | None:
    session_id, _sep, secret = (login or "").partition(":")
    if not session_id.isdigit() or len(session_id) > 18 or not 20 <= len(secret) <= 64:
        return None
    return int(session_id), secret


def session_id(login: str | None) -> int | None:
    parsed = _parse(login)
    return parsed[0] if parsed else None


def start(
    db: Session,
    user: User,
    *,
    address: str,
    device: str,
    remember: bool,
    second_step: bool = False,
    now: datetime | None = None,
) -> str:
    """A new session for this device; returns its login and sets it on `user`.
    `second_step`: the login passed two-step sign-in (council/domain/accounts/two_step.py)."""
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        token_hash=_digest(secret),
        created_at=now,
        last_seen_at=now,
        address=address[:45],
        device=device[:120],
        remember=remember,
        second_step=second_step,
    )
    db.add(row)
    db.flush()
    kept = select(LoginSession.id).where(LoginSession.user_id == user.id)
    kept = kept.order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    surplus = list(db.scalars(kept.offset(MOST_PER_ACCOUNT)))
    if surplus:
        _end(db, user, surplus)
    user.login = f"{row.id}:{secret}"
    return user.login


def find(db: Session, login: str | None, now: datetime | None = None) -> LoginSession | None:
    """The live session this login names (its account active), or None."""
    parsed = _parse(login)
    if parsed is None:
        return None
    row = db.get(LoginSession, parsed[0])
    if row is None:
        reason = "no such session"
    elif not hmac.compare_digest(row.token_hash, _digest(parsed[1])):
        reason = "wrong secret"
    elif (now or utcnow()) - row.last_seen_at > timedelta(seconds=IDLE):
        reason = "idle too long"
    elif not row.user.is_active:
        reason = "account not active"
    elif _lacks_second_step(db, row):
        reason = "second step now required"
    else:
        row.user.login = login
        return row
    log.info("login session %s refused: %s", parsed[0], reason)
    return None


def _lacks_second_step(db: Session, row: LoginSession) -> bool:
    """A login without the second step, of someone whose role requires it now (the setting
    is read only for them)."""
    return (
        not row.second_step
        and bool(row.user.roles & permissions.TWO_STEP_ROLES)
        and site_settings.flag(db, site_settings.TWO_STEP_REQUIRED)
    )


def logged_in(db: Session, logins: Iterable[str | None]) -> dict[str | None, User]:
    """The people these logins name, in one query: many at once for a burst of ballots. A
    login names nobody once its session ended or its account is no longer active."""
    wanted: dict[int, list[tuple[str | None, str]]] = {}
    for login in logins:
        parsed = _parse(login)
        if parsed is not None:
            wanted.setdefault(parsed[0], []).append((login, _digest(parsed[1])))
    if not wanted:
        return {}
    cutoff = utcnow() - timedelta(seconds=IDLE)
    found: dict[str | None, User] = {}
    for row in db.scalars(select(LoginSession).where(LoginSession.id.in_(wanted))):
        for login, digest in wanted[row.id]:
            if (
                hmac.compare_digest(row.token_hash, digest)
                and row.last_seen_at >= cutoff
                and row.user.is_active
                and not _lacks_second_step(db, row)
            ):
                found[login] = row.user
    return found


def due(row: LoginSession, now: datetime | None = None) -> bool:
    """Whether this session's "last seen" is old enough to be written again."""
    return (now or utcnow()) - row.last_seen_at >= TOUCH_EVERY


def touch(db: Session, session_id_: int, address: str, now: datetime | None = None) -> None:
    """Last seen now, from this address: one conditional UPDATE (a no-op when another
    request of the same session did it within the minute)."""
    now = now or utcnow()
    db.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id_, LoginSession.last_seen_at < now - TOUCH_EVERY)
        .values(last_seen_at=now, address=address[:45])
    )


def active(db: Session, user: User) -> list[LoginSession]:
    """The account's sessions, the most recently used first."""
    cutoff = utcnow() - timedelta(seconds=IDLE)
    return list(
        db.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.last_seen_at >= cutoff)
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def _end(db: Session, user: User, ids: list[int]) -> int:
    if not ids:
        return 0
    ended = rowcount(
        db.execute(
            delete(LoginSession).where(LoginSession.id.in_(ids), LoginSession.user_id == user.id)
        )
    )
    events.queue(db, events.Event(ENDED, f"user:{user.public_id}", {"sessions": sorted(ids)}))
    return ended or 0


def end(db: Session, login: str | None) -> bool:
    """End the session this login names (logging out on this device)."""
    row = find(db, login)
    return row is not None and _end(db, row.user, [row.id]) > 0


def end_one(db: Session, actor: User, session_id_: int) -> None:
    """The account's owner ends one of their sessions (a device they no longer hold).
    Raises NotFound for a session that is not theirs or is already over."""
    row = db.get(LoginSession, session_id_)
    if row is None or row.user_id != actor.id:
        raise NotFound(_("This session is already over."))
    _end(db, actor, [row.id])


def end_all(db: Session, user: User) -> int:
    """End every session of this account: "log out of every device", a password change,
    the account disabled. Their sockets are disconnected after the commit."""
    ids = list(db.scalars(select(LoginSession.id).where(LoginSession.user_id == user.id)))
    return _end(db, user, ids)


def end_without_second_step(db: Session, user: User) -> int:
    """End the account's sessions that did not pass two-step sign-in (it became required)."""
    ids = list(
        db.scalars(
            select(LoginSession.id).where(
                LoginSession.user_id == user.id, LoginSession.second_step.is_(False)
            )
        )
    )
    return _end(db, user, ids)


def forget_idle(db: Session, now: datetime | None = None) -> int:
    """Delete the sessions unused for IDLE seconds (the scheduler, `flask accounts
    forget-expired`)."""
    cutoff = (now or utcnow()) - timedelta(seconds=IDLE)
    return rowcount(db.execute(delete(LoginSession).where(LoginSession.last_seen_at < cutoff))) or 0
