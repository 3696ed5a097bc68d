"""The agenda (ordine del giorno) of a meeting and its documents, prepared by the secretary.

After the convocation every change is marked on the item and the members are told."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from council.domain import permissions
from council.domain.meetings import meetings
from council.domain.proposals import proposals
from council.errors import InvalidState, NotFound, ValidationError
from council.models.meeting import LIVE_STATES, AgendaItem, Meeting, MeetingDocument, MeetingState
from council.models.proposal import Proposal, ProposalState
from council.models.user import User


def _proposal(db: Session, actor: User, proposal_id: Any) -> Proposal | None:
    if proposal_id in (None, ""):
        return None
    proposal = db.get(Proposal, proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None:
        raise ValidationError(_("Choose a proposal from the list."), field="proposal")
    if proposal.state not in meetings.SCHEDULABLE:
        raise ValidationError(
            _("Only a proposal in consultation can be put on the agenda."), field="proposal"
        )
    if proposal.state != ProposalState.ON_AGENDA:
        proposals.schedule(db, actor, proposal)
    return proposal


def _renumber(meeting: Meeting, order: list[AgendaItem]) -> None:
    for position, item in enumerate(order):
        item.position = position
    meeting.items.sort(key=lambda i: i.position)


def add_item(
    db: Session,
    actor: User,
    meeting_id: int,
    *,
    title: str,
    description: str = "",
    proposal_id: int | None = None,
) -> AgendaItem:
    """Append an item to the agenda, optionally tied to a proposal (which goes on the agenda).
    Raises NotAllowed, InvalidState, ValidationError."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = meetings.lock(db, meeting_id)
    meetings.require_editable(meeting)
    if len(meeting.items) >= meetings.MAX_ITEMS:
        raise InvalidState(_("The agenda is full."))
    title = meetings.clean_line(title, "title", minimum=3, maximum=200)
    description = meetings.clean_text(description, "description")
    return _append(db, user, meeting, title, description, _proposal(db, user, proposal_id))


def carry_over(db: Session, user: User, meeting_id: int, proposal: Proposal) -> AgendaItem:
    """Put on this meeting's agenda a proposal a closed meeting left without a vote; the
    caller (council/domain/proposals/unvoted.py) has checked who may and the proposal's state.
    Raises NotFound, InvalidState (the meeting closed, its agenda full)."""
    meeting = meetings.lock(db, meeting_id)
    meetings.require_editable(meeting)
    if len(meeting.items) >= meetings.MAX_ITEMS:
        raise InvalidState(_("The agenda of the next meeting is full."))
    return _append(db, user, meeting, proposal.title, "", proposal)


def _append(
    db: Session, user: User, meeting: Meeting, title: str, description: str,
    proposal: Proposal | None,
) -> AgendaItem:  # fmt: skip
    after = meeting.state in meetings.CHANGED_AFTER_CONVOCATION
    item = AgendaItem(
        meeting_id=meeting.id,
        position=len(meeting.items),
        title=title,
        description=description,
        proposal_id=proposal.id if proposal else None,
        changed_after_convocation=after or meeting.state in LIVE_STATES,
    )
    meeting.items.append(item)
    db.flush()
    meetings.after_convocation(db, meeting, user)
    meetings.changed(db, meeting, user, "agenda.item_added", {
        "item": item.id, "title": title, "position": item.position + 1,
        "proposal": proposal.id if proposal else None, "after_convocation": after,
    })  # fmt: skip
    return item


