"""Topics (temi): the policy areas proposals are filed under — anziani, disabilità, casa…"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council.domain import permissions, record
from council.errors import ValidationError
from council.models.proposal import Topic
from council.models.user import User


def topics(db: Session) -> list[Topic]:
    return list(db.scalars(select(Topic).order_by(Topic.name)))


def save_topic(db: Session, actor: User | None, topic: Topic | None, *, name: str) -> Topic:
    """Create or rename a topic (admin, or the system for demo data). Raises ValidationError."""
    if actor is not None:
        permissions.require(actor, "topic.manage")
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 80:
        raise ValidationError(
            _("This field must be between %(a)d and %(b)d characters.", a=2, b=80), field="name"
        )
    existing = db.scalar(select(Topic).where(func.lower(Topic.name) == name.lower()))
    if existing is not None and (topic is None or existing.id != topic.id):
        raise ValidationError(_("This name is already in use."), field="name")
    created = topic is None
    if topic is None:
        topic = Topic(name=name)
        db.add(topic)
    topic.name = name
    db.flush()
    record.append(
        db,
        kind="topic.created" if created else "topic.updated",
        actor=actor,
        subject=f"topic:{topic.id}",
        data={"name": topic.name},
    )
    return topic
