"""Notifications: written in the same transaction as the change that causes them.

Operations call `notify()`; who wants what is decided here from each person's settings.
Notifications are private: reading them, marking them read and the preferences are not part
of the public record. After commit, the queued `notifications.*` events let the realtime layer
push the unread count to the person's private room and the mailer send "at once" e-mails.

`params` a caller may give (all optional; the message falls back gracefully):
`title` (of the proposal), `proposal` (its id), `number` (of a version or an amendment),
`state` (a ProposalState value), `answer` ("accepted" / "declined"), `organisation` (a name),
`outcome` (of an amendment: "accepted", "to_vote", "approved", "rejected").
`notify()` adds `actor_id`, so that the actor's current name is shown, never a stale copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from council import events
from council.db import rowcount
from council.domain import permissions
from council.domain.permissions import System
from council.errors import NotFound, ValidationError
from council.models.base import utcnow
from council.models.notification import EmailFrequency, Notification, NotificationSettings
from council.models.proposal import Follow, FollowTarget
from council.models.user import AccountStatus, User

# Kinds that arrive with an e-mail of their own (the convocation carries its .ics): their
# notifications are born e-mailed, so neither "at once" nor the digests send them again.
OWN_MAIL_KINDS = frozenset({"convocation", "meeting_changed"})

# notification kind -> the NotificationSettings flag that turns it on or off
KIND_SETTING = {
    "reply": "replies",
    "new_version": "new_versions",
    "state_changed": "state_changes",
    "new_comment": "new_comments",
    "new_proposal": "new_proposals",
    "cosign_invited": None,  # always: somebody asks you something
    "cosign_answered": None,
    "amendment_proposed": None,
    "amendment_decided": None,
    "convocation": None,  # always: an official notice of a meeting
    "meeting_changed": None,
    "consultation_opened": None,  # always: its audience is asked to respond
    "registration_requested": None,  # always: the secretariat checks each request
    "implementation_updated": "state_changes",  # of a decided proposal one follows
}
FLAGS = ("replies", "new_versions", "state_changes", "new_comments", "new_proposals")
PAGE_SIZE = 30
DIGEST_PERIOD = {EmailFrequency.DAILY: timedelta(days=1), EmailFrequency.WEEKLY: timedelta(days=7)}

# Events queued for after commit (not record events: they never reach the public record).
CREATED = "notifications.created"  # data: users (public ids), notifications (ids)
READ = "notifications.read"  # data: users (public ids)


def settings_for(db: Session, user_id: int) -> NotificationSettings:
    """The person's settings, created with the defaults on first use (race-safe)."""
    settings = db.get(NotificationSettings, user_id)
    if settings is None:
        settings = NotificationSettings(user_id=user_id)
        try:
            with db.begin_nested():  # a concurrent transaction may create the same row
                db.add(settings)
        except IntegrityError:
            settings = db.get(NotificationSettings, user_id, populate_existing=True)
            assert settings is not None
    return settings


def preferences(db: Session, user_id: int) -> NotificationSettings:
    """For reading only: the stored settings, or the defaults (nothing is written)."""
    stored = db.get(NotificationSettings, user_id)
    if stored is not None:
        return stored
    return NotificationSettings(
        user_id=user_id, replies=True, new_versions=True, state_changes=True,
        new_comments=False, new_proposals=True, email=EmailFrequency.DAILY,
    )  # fmt: skip


def followers(db: Session, target: FollowTarget, target_id: int) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(Follow, Follow.user_id == User.id)
            .where(Follow.target == target, Follow.target_id == target_id)
        )
    )


def _wanting(db: Session, user_ids: list[int], setting: str | None) -> set[int]:
    """Of these people, those whose settings want notifications under `setting` (None:
    always). One query; people without a settings row get the column's default."""
    if setting is None or not user_ids:
        return set(user_ids)
    flag = getattr(NotificationSettings, setting)
    default = NotificationSettings.__table__.c[setting].default.arg
    stored: dict[int, bool] = dict(
        db.execute(
            select(NotificationSettings.user_id, flag).where(
                NotificationSettings.user_id.in_(user_ids)
            )
        ).all()
    )
    return {uid for uid in user_ids if stored.get(uid, default)}


