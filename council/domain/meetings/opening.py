"""When the session and a poll can open: the rules in one place, used by the operations that
refuse (live_session.open_session, polls.open_poll) and by the live snapshot, which tells
the console beforehand which of its buttons would be refused and why (docs/realtime.md)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from council.domain.meetings.attendance import CHECK_IN_OPENS


def session_opens_at(starts_at: datetime) -> datetime:
    """The first moment the chair can open the session (and members can check in)."""
    return starts_at - CHECK_IN_OPENS


# Why a prepared poll cannot open now: a code (in the snapshot) and its words.
POLL_REFUSALS = {
    "closed": _l("This poll is closed."),
    "not_in_progress": _l("Polls open only while the session is in progress."),
    "other_item": _l("Move to this agenda item before opening its poll."),
    "other_open": _l("Another poll is open: close it first."),
    "amendments_first": _l("The amendments of this item are voted before the item."),
    "amendment_done": _l("This amendment is not waiting for the council's vote."),
    "proposal_gone": _l("The proposal of this item is no longer on the agenda."),
    "no_quorum": _l("There is no quorum: the poll cannot open."),
}


def poll_refusal(
    *,
    closed: bool,
    in_progress: bool,
    on_current_item: bool,
    other_open: bool,
    amendment: bool,
    amendments_waiting: int,
    amendment_to_vote: bool,
    proposal_on_agenda: bool,
    quorum: bool,
) -> str | None:
    """Why a poll that is not open cannot open now (a key of POLL_REFUSALS), or None.
    The first reason in this order is the one given."""
    if closed:
        return "closed"
    if not in_progress:
        return "not_in_progress"
    if not on_current_item:
        return "other_item"
    if other_open:
        return "other_open"
    if not amendment and amendments_waiting:
        return "amendments_first"
    if amendment and not amendment_to_vote:
        return "amendment_done"
    if not amendment and not proposal_on_agenda:
        return "proposal_gone"
    if not quorum:
        return "no_quorum"
    return None
