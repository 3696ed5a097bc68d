"""The one place that says who may do what. Views and socket handlers ask here; so do templates."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from council.errors import NotAllowed
from council.models.user import Role, User

# action -> roles that may perform it. An empty set means anyone, the public included.
RULES: dict[str, frozenset[Role]] = {
    "record.read": frozenset(),
    "account.approve": frozenset({Role.SECRETARY, Role.ADMIN}),
    "account.list": frozenset({Role.SECRETARY, Role.ADMIN}),
    "account.manage": frozenset({Role.ADMIN}),
    "role.manage": frozenset({Role.ADMIN}),
    "organisation.manage": frozenset({Role.ADMIN}),
    "zone.manage": frozenset({Role.ADMIN}),
    "community_point.manage": frozenset({Role.ADMIN}),
    "admin.enter": frozenset({Role.SECRETARY, Role.ADMIN}),
}


def as_user(actor: Any) -> User | None:
    """The acting user, or None for the public (anonymous, pending or disabled accounts)."""
    if isinstance(actor, User) and actor.is_active:
        return actor
    return None


def can(actor: Any, action: str, obj: Any = None) -> bool:
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    allowed = RULES[action]
    if not allowed:
        return True
    user = as_user(actor)
    if user is None:
        return False
    return bool(user.roles & allowed)


def require(actor: Any, action: str, obj: Any = None) -> User:
    """Return the acting user if allowed, else raise NotAllowed with a readable reason."""
    if not can(actor, action, obj):
        raise NotAllowed(_("You are not allowed to do this."))
    user = as_user(actor)
    assert user is not None or not RULES[action]
    return user  # type: ignore[return-value]
