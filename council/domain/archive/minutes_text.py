"""The text of the minutes (verbale), built from a closed meeting's stored rows: markdown in the
council's language (Italian), whoever asks for it. The msgids are English like every other
text; the document is written with the council's locale forced, so it is the same official
text for every reader, while the pages around it speak the reader's language.

A secret poll's section names who took part and the totals, never a choice beside a name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain.archive import decisions
from council.domain.meetings import attendance, meetings, speakers
from council.domain.voting import live_polls, majority, poll_queries
from council.models.meeting import AgendaItem, Meeting, Proxy, SpeakerKind
from council.models.poll import Choice, Poll, PollKind, PollState
from council.models.record import RecordEvent
from council.models.user import User

# A member checked out this close to the session's close left with it (close_all).
WITH_THE_CLOSE = timedelta(seconds=2)
RULES = {
    majority.Rule.SIMPLE: _l("simple majority"),
    majority.Rule.ABSOLUTE_PRESENT: _l("absolute majority of those present"),
    majority.Rule.ABSOLUTE_MEMBERS: _l("absolute majority of the members"),
    majority.Rule.TWO_THIRDS_PRESENT: _l("two-thirds majority of those present"),
}
SPEECH_KINDS = {
    SpeakerKind.INTERVENTION: _l("intervention"),
    SpeakerKind.REPLY: _l("reply"),
    SpeakerKind.POINT_OF_ORDER: _l("point of order"),
}
CHOICE_LINES = {
    Choice.IN_FAVOUR: _l("In favour (%(num)d): %(names)s."),
    Choice.AGAINST: _l("Against (%(num)d): %(names)s."),
    Choice.ABSTAIN: _l("Abstaining (%(num)d): %(names)s."),
}
_SPECIAL = re.compile(r"([\\`*_\[\]>#])")


def official_locale() -> str:
    """The council's language: the language of its official documents."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def escape(text: str) -> str:
    """A name, title or statement as plain text inside the markdown (a `*` stays a star)."""
    plain = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return plain.replace("<", "&lt;")  # not a tag: `<b>` would be bold


def _time(moment: datetime | None) -> str:
    return format_time(moment, "HH:mm") if moment else "—"


def _names(people) -> str:
    return ", ".join(escape(person.name) for person in people) or "—"


def _quote(markdown: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in markdown.strip().splitlines()]


def build(db: Session, meeting: Meeting, secretary: User) -> str:
    """The whole draft, in the council's language."""
    with force_locale(official_locale()):
        text = "\n".join(_document(db, meeting, secretary))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def approval_title(meeting: Meeting) -> str:
    """The title of the agenda item that approves these minutes, in the council's language."""
    with force_locale(official_locale()):
        day = format_date(meeting.starts_at, "d MMMM y")
        return _("Approval of the minutes of the meeting of %(date)s", date=day)


def _document(db: Session, meeting: Meeting, secretary: User) -> Iterator[str]:
    events = _session_events(db, meeting)
    opened = next((e for e in events if e.kind == "meeting.opened"), None)
    chair = db.scalar(select(User).where(User.public_id == opened.actor)) if opened else None
    day = format_date(meeting.starts_at, "d MMMM y")
    yield "# " + _("Minutes of the meeting of %(date)s", date=day)
    yield ""
    yield f"**{escape(meeting.title)}**"
    yield ""
    yield "- " + _("Date: %(date)s", date=format_date(meeting.starts_at, "EEEE d MMMM y"))
    if meeting.place:
        yield "- " + _("Place: %(place)s", place=escape(meeting.place))
    if meeting.link:
        yield "- " + _("Remote attendance: %(link)s", link=f"<{meeting.link}>")
    yield "- " + _("Opened at %(time)s, closed at %(end)s", time=_time(meeting.opened_at),
                   end=_time(meeting.closed_at))  # fmt: skip
    yield "- " + _("Chaired by: %(name)s", name=escape(chair.name) if chair else "—")
    yield "- " + _("Minutes taken by: %(name)s", name=escape(secretary.name))
    yield ""
    for suspended, resumed in _suspensions(events):
        yield _("The session was suspended at %(time)s and resumed at %(end)s.",
                time=_time(suspended), end=_time(resumed))  # fmt: skip
        yield ""
    yield from _attendance(db, meeting, opened)
    yield "## " + _("Agenda")
    yield ""
    for number, item in enumerate(meeting.items, start=1):
        yield f"{number}. {escape(item.title)}"
    yield ""
    meeting_polls = live_polls.in_order_taken(poll_queries.of_meeting_in_order(db, meeting))
    talks = speakers.interventions(db, meeting)
    for number, item in enumerate(meeting.items, start=1):
        yield from _item(db, number, item, [t for t in talks if t.item_id == item.id],
                         [p for p in meeting_polls if p.item_id == item.id])  # fmt: skip
    yield "## " + _("Closing")
    yield ""
    yield _("The chair closed the session at %(time)s.", time=_time(meeting.closed_at))


