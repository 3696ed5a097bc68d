"""The record in readable words: one sentence per event, in the reader's language, for the
public record page and every page that shows a trail of events (a decision's, a meeting's).
The event itself (docs/record.md) is the contract; this is only its reading. People appear in
the record by public id; the page puts today's name beside it (a name erased later simply is
no longer shown). Things are named as everywhere else: "Deliberazione n. 2026/003" (never a
database id), "Seduta del 3 dicembre 2026", "Verbale della seduta del 3 dicembre 2026"."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain.proposals.proposal_queries import STATE_LABELS
from council.models.meeting import Meeting
from council.models.minutes import Minutes
from council.models.poll import Decision
from council.models.record import RecordEvent
from council.models.user import User

# data fields that hold a person's public id
PERSON_FIELDS = ("member", "from", "to", "voter", "for", "entered_by")

CHOICES = {"in_favour": _l("in favour"), "against": _l("against"), "abstain": _l("abstain")}
# the states of an implementation (stato di attuazione), as the sentence reads them
IMPLEMENTATION_STATES = {
    "not_started": _l("not yet started"),
    "in_progress": _l("in progress"),
    "completed": _l("completed"),
    "suspended": _l("suspended"),
}

SENTENCES: dict[str, Any] = {
    "account.created": _l("An account was created."),
    "account.approved": _l("The registration was approved."),
    "account.rejected": _l("The registration was rejected."),
    "account.updated": _l("The account was updated."),
    "account.status_changed": _l("The account's status changed."),
    "account.password_changed": _l("The password was changed."),
    "account.password_reset": _l("The password was reset by an administrator."),
    "account.two_step_enabled": _l("Two-step sign-in was turned on for the account."),
    "account.two_step_disabled": _l("Two-step sign-in was turned off for the account."),
    "account.two_step_codes_renewed": _l("New recovery codes were made for the account."),
    "settings.two_step_required": _l(
        "Two-step sign-in became required for the chair, the secretary and the administrators."
    ),
    "settings.two_step_optional": _l("Two-step sign-in is no longer required."),
    "role.granted": _l("A role was granted."),
    "role.revoked": _l("A role was revoked."),
    "organisation.created": _l("The organisation %(name)s was registered."),
    "organisation.updated": _l("The organisation's details were updated."),
    "zone.created": _l("The zone %(name)s was created."),
    "zone.updated": _l("The zone was updated."),
    "community_point.created": _l("The %(name)s was created."),
    "community_point.updated": _l("The community point was updated."),
    "topic.created": _l("The topic %(name)s was created."),
    "topic.updated": _l("The topic was updated."),
    "proposal.submitted": _l("The proposal was submitted for consultation."),
    "proposal.updated": _l("The proposal's details were updated."),
    "proposal.version_added": _l("Version %(version)s of the proposal was published."),
    "proposal.state_changed": _l("The proposal moved from “%(from_state)s” to “%(to_state)s”."),
    "proposal.supported": _l("An organisation supported the proposal."),
    "proposal.support_withdrawn": _l("An organisation withdrew its support."),
    "proposal.cosigner_invited": _l("An organisation was invited to co-sign the proposal."),
    "proposal.cosign_answered": _l("An invited organisation answered the co-signing request."),
    "comment.posted": _l("A comment was posted on proposal %(proposal)s."),
    "comment.edited": _l("A comment on proposal %(proposal)s was edited."),
    "comment.deleted": _l("A comment on proposal %(proposal)s was deleted by its author."),
    "comment.hidden": _l("A comment on proposal %(proposal)s was hidden by moderation: %(reason)s"),
    "comment.unhidden": _l("A hidden comment on proposal %(proposal)s was shown again."),
    "amendment.proposed": _l("Amendment %(number)s to proposal %(proposal)s was proposed."),
    "amendment.accepted": _l("Amendment %(number)s was accepted: the proposal has a new version."),
    "amendment.approved": _l(
        "Amendment %(number)s was approved by the council: the proposal has a new version."
    ),
    "amendment.rejected": _l("Amendment %(number)s was rejected."),
    "amendment.sent_to_vote": _l("Amendment %(number)s was sent to the council's vote."),
    "amendment.withdrawn": _l("Amendment %(number)s was withdrawn."),
    "meeting.created": _l("The meeting “%(title)s” was scheduled."),
    "meeting.updated": _l("The meeting's details were updated."),
    "meeting.convened": _l("The meeting was convened: %(recipients)s members were notified."),
    "meeting.document_added": _l("The document “%(title)s” was attached."),
    "meeting.document_removed": _l("A document was removed."),
    "meeting.opened": _l("The session was opened."),
    "meeting.suspended": _l("The session was suspended."),
    "meeting.resumed": _l("The session resumed."),
    "meeting.closed": _l("The session was closed (%(present_at_close)s present)."),
    "agenda.item_added": _l("Agenda item “%(title)s” was added."),
    "agenda.item_updated": _l("An agenda item was updated."),
    "agenda.item_moved": _l("The agenda was reordered."),
    "agenda.item_removed": _l("An agenda item was removed."),
    "agenda.item_started": _l("Discussion of agenda item %(number)s began."),
    "attendance.checked_in": _l("%(member)s is present."),
    "attendance.checked_out": _l("%(member)s left the session."),
    "speakers.requested": _l("%(member)s asked to speak."),
    "speakers.withdrawn": _l("A request to speak was withdrawn."),
    "speakers.reordered": _l("The list of speakers was reordered."),
    "speakers.floor_given": _l("%(member)s was given the floor."),
    "speakers.floor_ended": _l("%(member)s finished speaking (%(seconds)s seconds)."),
    "proxy.granted": _l("%(from)s delegated their vote to %(to)s."),
    "proxy.revoked": _l("%(from)s revoked their proxy to %(to)s."),
    "poll.prepared": _l("A vote was prepared: “%(question)s”."),
    "poll.opened": _l("The vote opened (%(present)s present of %(members)s)."),
    "poll.participated": _l("A secret ballot was cast (%(count)s so far)."),
    "poll.conflict_declared": _l("%(member)s declared a conflict of interest and does not vote."),
    "ballot.cast": _l("%(voter)s voted %(choice)s."),
    "ballot.changed": _l("%(voter)s changed their vote to %(choice)s."),
    "poll.closed": _l(
        "The vote closed: %(in_favour)s in favour, %(against)s against, %(abstain)s "
        "abstaining — %(outcome)s."
    ),
    "decision.recorded": _l("Decision no. %(number)s was recorded."),
    "implementation.updated": _l(
        "Implementation of decision no. %(number)s: %(state)s, %(progress)s%% done."
    ),
    "consultation.opened": _l("The online consultation “%(title)s” opened."),
    "consultation.responded": _l("A response to the consultation arrived (%(count)s so far)."),
    "consultation.closed": _l("The online consultation closed (responses: %(respondents)s)."),
    "minutes.drafted": _l(
        "The minutes of the meeting of %(meeting)s were drafted from what the record holds."
    ),
    "minutes.edited": _l(
        "The secretary corrected the draft minutes of the meeting of %(meeting)s."
    ),
    "minutes.scheduled": _l(
        "The minutes of the meeting of %(meeting)s were put on the agenda of the meeting of "
        "%(agenda_meeting)s for approval."
    ),
    "minutes.approved": _l(
        "The council approved the minutes of the meeting of %(meeting)s (decision no. "
        "%(decision)s); they quote the record up to event %(anchor_seq)s."
    ),
    "minutes.rejected": _l(
        "The council did not approve the minutes of the meeting of %(meeting)s (decision no. "
        "%(decision)s): they go back to the secretary."
    ),
}
PROXY_BALLOT = _l("%(voter)s voted %(choice)s on behalf of %(for)s.")


class _Values(dict):
    """Missing fields read as a dash rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return "—"


