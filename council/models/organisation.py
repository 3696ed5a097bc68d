"""Zones of the city, Punti di comunità and third-sector organisations (realtà)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, utcnow


class Zone(Base):
    """One of the city's welfare zones (zona)."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")

    community_points: Mapped[list[CommunityPoint]] = relationship(
        back_populates="zone", order_by="CommunityPoint.name"
    )
    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="zone", order_by="Organisation.name"
    )


class CommunityPoint(Base):
    """A Punto di comunità: a neighbourhood place where local organisations work together."""

    __tablename__ = "community_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    address: Mapped[str] = mapped_column(String(200), default="")

    zone: Mapped[Zone] = relationship(back_populates="community_points")


class Organisation(Base):
    """A third-sector organisation (realtà del terzo settore) or a public body."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(60), default="")
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"))
    community_point_id: Mapped[int | None] = mapped_column(ForeignKey("community_points.id"))
    website: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[Zone] = relationship(back_populates="organisations")
    community_point: Mapped[CommunityPoint | None] = relationship()
