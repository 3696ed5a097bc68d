"""Minutes (verbale) of a closed meeting: drafted from its rows (minutes_text.py), edited by the
secretary, put on the agenda of a later meeting, approved by the vote on that item, then public
for good with the record's head at the approval as their anchor (docs/minutes.md).

The approval is no operation of its own: council.domain.voting.polls.record_decision calls
`lock_tied` right after locking the meeting and the poll, and `vote_recorded` once the
decision's event is appended. Locks, always in this order: meetings, then the minutes' row,
then the record's head (the poll, when there is one, between the meeting and the minutes).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from council import markdown, plain_text
from council.domain import permissions
from council.domain.archive import minutes_text
from council.domain.meetings import agenda, meetings
from council.domain.permissions import SYSTEM
from council.domain.record import record
from council.errors import InvalidState, NotFound, ValidationError
from council.models.base import utcnow
from council.models.meeting import AgendaItem, Meeting, MeetingState
from council.models.minutes import Minutes, MinutesState
from council.models.poll import Decision, Poll, PollState
from council.models.record import RecordEvent
from council.models.user import User
from council.plain_text import sha256
from council.rendered_texts import MINUTES_BUDGET

MAX_BODY = 200_000


def subject(minutes: Minutes) -> str:
    return f"minutes:{minutes.id}"


def of_meeting(db: Session, meeting_id: Any) -> Minutes | None:
    if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
        return None
    return db.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))


def _lock(db: Session, minutes: Minutes) -> Minutes:
    return db.get_one(Minutes, minutes.id, with_for_update=True, populate_existing=True)


def _locked_of(db: Session, meeting_id: Any) -> Minutes:
    found = of_meeting(db, meeting_id)
    if found is None:
        raise NotFound(_("The minutes of this meeting have not been drafted yet."))
    return _lock(db, found)


def _require_draft(minutes: Minutes) -> None:
    if minutes.state != MinutesState.DRAFT:
        raise InvalidState(_("These minutes are approved: they can no longer change."))


def vote_under_way(db: Session, minutes: Minutes) -> bool:
    """A poll on the item that approves them is open, or closed with its decision still to be
    recorded: the text the members vote on must not change under them."""
    if minutes.approval_item_id is None:
        return False
    decided = exists().where(Decision.poll_id == Poll.id)
    return (
        db.scalar(
            select(Poll.id)
            .where(
                Poll.item_id == minutes.approval_item_id,
                Poll.amendment_id.is_(None),
                (Poll.state == PollState.OPEN)
                | ((Poll.state == PollState.CLOSED) & Poll.valid.is_(True) & ~decided),
            )
            .limit(1)
        )
        is not None
    )


def _require_no_vote(db: Session, minutes: Minutes) -> None:
    if vote_under_way(db, minutes):
        raise InvalidState(
            _("The council is voting on these minutes: they change only after the decision.")
        )


# --- reading --------------------------------------------------------------------------------


def can_read(actor: Any, minutes: Minutes) -> bool:
    return minutes.approved or permissions.can(actor, "minutes.read_draft", minutes)


def readable(db: Session, actor: Any, meeting_id: Any) -> tuple[Meeting, Minutes]:
    """The meeting and its minutes, when the actor may read them: approved ones, anyone who
    sees the meeting; a draft, the office (and members once it is on an agenda). Raises
    NotFound."""
    meeting = meetings.get(db, actor, meeting_id)
    found = of_meeting(db, meeting.id)
    if found is None or not can_read(actor, found):
        raise NotFound(_("The minutes of this meeting are not published yet."))
    return meeting, found


def on_agenda(db: Session, meeting: Meeting) -> dict[int, Minutes]:
    """The minutes each item of this meeting is to approve, by item id."""
    rows = db.scalars(
        select(Minutes)
        .join(AgendaItem, AgendaItem.id == Minutes.approval_item_id)
        .where(AgendaItem.meeting_id == meeting.id)
    )
    return {row.approval_item_id: row for row in rows if row.approval_item_id is not None}


def agenda_targets(db: Session, minutes: Minutes) -> list[tuple[Meeting, list[AgendaItem]]]:
    """Where the minutes may be put for approval: the meetings after theirs that are not
    closed, each with its items that could take them (no proposal, no poll, no other
    minutes)."""
    meeting = minutes.meeting
    later = db.scalars(
        select(Meeting)
        .where(Meeting.state != MeetingState.CLOSED, Meeting.starts_at > meeting.starts_at)
        .order_by(Meeting.starts_at)
    )
    taken = set(
        db.scalars(
            select(Minutes.approval_item_id).where(
                Minutes.approval_item_id.is_not(None), Minutes.id != minutes.id
            )
        )
    )
    found = []
    for target in later:
        polled = set(db.scalars(select(Poll.item_id).where(Poll.meeting_id == target.id)))
        free = [item for item in target.items
                if item.proposal_id is None and item.id not in polled | taken]  # fmt: skip
        found.append((target, free))
    return found


def trail(db: Session, minutes: Minutes) -> list[RecordEvent]:
    return list(
        db.scalars(
            select(RecordEvent)
            .where(RecordEvent.subject == subject(minutes))
            .order_by(RecordEvent.seq)
        )
    )


# --- drafting and editing -------------------------------------------------------------------


def draft(db: Session, actor: User, meeting_id: Any, *, replace_edits: bool = False) -> Minutes:
    """Write the draft from the closed meeting's rows, or write it again. Drafting again
    replaces the secretary's edits, so once edited it needs `replace_edits`. Raises
    NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "minutes.manage")
    meeting = meetings.lock(db, meeting_id)
    if meeting.state != MeetingState.CLOSED:
        raise InvalidState(_("The minutes are drafted once the meeting is closed."))
    found = of_meeting(db, meeting.id)
    if found is not None:
        found = _lock(db, found)
        _require_draft(found)
        if found.edited_at is not None and not replace_edits:
            raise InvalidState(
                _("The draft was edited: drafting it again replaces those edits. Confirm to go on.")
            )
        _require_no_vote(db, found)
    body = minutes_text.build(db, meeting, user)
    now = utcnow()
    if found is None:
        found = Minutes(meeting_id=meeting.id, body=body, body_sha256=sha256(body), revision=1,
                        generated_at=now, generated_by_id=user.id)  # fmt: skip
        db.add(found)
    else:
        found.body, found.body_sha256, found.revision = body, sha256(body), found.revision + 1
        found.generated_at, found.generated_by_id = now, user.id
        found.edited_at = found.edited_by_id = None
    db.flush()
    record.append(db, kind="minutes.drafted", actor=user, subject=subject(found),
                  data={"meeting": meeting.id, "revision": found.revision,
                        "body_sha256": found.body_sha256})  # fmt: skip
    return found


