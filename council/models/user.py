"""People: accounts, their roles, their login sessions, and the counters that slow down
guessing (failed logins, registrations)."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from council.db import Base
from council.models.base import UTCDateTime, enum_type, utcnow
from council.models.organisation import Organisation


class Role(enum.StrEnum):
    """A role a person holds; the public has no account and so no role."""

    STAKEHOLDER = "stakeholder"  # portatore di interesse
    MEMBER = "member"  # consigliere
    SECRETARY = "secretary"  # segretario
    CHAIR = "chair"  # presidente
    ADMIN = "admin"  # amministratore


class AccountStatus(enum.StrEnum):
    PENDING = "pending"  # in attesa di approvazione
    ACTIVE = "active"
    DISABLED = "disabled"


class CouncilGroup(enum.StrEnum):
    """Which side of the council a member sits for, so results can be read by group."""

    ADMINISTRATION = "administration"  # amministrazione comunale
    THIRD_SECTOR = "third_sector"  # terzo settore


def new_public_id() -> str:
    return "u-" + secrets.token_hex(5)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[AccountStatus] = mapped_column(
        enum_type(AccountStatus, 16), default=AccountStatus.PENDING
    )
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    council_group: Mapped[CouncilGroup | None] = mapped_column(enum_type(CouncilGroup, 20))
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE

    @property
    def is_anonymous(self) -> bool:
        return False

    # The login this object was loaded or logged in with ("<session id>:<token>", see
    # council/domain/accounts/login_sessions.py): what Flask-Login keeps in the session and in the
    # remember cookie. Not a column: one account has a login per device.
    # (No annotation: the ORM would take it for a column. The cast gives mypy the type.)
    login = cast("str | None", None)

    def get_id(self) -> str:
        if self.login is None:
            raise RuntimeError("an account is logged in through login_sessions.start")
        return self.login


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_type(Role, 16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginSession(Base):
    """One device's login, revocable on the server: the session cookie and the remember
    cookie name it, and are worth nothing once it is deleted (logout, "log out everywhere",
    a password change, an account disabled)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the cookie's secret part
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    address: Mapped[str] = mapped_column(String(45), default="")  # as last seen
    device: Mapped[str] = mapped_column(String(120), default="")  # "Firefox 128 · Ubuntu"
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    # the login passed the second step (a code from the authenticator app or a recovery
    # code): council/domain/accounts/two_step.py; a login without it is refused for the roles that
    # must have it once the administrators require it
    second_step: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class Throttle(Base):
    """A counter of attempts (failed logins per address, per account and address, per
    account, per device; registrations per address), kept in the database so that every
    process sees it. The key is a hash: no e-mail or address is stored here."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
