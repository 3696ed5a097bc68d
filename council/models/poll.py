"""Polls (votazioni), ballots, the secret tallies, conflicts of interest and decisions.

A secret poll stores no row that ties a person to a choice: Participation says who took part,
SecretTally holds one counter per choice, incremented in the same transaction; neither has a
timestamp or a reference to the other (docs/voting.md, threat model).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.meeting import AgendaItem, Meeting
from council.models.proposal import Amendment, Proposal
from council.models.user import User


class PollKind(enum.StrEnum):
    NAMED = "named"  # palese
    SECRET = "secret"  # segreta


class PollState(enum.StrEnum):
    PREPARED = "prepared"  # preparata
    OPEN = "open"  # aperta
    CLOSED = "closed"  # chiusa


class Rule(enum.StrEnum):
    """The majority a poll needs; council/domain/voting/majority.py evaluates it."""

    SIMPLE = "simple"  # maggioranza semplice: more in favour than against
    ABSOLUTE_PRESENT = "absolute_present"  # maggioranza assoluta dei presenti
    ABSOLUTE_MEMBERS = "absolute_members"  # maggioranza assoluta dei componenti
    TWO_THIRDS_PRESENT = "two_thirds_present"  # maggioranza dei due terzi dei presenti


class Choice(enum.StrEnum):
    IN_FAVOUR = "in_favour"  # favorevole
    AGAINST = "against"  # contrario
    ABSTAIN = "abstain"  # astenuto


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_meeting_state", "meeting_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id"))
    kind: Mapped[PollKind] = mapped_column(enum_type(PollKind, 8))
    rule: Mapped[Rule] = mapped_column(enum_type(Rule, 20))
    question: Mapped[str] = mapped_column(Text)
    state: Mapped[PollState] = mapped_column(enum_type(PollState, 10), default=PollState.PREPARED)
    allow_change: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped in the same transaction by every change of the poll's live state.
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Stored at close: the counts the result was computed from, and the result.
    yes: Mapped[int | None] = mapped_column(Integer)
    no: Mapped[int | None] = mapped_column(Integer)
    abstain: Mapped[int | None] = mapped_column(Integer)
    present: Mapped[int | None] = mapped_column(Integer)
    represented: Mapped[int | None] = mapped_column(Integer)
    members: Mapped[int | None] = mapped_column(Integer)
    conflict: Mapped[int | None] = mapped_column(Integer)
    needed: Mapped[int | None] = mapped_column(Integer)
    approved: Mapped[bool | None] = mapped_column()
    valid: Mapped[bool | None] = mapped_column()  # False: no quorum at close, a void vote

    meeting: Mapped[Meeting] = relationship()
    item: Mapped[AgendaItem] = relationship()
    amendment: Mapped[Amendment | None] = relationship()


class Ballot(Base):
    """A ballot of a NAMED poll. cast_for is the member whose vote it is (the voter, or the
    member whose proxy the voter holds): never NULL, so the unique constraint holds on
    every database."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("poll_id", "cast_for_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proxy_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cast_for_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[Choice] = mapped_column(enum_type(Choice, 10))
    reason: Mapped[str] = mapped_column(String(500), default="")  # dichiarazione di voto
    client_ballot_id: Mapped[str] = mapped_column(String(64))  # of the latest submission
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the chair or secretary who entered a vote the member declared aloud (appello nominale)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    voter: Mapped[User] = relationship(foreign_keys=[voter_id])
    cast_for: Mapped[User] = relationship(foreign_keys=[cast_for_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])


class BallotSubmission(Base):
    """Every accepted submission to a NAMED poll, by its client id: a retry, even of a
    submission since superseded by a change, is answered with what it did, never applied
    again."""

    __tablename__ = "ballot_submissions"
    __table_args__ = (UniqueConstraint("poll_id", "voter_id", "client_ballot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_ballot_id: Mapped[str] = mapped_column(String(64))
    cast_for_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[Choice] = mapped_column(enum_type(Choice, 10))
    changed: Mapped[bool] = mapped_column(default=False)

    cast_for: Mapped[User] = relationship(foreign_keys=[cast_for_id])


class Participation(Base):
    """Who took part in a SECRET poll (for themself or by proxy): no choice, no time."""

    __tablename__ = "poll_participations"
    __table_args__ = (
        UniqueConstraint("poll_id", "cast_for_id"),
        UniqueConstraint("poll_id", "client_ballot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    cast_for_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The client's id of the submission, so that a retry is answered "already counted"; it
    # is random and says nothing of the choice.
    client_ballot_id: Mapped[str] = mapped_column(String(64))

    cast_for: Mapped[User] = relationship()


class SecretTally(Base):
    """One counter per (secret poll, choice), created when the poll opens."""

    __tablename__ = "secret_tallies"
    __table_args__ = (UniqueConstraint("poll_id", "choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    choice: Mapped[Choice] = mapped_column(enum_type(Choice, 10))
    count: Mapped[int] = mapped_column(Integer, default=0)


class ConflictDeclaration(Base):
    """A member declares a conflict of interest and does not take part in the poll."""

    __tablename__ = "conflict_declarations"
    __table_args__ = (UniqueConstraint("poll_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Decision(Base):
    """A decision (deliberazione) numbered per year: 2026/014."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("year", "seq"), UniqueConstraint("poll_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    text: Mapped[str] = mapped_column(Text)  # markdown
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    poll: Mapped[Poll] = relationship()
    proposal: Mapped[Proposal | None] = relationship()

    @property
    def number(self) -> str:
        return f"{self.year}/{self.seq:03d}"