def notify(
    db: Session,
    recipients: Iterable[User],
    *,
    kind: str,
    subject: str,
    url: str,
    params: dict[str, Any] | None = None,
    actor: User | System,
) -> list[Notification]:
    """Notify each recipient once (never the actor), if their settings want this kind;
    `actor` SYSTEM when no one acted (a vote's result, a registration)."""
    if kind not in KIND_SETTING:
        raise KeyError(f"unknown notification kind {kind!r}")
    setting = KIND_SETTING[kind]
    values = dict(params or {})
    person = actor if isinstance(actor, User) else None
    if person is not None:
        values.setdefault("actor_id", person.id)
    created: list[tuple[Notification, str]] = []
    people: dict[int, User] = {}
    for user in recipients:
        if (person is None or user.id != person.id) and user.is_active:
            people.setdefault(user.id, user)
    wants = _wanting(db, list(people), setting)
    for user in people.values():
        if user.id not in wants:
            continue
        note = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject,
            url=url,
            params=json.dumps(values, ensure_ascii=False),
            emailed_at=utcnow() if kind in OWN_MAIL_KINDS else None,
        )
        db.add(note)
        created.append((note, user.public_id))
    db.flush()
    if created:
        events.queue(
            db,
            events.Event(
                kind=CREATED,
                subject=subject,
                data={
                    "users": sorted({public_id for _n, public_id in created}),
                    "notifications": [note.id for note, _p in created],
                },
            ),
        )
    return [note for note, _p in created]


