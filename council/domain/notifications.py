"""Notifications: written in the same transaction as the change that causes them.

Operations call `notify()`; who wants what is decided here from each person's settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from council.models.notification import Notification, NotificationSettings
from council.models.proposal import Follow, FollowTarget
from council.models.user import User

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
}


def settings_for(db: Session, user_id: int) -> NotificationSettings:
    settings = db.get(NotificationSettings, user_id)
    if settings is None:
        settings = NotificationSettings(user_id=user_id)
        db.add(settings)
        db.flush()
    return settings


def followers(db: Session, target: FollowTarget, target_id: int) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .join(Follow, Follow.user_id == User.id)
            .where(Follow.target == target, Follow.target_id == target_id)
        )
    )


def notify(
    db: Session,
    recipients: Iterable[User],
    *,
    kind: str,
    subject: str,
    url: str,
    params: dict[str, Any] | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Notify each recipient once (never the actor), if their settings want this kind."""
    if kind not in KIND_SETTING:
        raise KeyError(f"unknown notification kind {kind!r}")
    setting = KIND_SETTING[kind]
    created: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if user.id in seen or (actor is not None and user.id == actor.id) or not user.is_active:
            continue
        seen.add(user.id)
        if setting is not None and not getattr(settings_for(db, user.id), setting):
            continue
        note = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject,
            url=url,
            params=json.dumps(params or {}, ensure_ascii=False),
        )
        db.add(note)
        created.append(note)
    db.flush()
    return created
