"""Topics (temi): the policy areas proposals are filed under — anziani, disabilità, casa…"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain import organisations, permissions, record
from council.models.proposal import Topic
from council.models.user import User


def topics(db: Session) -> list[Topic]:
    return list(db.scalars(select(Topic).order_by(Topic.name)))


def save_topic(db: Session, actor: User | None, topic: Topic | None, *, name: str) -> Topic:
    """Create or rename a topic (admin, or the system for demo data). Raises ValidationError."""
    if actor is not None:
        permissions.require(actor, "topic.manage")
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