def params_of(note: Notification) -> dict[str, Any]:
    try:
        value = json.loads(note.params or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- reading and marking read ---------------------------------------------------------------


def unread_count(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def unread_counts(db: Session, public_ids: Iterable[str]) -> dict[str, int]:
    """Unread counts by public id (zero included), for pushing to the private rooms."""
    ids = list(public_ids)
    if not ids:
        return {}
    rows = db.execute(
        select(User.public_id, func.count(Notification.id))
        .select_from(User)
        .outerjoin(
            Notification,
            (Notification.user_id == User.id) & Notification.read_at.is_(None),
        )
        .where(User.public_id.in_(ids))
        .group_by(User.public_id)
    ).all()
    return {public_id: count for public_id, count in rows}


def page(db: Session, actor: Any, number: int = 1) -> tuple[list[Notification], bool]:
    """One page of the actor's notifications, newest first, and whether another follows."""
    user = permissions.require(actor, "notifications.read")
    number = max(1, number)
    rows = list(
        db.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def get_own(db: Session, actor: Any, note_id: int) -> Notification:
    """The actor's notification; anybody else's is NotFound (it is not even said to exist)."""
    user = permissions.require(actor, "notifications.read")
    note = db.get(Notification, note_id) if isinstance(note_id, int) else None
    if note is None or note.user_id != user.id:
        raise NotFound(_("This notification does not exist."))
    return note


def _queue_read(db: Session, user: User) -> None:
    events.queue(
        db, events.Event(kind=READ, subject="notifications", data={"users": [user.public_id]})
    )


def mark_read(db: Session, actor: Any, note_id: int) -> Notification:
    """Mark one notification read (again is harmless). Raises NotAllowed, NotFound."""
    note = get_own(db, actor, note_id)
    if note.read_at is None:
        note.read_at = utcnow()
        db.flush()
        _queue_read(db, actor)
    return note


def mark_all_read(db: Session, actor: Any) -> int:
    """Mark every unread notification of the actor read; returns how many. Raises NotAllowed."""
    user = permissions.require(actor, "notifications.read")
    result = db.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if rowcount(result):
        _queue_read(db, user)
    return rowcount(result)


# --- preferences ----------------------------------------------------------------------------


def update_settings(
    db: Session, actor: Any, *, email: EmailFrequency | str, **flags: bool
) -> NotificationSettings:
    """Which kinds to hear about and how often by e-mail. Raises NotAllowed, ValidationError."""
    user = permissions.require(actor, "notifications.read")
    unknown = set(flags) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    try:
        frequency = EmailFrequency(email)
    except ValueError:
        raise ValidationError(_("Choose among the options shown."), field="email") from None
    settings = settings_for(db, user.id)
    for name in FLAGS:
        if name in flags:
            setattr(settings, name, bool(flags[name]))
    settings.email = frequency
    db.flush()
    return settings


# --- e-mail: claiming rows so that concurrent senders never send twice ----------------------


def claim(db: Session, note_ids: Iterable[int], now: datetime) -> list[int]:
    """Mark these notifications e-mailed at `now` if nobody did yet; return those claimed.

    A conditional UPDATE: of two concurrent senders, only one gets each row.
    """
    ids = list(note_ids)
    if not ids:
        return []
    claimed = db.scalars(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(emailed_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def release(db: Session, note_ids: Iterable[int], claimed_at: datetime) -> None:
    """Sending failed: give the rows back, so that the next digest run retries them."""
    ids = list(note_ids)
    if ids:
        db.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.emailed_at == claimed_at)
            .values(emailed_at=None)
            .execution_options(synchronize_session=False)
        )


def _active_with_frequency(frequencies: Iterable[EmailFrequency]):
    wanted = list(frequencies)
    effective = func.coalesce(NotificationSettings.email, EmailFrequency.DAILY.value)
    return (
        select(Notification.id, Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == Notification.user_id)
        .where(
            User.status == AccountStatus.ACTIVE,
            Notification.emailed_at.is_(None),
            effective.in_([f.value for f in wanted]),
        )
    )


def immediate_ids(db: Session, note_ids: Iterable[int]) -> list[int]:
    """Of these notifications, those whose recipient wants e-mail at once."""
    ids = list(note_ids)
    if not ids:
        return []
    query = _active_with_frequency([EmailFrequency.IMMEDIATE]).where(Notification.id.in_(ids))
    return sorted(row.id for row in db.execute(query))


def unsent_by_user(db: Session, frequency: EmailFrequency) -> dict[int, list[int]]:
    """Notifications not yet e-mailed, by recipient, for those with this e-mail frequency."""
    found: dict[int, list[int]] = {}
    for row in db.execute(_active_with_frequency([frequency]).order_by(Notification.id)):
        found.setdefault(row.user_id, []).append(row.id)
    return found


def claim_digest(
    db: Session, user_id: int, frequency: EmailFrequency, now: datetime
) -> tuple[bool, datetime | None]:
    """Take this period's digest of one person: set last_digest_at = now if it is due.

    Returns (False, None) if it is not due or another runner took it, else (True, the
    previous last_digest_at), to give back if sending fails.
    """
    settings = settings_for(db, user_id)
    previous = settings.last_digest_at
    cutoff = now - DIGEST_PERIOD[frequency]
    settings_table = cast(Table, NotificationSettings.__table__)
    result = db.execute(
        update(settings_table)
        .where(
            settings_table.c.user_id == user_id,
            settings_table.c.email == frequency.value,
            (settings_table.c.last_digest_at.is_(None))
            | (settings_table.c.last_digest_at <= cutoff),
        )
        .values(last_digest_at=now)
    )
    if rowcount(result) != 1:
        return False, None
    db.expire(settings)
    return True, previous


def release_digest(db: Session, user_id: int, previous: datetime | None, claimed_at: datetime):
    table = cast(Table, NotificationSettings.__table__)
    db.execute(
        update(table)
        .where(table.c.user_id == user_id, table.c.last_digest_at == claimed_at)
        .values(last_digest_at=previous)
    )


def notifications_by_id(db: Session, note_ids: Iterable[int]) -> list[Notification]:
    ids = list(note_ids)
    if not ids:
        return []
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.id.in_(ids))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
        )
    )
