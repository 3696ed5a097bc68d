"""Meetings (sedute) prepared by the secretary: details, agenda, documents, convocation.

Every operation locks the meeting's row first (FOR UPDATE on PostgreSQL; SQLite's unit of
work already holds the write lock), so the live version and the agenda's order never race.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from council import markdown, public_paths
from council.domain import permissions
from council.domain.notifications import notifications
from council.domain.record import record
from council.errors import InvalidState, NotFound, ValidationError
from council.models.base import utcnow
from council.models.meeting import (
    LIVE_STATES,
    PUBLIC_STATES,
    AgendaItem,
    Meeting,
    MeetingState,
)
from council.models.proposal import Proposal, ProposalState
from council.models.user import AccountStatus, Role, User, UserRole

MAX_DURATION = timedelta(hours=12)
MAX_TEXT = 20_000
MAX_ITEMS = 60
MAX_DOCUMENTS = 60
# Proposals that may be tied to an agenda item.
SCHEDULABLE = frozenset(
    {ProposalState.CONSULTATION, ProposalState.ON_AGENDA, ProposalState.REFERRED_BACK}
)
CHANGED_AFTER_CONVOCATION = frozenset({MeetingState.CONVENED})


def subject(meeting: Meeting) -> str:
    return f"meeting:{meeting.id}"


# --- reading --------------------------------------------------------------------------------


def is_visible(actor: Any, meeting: Meeting) -> bool:
    return meeting.state in PUBLIC_STATES or permissions.can(actor, "meeting.read_draft")


def get(db: Session, actor: Any, meeting_id: int) -> Meeting:
    """A meeting the actor may see. Raises NotFound (drafts are invisible to the public)."""
    meeting = db.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    if meeting is None or not is_visible(actor, meeting):
        raise NotFound(_("This meeting does not exist."))
    return meeting


def listing(db: Session, actor: Any, *, now: datetime | None = None) -> dict[str, list[Meeting]]:
    """Meetings to come (and running), and past ones, newest first; drafts only for office."""
    now = now or utcnow()
    visible: ColumnElement[bool] = Meeting.state.in_(PUBLIC_STATES)
    if permissions.can(actor, "meeting.read_draft"):
        visible = or_(visible, Meeting.state == MeetingState.SCHEDULED)
    query = select(Meeting).where(visible).options(selectinload(Meeting.items))
    ahead = or_(Meeting.state.in_(LIVE_STATES), Meeting.ends_at >= now)
    upcoming = db.scalars(
        query.where(ahead, Meeting.state != MeetingState.CLOSED).order_by(Meeting.starts_at)
    )
    past = db.scalars(
        query.where(or_(Meeting.state == MeetingState.CLOSED, ~ahead))
        .order_by(Meeting.starts_at.desc())
        .limit(100)
    )
    return {"upcoming": list(upcoming), "past": list(past)}


def members(db: Session) -> list[User]:
    """The council's members: active accounts with the member role."""
    return list(
        db.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.MEMBER, User.status == AccountStatus.ACTIVE)
            .order_by(User.name, User.id)
        )
    )


def member_count(db: Session) -> int:
    return (
        db.scalar(
            select(func.count(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.MEMBER, User.status == AccountStatus.ACTIVE)
        )
        or 0
    )


def schedulable_proposals(db: Session) -> list[Proposal]:
    return list(
        db.scalars(select(Proposal).where(Proposal.state.in_(SCHEDULABLE)).order_by(Proposal.title))
    )


# --- shared by the live operations ----------------------------------------------------------


def lock(db: Session, meeting_id: int) -> Meeting:
    """The meeting, re-read and row-locked for this transaction. Raises NotFound."""
    meeting = (
        db.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
        if isinstance(meeting_id, int) and not isinstance(meeting_id, bool)
        else None
    )
    if meeting is None:
        raise NotFound(_("This meeting does not exist."))
    return meeting


def changed(
    db: Session, meeting: Meeting, actor: User | None, kind: str, data: dict[str, Any]
) -> None:
    """Record an event of the meeting and move its live version on, in this transaction."""
    meeting.live_version += 1
    record.append(db, kind=kind, actor=actor, subject=subject(meeting), data=data)


def item_of(meeting: Meeting, item_id: Any) -> AgendaItem:
    for item in meeting.items:
        if item.id == item_id and not isinstance(item_id, bool):
            return item
    raise NotFound(_("This agenda item does not exist."))


# --- validation -----------------------------------------------------------------------------


def clean_line(value: Any, field: str, *, minimum: int, maximum: int) -> str:
    text = " ".join(str(value or "").split())
    if len(text) < minimum:
        raise ValidationError(_("This field is required."), field=field)
    if len(text) > maximum:
        raise ValidationError(
            _("At most %(n)d characters, please.", n=maximum), field=field
        )  # fmt: skip
    return text


def clean_text(value: Any, field: str) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(_("At most %(n)d characters, please.", n=MAX_TEXT), field=field)
    markdown.check(text, field)
    return text


def clean_url(value: Any, field: str, *, required: bool = False, maximum: int = 300) -> str:
    link = str(value or "").strip()
    if not link:
        if required:
            raise ValidationError(_("This field is required."), field=field)
        return ""
    parts = urlsplit(link)
    if len(link) > maximum or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_("Enter a web address starting with https://."), field=field)
    return link