def clean_body(value: Any) -> str:
    text = plain_text.clean(str(value or "")).strip()
    if not text:
        raise ValidationError(_("The minutes cannot be empty."), field="body")
    if len(text) > MAX_BODY:
        raise ValidationError(_("At most %(n)d characters, please.", n=MAX_BODY), field="body")
    markdown.check(text + "\n", "body", MINUTES_BUDGET)
    return text + "\n"


def edit(db: Session, actor: User, meeting_id: Any, *, body: Any, revision: Any) -> bool:
    """The secretary's corrections to the draft. `revision` is the one the edit started from:
    an edit of an older text is refused, so that nobody's changes are lost. Returns whether
    anything changed. Raises NotAllowed, NotFound, InvalidState, ValidationError."""
    user = permissions.require(actor, "minutes.manage")
    found = _locked_of(db, meeting_id)
    _require_draft(found)
    if revision != found.revision or isinstance(revision, bool):
        raise InvalidState(
            _("The minutes were changed meanwhile: your text is kept below; compare and save "
              "again.")
        )  # fmt: skip
    text = clean_body(body)
    if text == found.body:
        return False
    _require_no_vote(db, found)
    found.body, found.body_sha256, found.revision = text, sha256(text), found.revision + 1
    found.edited_at, found.edited_by_id = utcnow(), user.id
    db.flush()
    record.append(db, kind="minutes.edited", actor=user, subject=subject(found),
                  data={"meeting": found.meeting_id, "revision": found.revision,
                        "body_sha256": found.body_sha256})  # fmt: skip
    return True