class Blank(dict):
    """Every field as an ellipsis: a sentence as a pattern, for the list of event codes."""

    def __missing__(self, key: str) -> str:
        return "…"


def people(db: Session, events: Iterable[RecordEvent]) -> dict[str, str]:
    """Today's names of the people the events mention, in one query."""
    ids: set[str] = set()
    for event in events:
        if event.actor:
            ids.add(event.actor)
        data = _data(event)
        ids.update(data[f] for f in PERSON_FIELDS if isinstance(data.get(f), str))
        if event.subject.startswith("user:"):
            ids.add(event.subject.removeprefix("user:"))
    found: dict[str, str] = {}
    if ids:
        found = dict(
            db.execute(select(User.public_id, User.name).where(User.public_id.in_(ids))).all()
        )
    found.update(_things(db, events))
    return found


def _ids(events: Iterable[RecordEvent], kind: str, fields: tuple[str, ...] = ()) -> set[int]:
    found = set()
    for event in events:
        if event.subject.startswith(f"{kind}:"):
            key = event.subject.partition(":")[2]
            if key.isdigit():
                found.add(int(key))
        data = _data(event)
        found.update(data[f] for f in fields if isinstance(data.get(f), int))
    return found


def _things(db: Session, events: Iterable[RecordEvent]) -> dict[str, str]:
    """What the events name by id, as the pages name it, keyed "decision:3", "meeting:1",
    "minutes:2": a decision by its number, a meeting and its minutes by the meeting's day.
    A few queries, whatever the number of events."""
    events = list(events)
    found: dict[str, str] = {}
    decision_ids = _ids(events, "decision")
    if decision_ids:
        for row in db.scalars(select(Decision).where(Decision.id.in_(decision_ids))):
            found[f"decision:{row.id}"] = row.number
    minutes_rows = {}
    minutes_ids = _ids(events, "minutes")
    if minutes_ids:
        rows = db.execute(select(Minutes.id, Minutes.meeting_id).where(Minutes.id.in_(minutes_ids)))
        minutes_rows = {minutes_id: meeting_id for minutes_id, meeting_id in rows}
    meeting_ids = _ids(events, "meeting", ("meeting", "agenda_meeting")) | set(
        minutes_rows.values()
    )
    if meeting_ids:
        rows = db.execute(select(Meeting.id, Meeting.starts_at).where(Meeting.id.in_(meeting_ids)))
        for meeting_id, starts_at in rows:
            found[f"meeting:{meeting_id}"] = format_date(starts_at, "d MMMM y")
    for minutes_id, meeting_id in minutes_rows.items():
        if f"meeting:{meeting_id}" in found:
            found[f"minutes:{minutes_id}"] = found[f"meeting:{meeting_id}"]
    return found


