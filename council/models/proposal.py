"""Proposals (proposte): versions, co-signing organisations, supports, amendments, follows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.organisation import Organisation, Zone
from council.models.user import User


class ProposalState(enum.StrEnum):
    DRAFT = "draft"  # bozza
    CONSULTATION = "consultation"  # in consultazione
    ON_AGENDA = "on_agenda"  # all'ordine del giorno
    APPROVED = "approved"  # approvata
    REJECTED = "rejected"  # respinta
    WITHDRAWN = "withdrawn"  # ritirata
    REFERRED_BACK = "referred_back"  # rinviata


# The state machine of DOMAIN.md: nothing else happens.
TRANSITIONS: dict[ProposalState, frozenset[ProposalState]] = {
    ProposalState.DRAFT: frozenset({ProposalState.CONSULTATION, ProposalState.WITHDRAWN}),
    ProposalState.CONSULTATION: frozenset({ProposalState.ON_AGENDA, ProposalState.WITHDRAWN}),
    ProposalState.ON_AGENDA: frozenset(
        {
            ProposalState.APPROVED,
            ProposalState.REJECTED,
            ProposalState.REFERRED_BACK,
            ProposalState.WITHDRAWN,
        }
    ),
    ProposalState.REFERRED_BACK: frozenset(
        {ProposalState.CONSULTATION, ProposalState.ON_AGENDA, ProposalState.WITHDRAWN}
    ),
    ProposalState.APPROVED: frozenset(),
    ProposalState.REJECTED: frozenset(),
    ProposalState.WITHDRAWN: frozenset(),
}


class Topic(Base):
    """A policy area (tema): anziani, disabilità, casa…"""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


proposal_zones = Table(
    "proposal_zones",
    Base.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("zone_id", ForeignKey("zones.id"), primary_key=True),
)


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_state_activity", "state", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Title and body of the current version, kept here for lists and search.
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[ProposalState] = mapped_column(
        enum_type(ProposalState, 20), default=ProposalState.DRAFT
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    consultation_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    topic: Mapped[Topic | None] = relationship()
    zones: Mapped[list[Zone]] = relationship(secondary=proposal_zones, order_by="Zone.name")
    versions: Mapped[list[ProposalVersion]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number", cascade="all"
    )
    cosigners: Mapped[list[ProposalCosigner]] = relationship(
        back_populates="proposal", cascade="all"
    )
    supports: Mapped[list[Support]] = relationship(back_populates="proposal", cascade="all")


class ProposalVersion(Base):
    """Every edit after submission is a new version; versions are never changed."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", use_alter=True, name="fk_proposal_versions_amendment")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    author: Mapped[User] = relationship()


class CosignState(enum.StrEnum):
    INVITED = "invited"  # invitata
    ACCEPTED = "accepted"  # ha accettato
    DECLINED = "declined"  # ha rifiutato


class ProposalCosigner(Base):
    """An organisation invited to co-sign (co-firmare) a proposal."""

    __tablename__ = "proposal_cosigners"
    __table_args__ = (UniqueConstraint("proposal_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    state: Mapped[CosignState] = mapped_column(
        enum_type(CosignState, 12), default=CosignState.INVITED
    )
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(back_populates="cosigners")
    organisation: Mapped[Organisation] = relationship()


class Support(Base):
    """An organisation's support (adesione) for a proposal: one per organisation."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="supports")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()


class AmendmentState(enum.StrEnum):
    PROPOSED = "proposed"  # presentato
    ACCEPTED = "accepted"  # accolto dal proponente: diventa una nuova versione
    TO_VOTE = "to_vote"  # sarà votato dal consiglio
    APPROVED = "approved"  # approvato dal consiglio: nuova versione
    REJECTED = "rejected"  # respinto dal consiglio
    WITHDRAWN = "withdrawn"  # ritirato da chi lo ha presentato


class Amendment(Base):
    """A proposed change (emendamento) to a proposal's text: a new text with a reason."""

    __tablename__ = "amendments"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    base_version_id: Mapped[int] = mapped_column(ForeignKey("proposal_versions.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[AmendmentState] = mapped_column(
        enum_type(AmendmentState, 12), default=AmendmentState.PROPOSED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resulting_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_versions.id", use_alter=True, name="fk_amendments_resulting_version")
    )

    proposal: Mapped[Proposal] = relationship()
    base_version: Mapped[ProposalVersion] = relationship(foreign_keys=[base_version_id])
    author: Mapped[User] = relationship()


class FollowTarget(enum.StrEnum):
    PROPOSAL = "proposal"
    ZONE = "zone"
    TOPIC = "topic"


class Follow(Base):
    """Someone follows (segue) a proposal, a zone or a topic, to be notified."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "target", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target: Mapped[FollowTarget] = mapped_column(enum_type(FollowTarget, 10))
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
