"""Topics (temi): the policy areas proposals are filed under — anziani, disabilità, casa…"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.community import organisations
from council.domain.permissions import System
from council.domain.record import record
from council.models.proposal import Topic
from council.models.user import User


def topics(db: Session) -> list[Topic]:
    return list(db.scalars(select(Topic).order_by(Topic.name)))


def save_topic(
    db: Session, actor: User | System | None, topic: Topic | None, *, name: str
) -> Topic:
    """Create or rename a topic (an administrator, or SYSTEM for demo data). Raises
    NotAllowed, ValidationError."""
    actor = permissions.require_unless_system(actor, "topic.manage")
    name = organisations.clean_name(name, field="name", maximum=80)
    organisations.ensure_unique_name(db, Topic, name, topic.id if topic else None)
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