def _clean_times(starts_at: Any, ends_at: Any) -> tuple[datetime, datetime]:
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise ValidationError(_("Enter the date and time of the meeting."), field="starts_at")
    if ends_at is None:
        ends_at = starts_at + timedelta(hours=2)
    if not isinstance(ends_at, datetime) or ends_at.tzinfo is None:
        raise ValidationError(_("Enter when the meeting ends."), field="ends_at")
    if not starts_at < ends_at <= starts_at + MAX_DURATION:
        raise ValidationError(
            _("The meeting must end after it starts, within 12 hours."), field="ends_at"
        )
    return starts_at, ends_at


def require_editable(meeting: Meeting) -> None:
    if meeting.state == MeetingState.CLOSED:
        raise InvalidState(_("The meeting is closed: it can no longer be changed."))


# --- preparing ------------------------------------------------------------------------------


def create(
    db: Session,
    actor: User,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    place: str = "",
    link: str = "",
    description: str = "",
) -> Meeting:
    """A new meeting, in preparation (programmata). Raises NotAllowed, ValidationError."""
    user = permissions.require(actor, "meeting.prepare")
    title = clean_line(title, "title", minimum=3, maximum=200)
    starts_at, ends_at = _clean_times(starts_at, ends_at)
    if starts_at < utcnow() - timedelta(hours=1):
        raise ValidationError(_("The meeting cannot start in the past."), field="starts_at")
    place = clean_line(place, "place", minimum=0, maximum=200)
    link = clean_url(link, "link")
    if not place and not link:
        raise ValidationError(_("Say where the meeting is held, or give its link."), field="place")
    meeting = Meeting(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        link=link,
        description=clean_text(description, "description"),
        created_by_id=user.id,
    )
    db.add(meeting)
    db.flush()
    changed(db, meeting, user, "meeting.created",
            {"title": title, "starts_at": record.format_at(starts_at)})  # fmt: skip
    return meeting


def update(db: Session, actor: User, meeting_id: int, **fields: Any) -> Meeting:
    """Change the details (title, times, place, link, description). After the convocation the
    change is marked and the members are told. Raises NotAllowed, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = lock(db, meeting_id)
    require_editable(meeting)
    if meeting.state in LIVE_STATES and {"starts_at", "ends_at"} & set(fields):
        raise InvalidState(_("The session has started: its times can no longer change."))
    values: dict[str, Any] = {
        "title": clean_line(fields.get("title", meeting.title), "title", minimum=3, maximum=200),
        "place": clean_line(fields.get("place", meeting.place), "place", minimum=0, maximum=200),
        "link": clean_url(fields.get("link", meeting.link), "link"),
        "description": clean_text(fields.get("description", meeting.description), "description"),
    }
    values["starts_at"], values["ends_at"] = _clean_times(
        fields.get("starts_at", meeting.starts_at), fields.get("ends_at", meeting.ends_at)
    )
    if not values["place"] and not values["link"]:
        raise ValidationError(_("Say where the meeting is held, or give its link."), field="place")
    names = [name for name, value in values.items() if getattr(meeting, name) != value]
    if not names:
        return meeting
    for name in names:
        setattr(meeting, name, values[name])
    after = after_convocation(db, meeting, user)
    data: dict[str, Any] = {"changed": sorted(names), "after_convocation": after}
    if "starts_at" in names:
        data["starts_at"] = record.format_at(meeting.starts_at)
    changed(db, meeting, user, "meeting.updated", data)
    return meeting


def after_convocation(db: Session, meeting: Meeting, actor: User) -> bool:
    """A change to a convened meeting: mark it, bump the invitation, tell the members."""
    if meeting.state not in CHANGED_AFTER_CONVOCATION:
        return False
    meeting.changed_at = utcnow()
    meeting.ics_sequence += 1
    notifications.notify(
        db, members(db), kind="meeting_changed", subject=subject(meeting),
        url=public_paths.meeting(meeting),
        params={"title": meeting.title, "meeting": meeting.id}, actor=actor,
    )  # fmt: skip
    return True


def convene(db: Session, actor: User, meeting_id: int) -> Meeting:
    """Send the convocation (convocazione) to every member: the meeting becomes public.
    The e-mails with the calendar invitation go out after commit (council/meeting_mail.py).
    Raises NotAllowed, InvalidState."""
    user = permissions.require(actor, "meeting.convene")
    meeting = lock(db, meeting_id)
    if meeting.state != MeetingState.SCHEDULED:
        raise InvalidState(_("This meeting has already been convened."))
    if not meeting.items:
        raise InvalidState(_("Add at least one item to the agenda before convening."))
    if meeting.starts_at <= utcnow():
        raise InvalidState(_("The meeting's start is past: change its date first."))
    meeting.state = MeetingState.CONVENED
    meeting.convened_at = utcnow()
    recipients = members(db)
    notifications.notify(
        db, recipients, kind="convocation", subject=subject(meeting),
        url=public_paths.meeting(meeting),
        params={"title": meeting.title, "meeting": meeting.id}, actor=user,
    )  # fmt: skip
    changed(db, meeting, user, "meeting.convened", {
        "recipients": len(recipients), "items": len(meeting.items),
        "starts_at": record.format_at(meeting.starts_at),
    })  # fmt: skip
    return meeting