def _session_events(db: Session, meeting: Meeting) -> list[RecordEvent]:
    kinds = ("meeting.opened", "meeting.suspended", "meeting.resumed")
    return list(
        db.scalars(
            select(RecordEvent)
            .where(RecordEvent.subject == meetings.subject(meeting), RecordEvent.kind.in_(kinds))
            .order_by(RecordEvent.seq)
        )
    )


def _event_time(event: RecordEvent) -> datetime:
    return datetime.fromisoformat(event.at.replace("Z", "+00:00"))


def _suspensions(events: list[RecordEvent]) -> Iterator[tuple[datetime, datetime | None]]:
    suspended = None
    for event in events:
        if event.kind == "meeting.suspended":
            suspended = _event_time(event)
        elif event.kind == "meeting.resumed" and suspended is not None:
            yield suspended, _event_time(event)
            suspended = None
    if suspended is not None:
        yield suspended, None


def _attendance(db: Session, meeting: Meeting, opened: RecordEvent | None) -> Iterator[str]:
    """Present at the opening, when the quorum was reached, arrivals and departures, the
    absent, the proxies."""
    facts = json.loads(opened.data) if opened else {}
    members = facts.get("members") or meetings.member_count(db)
    quorum = facts.get("quorum_needed") or attendance.quorum_needed(members)
    start, end = meeting.opened_at or meeting.starts_at, meeting.closed_at or meeting.ends_at
    history = attendance.history(db, meeting)
    at_opening = [
        person for person, spans in history
        if any(s.checked_in_at <= start and (s.checked_out_at or end) > start for s in spans)
    ]  # fmt: skip
    yield "## " + _("Attendance")
    yield ""
    if at_opening:
        yield ngettext(
            "At the opening (%(time)s) %(num)d of the %(members)d members was present: "
            "%(names)s.",
            "At the opening (%(time)s) %(num)d of the %(members)d members were present: "
            "%(names)s.",
            len(at_opening), time=_time(start), members=members, names=_names(at_opening),
        )  # fmt: skip
    else:
        yield _("At the opening (%(time)s) no member was checked in yet.", time=_time(start))
    yield ""
    reached = _quorum_reached(history, quorum, start, end)
    if reached is None:
        yield _("The quorum (%(quorum)d members) was never reached.", quorum=quorum)
    elif reached <= start:
        yield _("The quorum (%(quorum)d members) was present at the opening.", quorum=quorum)
    else:
        yield _("The quorum (%(quorum)d members) was reached at %(time)s.", quorum=quorum,
                time=_time(reached))  # fmt: skip
    yield ""
    moves = sorted(
        [(s.checked_in_at, _("%(name)s arrives", name=escape(p.name)))
         for p, spans in history for s in spans if start < s.checked_in_at < end]
        + [(s.checked_out_at, _("%(name)s leaves", name=escape(p.name)))
           for p, spans in history for s in spans
           if s.checked_out_at and s.checked_out_at < end - WITH_THE_CLOSE],
        key=lambda move: move[0],
    )  # fmt: skip
    if moves:
        yield _("Arrivals and departures during the session:")
        yield ""
        yield from (f"- {_time(moment)}: {what}" for moment, what in moves)
    else:
        yield _("Nobody arrived or left during the session.")
    yield ""
    attended = {person.id for person, _spans in history}
    absent = [person for person in meetings.members(db) if person.id not in attended]
    yield _("Absent: %(names)s.", names=_names(absent))
    yield ""
    yield from _proxies(db, meeting)


def _quorum_reached(history, quorum: int, start: datetime, end: datetime) -> datetime | None:
    """The opening when the quorum was there, else the first arrival that made it; None when
    it never was."""
    spans = [span for _person, person_spans in history for span in person_spans]

    def present(moment: datetime) -> int:
        return sum(1 for s in spans if s.checked_in_at <= moment < (s.checked_out_at or end))

    if present(start) >= quorum:
        return start
    arrivals = sorted(s.checked_in_at for s in spans if start < s.checked_in_at < end)
    return next((moment for moment in arrivals if present(moment) >= quorum), None)