def update_item(db: Session, actor: User, meeting_id: int, item_id: int, **fields: Any):
    """Change an item's title, description, proposal or outcome (esito). Raises NotAllowed,
    NotFound, InvalidState, ValidationError."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = meetings.lock(db, meeting_id)
    item = meetings.item_of(meeting, item_id)
    if set(fields) - {"outcome"}:
        meetings.require_editable(meeting)
    values: dict[str, Any] = {}
    if "title" in fields:
        values["title"] = meetings.clean_line(fields["title"], "title", minimum=3, maximum=200)
    if "description" in fields:
        values["description"] = meetings.clean_text(fields["description"], "description")
    if "outcome" in fields:
        values["outcome"] = meetings.clean_line(
            fields["outcome"], "outcome", minimum=0, maximum=500
        )
    if "proposal_id" in fields and fields["proposal_id"] != item.proposal_id:
        proposal = _proposal(db, user, fields["proposal_id"])
        values["proposal_id"] = proposal.id if proposal else None
    names = [name for name, value in values.items() if getattr(item, name) != value]
    if not names:
        return item
    for name in names:
        setattr(item, name, values[name])
    after = False
    if set(names) - {"outcome"}:
        after = meetings.after_convocation(db, meeting, user)
        item.changed_after_convocation = item.changed_after_convocation or after
    data: dict[str, Any] = {"item": item.id, "changed": sorted(names), "after_convocation": after}
    if "proposal_id" in names:
        data["proposal"] = item.proposal_id
    meetings.changed(db, meeting, user, "agenda.item_updated", data)
    return item


def move_item(db: Session, actor: User, meeting_id: int, item_id: int, position: Any):
    """Move an item to `position` (1 = first). Raises NotAllowed, NotFound, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = meetings.lock(db, meeting_id)
    meetings.require_editable(meeting)
    item = meetings.item_of(meeting, item_id)
    if not isinstance(position, int) or isinstance(position, bool):
        raise ValidationError(_("Choose a position in the agenda."), field="position")
    position = max(1, min(position, len(meeting.items)))
    if item.position + 1 == position:
        return item
    order = [i for i in meeting.items if i.id != item.id]
    order.insert(position - 1, item)
    _renumber(meeting, order)
    after = meetings.after_convocation(db, meeting, user)
    item.changed_after_convocation = item.changed_after_convocation or after
    meetings.changed(db, meeting, user, "agenda.item_moved",
            {"item": item.id, "position": position, "after_convocation": after})  # fmt: skip
    return item


def remove_item(db: Session, actor: User, meeting_id: int, item_id: int) -> None:
    """Take an item off the agenda, before the session starts. Raises NotAllowed, NotFound,
    InvalidState."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = meetings.lock(db, meeting_id)
    item = meetings.item_of(meeting, item_id)
    if meeting.state not in (MeetingState.SCHEDULED, MeetingState.CONVENED):
        raise InvalidState(_("Items can be removed only before the session starts."))
    meeting.items.remove(item)
    db.delete(item)
    _renumber(meeting, list(meeting.items))
    after = meetings.after_convocation(db, meeting, user)
    meetings.changed(db, meeting, user, "agenda.item_removed",
            {"item": item.id, "title": item.title, "after_convocation": after})  # fmt: skip


def add_document(
    db: Session, actor: User, meeting_id: int, *, title: str, link: str, item_id: int | None = None
) -> MeetingDocument:
    """Attach a document (as a link). Raises NotAllowed, NotFound, InvalidState,
    ValidationError."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = meetings.lock(db, meeting_id)
    if len(meeting.documents) >= meetings.MAX_DOCUMENTS:
        raise InvalidState(_("This meeting has too many documents."))
    title = meetings.clean_line(title, "title", minimum=3, maximum=200)
    link = meetings.clean_url(link, "link", required=True, maximum=500)
    item = meetings.item_of(meeting, item_id) if item_id not in (None, "") else None
    document = MeetingDocument(
        meeting_id=meeting.id, item_id=item.id if item else None, title=title, url=link,
        added_by_id=user.id,
    )  # fmt: skip
    meeting.documents.append(document)
    db.flush()
    meetings.changed(db, meeting, user, "meeting.document_added", {
        "document": document.id, "title": title, "url": link, "item": document.item_id,
    })  # fmt: skip
    return document


def remove_document(db: Session, actor: User, meeting_id: int, document_id: int) -> None:
    """Raises NotAllowed, NotFound."""
    user = permissions.require(actor, "meeting.prepare")
    meeting = meetings.lock(db, meeting_id)
    document = next((d for d in meeting.documents if d.id == document_id), None)
    if document is None:
        raise NotFound(_("This document does not exist."))
    meeting.documents.remove(document)
    meetings.changed(db, meeting, user, "meeting.document_removed", {"document": document_id})
