"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from council.db import Base
from council.models.comment import Comment, CommentRevision, CommentState, Stance
from council.models.meeting import (
    AgendaItem,
    Attendance,
    AttendanceInterval,
    Meeting,
    MeetingDocument,
    MeetingState,
    Proxy,
    SpeakerKind,
    SpeakerRequest,
    SpeakerState,
)
from council.models.notification import EmailFrequency, Notification, NotificationSettings
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.proposal import (
    Amendment,
    AmendmentState,
    CosignState,
    Follow,
    FollowTarget,
    Proposal,
    ProposalCosigner,
    ProposalState,
    ProposalVersion,
    Support,
    Topic,
)
from council.models.record import RecordEvent
from council.models.user import LoginFailure, Role, User, UserRole

__all__ = [
    "AgendaItem",
    "Amendment",
    "AmendmentState",
    "Attendance",
    "AttendanceInterval",
    "Base",
    "Comment",
    "CommentRevision",
    "CommentState",
    "CommunityPoint",
    "CosignState",
    "EmailFrequency",
    "Follow",
    "FollowTarget",
    "LoginFailure",
    "Meeting",
    "MeetingDocument",
    "MeetingState",
    "Notification",
    "NotificationSettings",
    "Organisation",
    "Proposal",
    "ProposalCosigner",
    "ProposalState",
    "ProposalVersion",
    "Proxy",
    "RecordEvent",
    "Role",
    "SpeakerKind",
    "SpeakerRequest",
    "SpeakerState",
    "Stance",
    "Support",
    "Topic",
    "User",
    "UserRole",
    "Zone",
]