def _proxies(db: Session, meeting: Meeting) -> Iterator[str]:
    rows = db.scalars(select(Proxy).where(Proxy.meeting_id == meeting.id)
                      .order_by(Proxy.granted_at, Proxy.id))  # fmt: skip
    lines = []
    for proxy in rows:
        line = _("%(from)s delegated their vote to %(to)s at %(time)s",
                 **{"from": escape(proxy.from_user.name), "to": escape(proxy.to_user.name),
                    "time": _time(proxy.granted_at)})  # fmt: skip
        if proxy.revoked_at:
            line += " " + _("(revoked at %(time)s)", time=_time(proxy.revoked_at))
        lines.append(f"- {line}.")
    if lines:
        yield _("Proxies:")
        yield ""
        yield from lines
    else:
        yield _("No proxy was given.")
    yield ""


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return _("%(min)d min %(sec)02d s", min=seconds // 60, sec=seconds % 60)


def _item(db: Session, number: int, item: AgendaItem, talks, item_polls) -> Iterator[str]:
    yield "## " + _("Item %(n)d. %(title)s", n=number, title=escape(item.title))
    yield ""
    if item.proposal is not None:
        yield _("Proposal: %(title)s", title=escape(item.proposal.title))
        yield ""
    if item.started_at is None and not talks and not item_polls:
        yield _("The item was not discussed.")
        yield ""
        return
    if item.started_at is not None:
        yield _("Discussion began at %(time)s.", time=_time(item.started_at))
        yield ""
    if talks:
        yield _("Speakers, in order:")
        yield ""
        for talk in talks:
            yield "- " + _(
                "%(time)s, %(name)s (%(kind)s, %(length)s)",
                time=_time(talk.started_at),
                name=escape(talk.user.name),
                kind=SPEECH_KINDS[talk.kind],
                length=_duration(talk.seconds),
            )
    else:
        yield _("Nobody took the floor.")
    yield ""
    for poll in item_polls:
        yield from _poll(db, poll)
    if item.outcome:
        yield _("Outcome of the item: %(outcome)s", outcome=escape(item.outcome))
        yield ""


def _outcome(poll: Poll) -> str:
    if not poll.valid:
        return _("void for lack of quorum")
    if poll.amendment_id is not None:
        return _("amendment approved") if poll.approved else _("amendment rejected")
    return _("approved") if poll.approved else _("rejected")


def _poll(db: Session, poll: Poll) -> Iterator[str]:
    if poll.amendment is not None:
        yield "### " + _("Vote on amendment no. %(n)d", n=poll.amendment.number)
    else:
        yield "### " + _("Vote")
    yield ""
    yield _("Question put to the vote: “%(question)s”", question=escape(poll.question))
    yield ""
    rule = RULES[poll.rule]
    if poll.kind == PollKind.SECRET:
        yield _("Secret vote, %(rule)s.", rule=rule)
    else:
        yield _("Named vote, %(rule)s.", rule=rule)
    yield ""
    if poll.state != PollState.CLOSED:
        if poll.state == PollState.PREPARED:
            yield _("The vote was not held.")
        else:
            yield _("The vote was not closed.")
        yield ""
        return
    yield _(
        "Present %(present)d, represented by proxy %(represented)d, in conflict of interest "
        "%(conflict)d. In favour %(yes)d, against %(no)d, abstaining %(abstain)d; in favour "
        "needed %(needed)d.",
        present=poll.present or 0, represented=poll.represented or 0,
        conflict=poll.conflict or 0, yes=poll.yes or 0, no=poll.no or 0,
        abstain=poll.abstain or 0, needed=poll.needed or 0,
    )  # fmt: skip
    yield ""
    yield "**" + _("Outcome: %(outcome)s.", outcome=_outcome(poll)) + "**"
    yield ""
    if poll.kind == PollKind.NAMED:
        yield from _named(db, poll)
    else:
        took_part = poll_queries.participants_by_name(db, poll)
        yield _(
            "Secret ballot: how each member voted is not published. Took part (%(num)d, in "
            "alphabetical order): %(names)s.",
            num=len(took_part), names=_names(took_part),
        )  # fmt: skip
        yield ""
    conflicted = poll_queries.conflicted(db, poll)
    if conflicted:
        yield _("Declared a conflict of interest and took no part in the vote: %(names)s.",
                names=_names(conflicted))  # fmt: skip
        yield ""
    decision = decisions.of_poll(db, poll)
    if decision is not None:
        yield _("Decision no. %(number)s:", number=decision.number)
        yield ""
        yield from _quote(decision.text)
        yield ""


def _voter(ballot) -> str:
    name = escape(ballot.cast_for.name)
    if ballot.entered_by_id is not None:  # appello nominale: declared_votes.py
        officer = escape(ballot.entered_by.name)
        if ballot.voter_id == ballot.cast_for_id:
            return _("%(name)s (declared aloud, entered by %(officer)s)", name=name,
                     officer=officer)  # fmt: skip
        return _("%(name)s (by proxy, declared aloud by %(holder)s, entered by %(officer)s)",
                 name=name, holder=escape(ballot.voter.name), officer=officer)  # fmt: skip
    if ballot.voter_id == ballot.cast_for_id:
        return name
    return _("%(name)s (by proxy, cast by %(holder)s)", name=name, holder=escape(ballot.voter.name))


def _named(db: Session, poll: Poll) -> Iterator[str]:
    ballots = poll_queries.named_ballots(db, poll)
    for choice, line in CHOICE_LINES.items():
        names = [_voter(ballot) for ballot in ballots if ballot.choice == choice]
        if names:
            yield str(line) % {"num": len(names), "names": ", ".join(names)}
            yield ""
    statements = [b for b in ballots if b.reason]
    if statements:
        yield _("Statements of vote:")
        yield ""
        for ballot in statements:
            yield "- " + _("%(name)s: “%(reason)s”", name=escape(ballot.cast_for.name),
                           reason=escape(ballot.reason))  # fmt: skip
        yield ""
