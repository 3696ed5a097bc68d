"""What a notification says, written in the reader's language from its kind and params."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain.notifications.notifications import params_of
from council.domain.proposals.proposal_organisations import INVITABLE
from council.domain.voting.consultation_queries import phase
from council.models.consultation import Consultation, ConsultationState
from council.models.meeting import Meeting, MeetingState
from council.models.notification import EmailFrequency, Notification
from council.models.proposal import (
    Amendment,
    AmendmentState,
    CosignState,
    Proposal,
    ProposalCosigner,
)
from council.models.user import User

STATE_LABELS = {
    "draft": _l("draft"),
    "consultation": _l("in consultation"),
    "on_agenda": _l("on the agenda"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
    "referred_back": _l("referred back"),
}

IMPLEMENTATION_STATES = {
    "not_started": _l("not yet started"),
    "in_progress": _l("in progress"),
    "completed": _l("completed"),
    "suspended": _l("suspended"),
}

# Labels of the preferences: the NotificationSettings flags and the e-mail frequencies.
FLAG_LABELS = {
    "replies": _l("Replies to my comments"),
    "new_versions": _l("New versions of proposals I follow"),
    "state_changes": _l("Changes of state of proposals I follow"),
    "new_comments": _l("New comments on proposals I follow"),
    "new_proposals": _l("New proposals in the zones and topics I follow"),
}
FREQUENCY_LABELS = {
    EmailFrequency.NEVER: _l("Never"),
    EmailFrequency.IMMEDIATE: _l("At once, one e-mail for each notification"),
    EmailFrequency.DAILY: _l("A daily digest"),
    EmailFrequency.WEEKLY: _l("A weekly digest"),
}


def actor_names(db: Session, notes: Iterable[Notification]) -> dict[int, str]:
    """Current names of the people who caused these notifications (one query)."""
    ids = set()
    for note in notes:
        actor_id = params_of(note).get("actor_id")
        if isinstance(actor_id, int):
            ids.add(actor_id)
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _ids(notes: Iterable[Notification], kinds: frozenset[str], prefix: str) -> dict[int, int]:
    """note id -> the id in its subject ("meeting:12" -> 12), for these kinds."""
    found = {}
    for note in notes:
        kind, _sep, key = note.subject.partition(":")
        if note.kind in kinds and kind == prefix and key.isdigit():
            found[note.id] = int(key)
    return found


def settled(db: Session, user: User, notes: Iterable[Notification]) -> dict[int, str]:
    """The notifications that asked for something no longer possible, and why: a consultation
    closed ("closed"), a meeting over ("over"), an invitation to co-sign already answered
    ("accepted", "declined") or past its time ("too_late"), an amendment already decided
    ("decided") or withdrawn ("withdrawn"). One query per kind present, whatever the number."""
    notes = list(notes)
    found: dict[int, str] = {}
    asked = _ids(notes, frozenset({"consultation_opened"}), "consultation")
    if asked:
        rows = db.scalars(select(Consultation).where(Consultation.id.in_(set(asked.values()))))
        closed = {c.id for c in rows if phase(c) == ConsultationState.CLOSED}
        found |= {note: "closed" for note, key in asked.items() if key in closed}
    asked = _ids(notes, frozenset({"convocation", "meeting_changed"}), "meeting")
    if asked:
        over = set(
            db.scalars(
                select(Meeting.id).where(
                    Meeting.id.in_(set(asked.values())), Meeting.state == MeetingState.CLOSED
                )
            )
        )
        found |= {note: "over" for note, key in asked.items() if key in over}
    asked = _ids(notes, frozenset({"cosign_invited"}), "proposal")
    if asked:
        answers = db.execute(
            select(Proposal.id, Proposal.state, ProposalCosigner.state)
            .outerjoin(
                ProposalCosigner,
                (ProposalCosigner.proposal_id == Proposal.id)
                & (ProposalCosigner.organisation_id == user.organisation_id),
            )
            .where(Proposal.id.in_(set(asked.values())))
        )
        why = {}
        for proposal_id, state, answer in answers:
            if answer in (CosignState.ACCEPTED, CosignState.DECLINED):
                why[proposal_id] = str(answer)
            elif answer is None or state not in INVITABLE:
                why[proposal_id] = "too_late"
        found |= {note: why[key] for note, key in asked.items() if key in why}
    asked = _ids(notes, frozenset({"amendment_proposed"}), "amendment")
    if asked:
        amendment_states = db.execute(
            select(Amendment.id, Amendment.state).where(Amendment.id.in_(set(asked.values())))
        )
        why = {
            key: "withdrawn" if state == AmendmentState.WITHDRAWN else "decided"
            for key, state in amendment_states
            if state != AmendmentState.PROPOSED
        }
        found |= {note: why[key] for note, key in asked.items() if key in why}
    return found


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def message(note: Notification, names: dict[int, str], settled: str | None = None) -> str:
    """One sentence, in the current locale (wrap in force_locale for someone else's). With
    `settled` (a reason of `settled()`), what is true now instead of the request to act."""
    p = params_of(note)
    if settled is not None:
        return _settled_message(p, settled)
    actor = names.get(p.get("actor_id")) or _("Someone")  # type: ignore[arg-type]  # None: no one
    title = _text(p.get("title")) or _("a proposal")
    number = p.get("number")
    number = str(number) if isinstance(number, int) and not isinstance(number, bool) else "?"
    kind = note.kind
    if kind == "reply":
        return _("%(actor)s replied to your comment on “%(title)s”.", actor=actor, title=title)
    if kind == "new_version":
        if number != "?":
            return _("“%(title)s” has a new version (%(number)s).", title=title, number=number)
        return _("“%(title)s” has a new version.", title=title)
    if kind == "state_changed":
        state = STATE_LABELS.get(_text(p.get("state")))
        if state is None:
            return _("“%(title)s” changed state.", title=title)
        return _("“%(title)s” is now %(state)s.", title=title, state=state)
    if kind == "implementation_updated":
        state = IMPLEMENTATION_STATES.get(_text(p.get("state")))
        if state is None:
            return _("The implementation of “%(title)s” was updated.", title=title)
        return _("Implementation of “%(title)s”: %(state)s.", title=title, state=state)
    if kind == "new_comment":
        return _("%(actor)s commented on “%(title)s”.", actor=actor, title=title)
    if kind == "new_proposal":
        return _("New proposal: “%(title)s”.", title=title)
    if kind == "cosign_invited":
        return _(
            "%(actor)s invites your organisation to co-sign “%(title)s”.", actor=actor, title=title
        )
    if kind == "cosign_answered":
        who = _text(p.get("organisation")) or actor
        if p.get("answer") == "declined":
            return _("%(who)s declined to co-sign “%(title)s”.", who=who, title=title)
        return _("%(who)s agreed to co-sign “%(title)s”.", who=who, title=title)
    if kind == "amendment_proposed":
        return _(
            "%(actor)s proposed amendment no. %(number)s to “%(title)s”.",
            actor=actor,
            number=number,
            title=title,
        )
    if kind == "amendment_decided":
        outcome = p.get("outcome")
        texts = {
            "accepted": _(
                "Your amendment no. %(number)s to “%(title)s” was accepted by the author.",
                number=number,
                title=title,
            ),
            "to_vote": _(
                "Your amendment no. %(number)s to “%(title)s” will be put to the council's vote.",
                number=number,
                title=title,
            ),
            "approved": _(
                "Your amendment no. %(number)s to “%(title)s” was approved by the council.",
                number=number,
                title=title,
            ),
            "rejected": _(
                "Your amendment no. %(number)s to “%(title)s” was rejected by the council.",
                number=number,
                title=title,
            ),
        }
        if outcome in texts:
            return texts[outcome]
        return _("There is news on your amendment no. %(number)s.", number=number)
    if kind == "convocation":
        return _("You are convened to the meeting “%(title)s”.", title=_text(p.get("title")))
    if kind == "meeting_changed":
        return _(
            "The meeting “%(title)s” changed after the convocation.", title=_text(p.get("title"))
        )
    if kind == "consultation_opened":
        return _("A consultation is open for you: “%(title)s”.", title=_text(p.get("title")))
    if kind == "registration_requested":
        return _(
            "%(name)s asked for an account for %(organisation)s: check the request.",
            name=_text(p.get("name")) or _("Someone"),
            organisation=_text(p.get("organisation")) or "—",
        )
    return _("There is news on “%(title)s”.", title=title)


def _settled_message(p: dict[str, Any], why: str) -> str:
    """What a notification says once there is nothing left to do about it."""
    title = _text(p.get("title")) or _("a proposal")
    number = p.get("number")
    number = str(number) if isinstance(number, int) and not isinstance(number, bool) else "?"
    texts = {
        "closed": lambda: _(
            "The consultation “%(title)s” is closed: you can read its results.", title=title
        ),
        "over": lambda: _("The meeting “%(title)s” is over.", title=title),
        "accepted": lambda: _("Your organisation has already co-signed “%(title)s”.", title=title),
        "declined": lambda: _(
            "Your organisation has already declined to co-sign “%(title)s”.", title=title
        ),
        "too_late": lambda: _("“%(title)s” can no longer be co-signed.", title=title),
        "decided": lambda: _(
            "Amendment no. %(number)s to “%(title)s” has already been decided.",
            number=number,
            title=title,
        ),
        "withdrawn": lambda: _(
            "Amendment no. %(number)s to “%(title)s” was withdrawn.", number=number, title=title
        ),
    }
    return texts[why]() if why in texts else _("There is news on “%(title)s”.", title=title)