def _data(event: RecordEvent) -> dict[str, Any]:
    try:
        data = json.loads(event.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _outcome(data: dict[str, Any]) -> str:
    if data.get("valid") is False:
        return _("void for lack of quorum")
    return _("approved") if data.get("approved") else _("rejected")


def _state_label(data: dict[str, Any], key: str) -> str:
    state: Any = data.get(key)  # a plain string (ProposalState is a StrEnum), or missing
    return str(STATE_LABELS.get(state, data.get(key, "—")))


def describe(event: RecordEvent, names: dict[str, str]) -> str:
    """One sentence saying what the event records; its kind when there is no sentence yet."""
    template = SENTENCES.get(event.kind)
    if template is None:
        return event.kind
    data = _data(event)
    values = _Values({k: v for k, v in data.items() if isinstance(v, str | int)})
    for field in PERSON_FIELDS:
        if isinstance(data.get(field), str):
            values[field] = names.get(data[field], _("a former member"))
    if event.kind in ("ballot.cast", "ballot.changed"):
        values["choice"] = str(CHOICES.get(data.get("choice", ""), "—"))
        if event.kind == "ballot.cast" and "for" in data:
            template = PROXY_BALLOT
    if event.kind == "proposal.state_changed":
        values["from_state"] = _state_label(data, "from")
        values["to_state"] = _state_label(data, "to")
    if event.kind == "poll.closed":
        values["outcome"] = _outcome(data)
    if event.kind == "implementation.updated":
        values["state"] = str(IMPLEMENTATION_STATES.get(data.get("state", ""), "—"))
    for field in ("meeting", "agenda_meeting"):  # a meeting by its day, as the pages name it
        if isinstance(data.get(field), int):
            values[field] = names.get(f"meeting:{data[field]}", "—")
    sentence = str(template) % values
    if "entered_by" in values:  # a vote declared aloud (appello nominale)
        sentence += " " + _("Declared aloud, entered by %(name)s.", name=values["entered_by"])
    return sentence


SUBJECT_TYPES: dict[str, Any] = {
    "proposal": _l("Proposal"),
    "comment": _l("Comment"),
    "amendment": _l("Amendment"),
    "meeting": _l("Meeting"),
    "poll": _l("Vote"),
    "decision": _l("Decision"),
    "user": _l("Person"),
    "organisation": _l("Organisation"),
    "zone": _l("Zone"),
    "community_point": _l("Community point"),
    "topic": _l("Topic"),
    "consultation": _l("Online consultation"),
    "minutes": _l("Minutes"),
    "settings": _l("The council's settings"),
}


def subject_label(subject: str, names: dict[str, str]) -> str:
    """ "Proposta n. 3", "Deliberazione n. 2026/003", "Seduta del 3 dicembre 2026", "Persona:
    Anna Rossi"…; the raw subject for an unknown type."""
    kind, _sep, key = subject.partition(":")
    label = SUBJECT_TYPES.get(kind)
    if label is None:
        return subject
    if kind == "user":
        return _("%(type)s: %(name)s", type=label, name=names.get(key, key))
    if not key:
        return str(label)
    known = names.get(subject)
    if known is not None and kind == "decision":
        return _("Decision no. %(number)s", number=known)
    if known is not None and kind == "meeting":
        return _("Meeting of %(date)s", date=known)
    if known is not None and kind == "minutes":
        return _("Minutes of the meeting of %(date)s", date=known)
    return _("%(type)s no. %(id)s", type=label, id=key)