# --- approval ---------------------------------------------------------------------------------


def put_on_agenda(
    db: Session, actor: User, meeting_id: Any, *, target_meeting_id: Any, item_id: Any = None
) -> AgendaItem:
    """Put the draft on the agenda of a later meeting not yet closed, for its approval: on a
    new item ("Approvazione del verbale della seduta del …"), or on an item already there
    without proposal nor poll. A vote on that item then approves or rejects them. Raises
    NotAllowed, NotFound, InvalidState, ValidationError."""
    user = permissions.require(actor, "minutes.manage")
    target = meetings.lock(db, target_meeting_id)
    found = _locked_of(db, meeting_id)
    _require_draft(found)
    if target.state == MeetingState.CLOSED:
        raise InvalidState(_("This meeting is closed: choose one still to be held."))
    if target.id == found.meeting_id or target.starts_at <= found.meeting.starts_at:
        raise InvalidState(_("Minutes are approved at a later meeting."))
    _require_no_vote(db, found)
    if item_id in (None, ""):
        title = minutes_text.approval_title(found.meeting)
        item = agenda.add_item(db, user, target.id, title=title)
    else:
        item = meetings.item_of(target, item_id)
        if item.id == found.approval_item_id:
            return item
        if item.proposal_id is not None:
            raise ValidationError(_("This item is about a proposal."), field="target")
        if db.scalar(select(Poll.id).where(Poll.item_id == item.id).limit(1)) is not None:
            raise InvalidState(_("This item already has a vote."))
        if db.scalar(select(Minutes.id).where(Minutes.approval_item_id == item.id)):
            raise InvalidState(_("This item already approves other minutes."))
    found.approval_item_id = item.id
    db.flush()
    record.append(db, kind="minutes.scheduled", actor=user, subject=subject(found),
                  data={"meeting": found.meeting_id, "agenda_meeting": target.id,
                        "item": item.id})  # fmt: skip
    return item


def lock_tied(db: Session, poll: Poll) -> Minutes | None:
    """The minutes the poll's item approves, row-locked (before the record's head). None for
    a poll on an amendment or an item that approves no minutes."""
    if poll.amendment_id is not None:
        return None
    return db.scalar(
        select(Minutes)
        .where(Minutes.approval_item_id == poll.item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def vote_recorded(db: Session, minutes: Minutes, poll: Poll, decision: Decision) -> None:
    """The decision on the item's poll was just recorded. Approved: the minutes are approved
    as they stand, and state the record's head, the decision's own event, as their anchor.
    Rejected: they stay a draft, off the agenda, for the secretary's corrections."""
    if minutes.state != MinutesState.DRAFT:
        return
    data: dict[str, Any] = {"meeting": minutes.meeting_id, "poll": poll.id,
                            "decision": decision.number}  # fmt: skip
    if not poll.approved:
        minutes.approval_item_id = None
        db.flush()
        record.append(db, kind="minutes.rejected", actor=SYSTEM, subject=subject(minutes),
                      data=data)  # fmt: skip
        return
    head = record.head(db)
    assert head is not None  # the decision's event is there
    minutes.state, minutes.approved_at = MinutesState.APPROVED, utcnow()
    minutes.approval_poll_id, minutes.approval_decision_id = poll.id, decision.id
    minutes.anchor_seq, minutes.anchor_hash = head.seq, head.hash
    minutes.body_sha256 = sha256(minutes.body)
    db.flush()
    data |= {"body_sha256": minutes.body_sha256, "anchor_seq": head.seq,
             "anchor_hash": head.hash}  # fmt: skip
    record.append(db, kind="minutes.approved", actor=SYSTEM, subject=subject(minutes), data=data)
