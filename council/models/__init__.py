"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from council.db import Base
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.record import RecordEvent
from council.models.user import LoginFailure, Role, User, UserRole

__all__ = [
    "Base",
    "CommunityPoint",
    "LoginFailure",
    "Organisation",
    "RecordEvent",
    "Role",
    "User",
    "UserRole",
    "Zone",
]
