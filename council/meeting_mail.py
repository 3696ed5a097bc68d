"""Convocation e-mails: after a meeting is convened (or changed after its convocation), every
member gets an e-mail in their language with the agenda and an .ics calendar invitation."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, render_template
from flask_babel import force_locale, format_datetime, to_user_timezone
from flask_babel import gettext as _

from council import events, ics, mail, public_paths
from council.domain.meetings import meetings
from council.extensions import db
from council.markdown import plain
from council.models.meeting import Meeting

log = logging.getLogger(__name__)

# One format for the time, as on the meeting's page: "lunedì 7 dicembre 2026, 17:00 to 19:00".
WHEN = "EEEE d MMMM y, HH:mm"


def until_pattern(meeting: Meeting) -> str:
    """The end as a time alone when the meeting ends on the day it starts (in Rome)."""
    same_day = (
        to_user_timezone(meeting.starts_at).date() == to_user_timezone(meeting.ends_at).date()
    )
    return "HH:mm" if same_day else WHEN


def invitation(meeting: Meeting) -> bytes:
    """The meeting as an iCalendar event; its SEQUENCE grows with every change sent."""
    host = urlsplit(mail.public_url()).hostname or "localhost"
    agenda = "\n".join(f"{n}. {item.title}" for n, item in enumerate(meeting.items, start=1))
    return ics.calendar(
        uid=f"meeting-{meeting.id}@{host}",
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=meeting.title,
        location=meeting.place or meeting.link,
        url=mail.absolute(public_paths.meeting(meeting)),
        description=agenda,
        sequence=meeting.ics_sequence,
    )


def compose(meeting: Meeting, user, *, update: bool):
    language = mail.language_of(user)
    with force_locale(language):
        if update:
            subject = _("Meeting changed: %(title)s", title=meeting.title)
        else:
            subject = _("Convocation: %(title)s", title=meeting.title)
        context = {
            "meeting": meeting,
            "user": user,
            "update": update,
            "language": language,
            "subject": subject,
            "when": format_datetime(meeting.starts_at, WHEN),
            "until": format_datetime(meeting.ends_at, until_pattern(meeting)),
            "url": mail.absolute(public_paths.meeting(meeting)),
            "description": plain(meeting.description, 600),
        }
        text = render_template("meetings/email_convocation.txt", **context)
        html = render_template("meetings/email_convocation.html", **context)
    message = mail.build(user.email, subject, text, html, language)
    message.add_attachment(
        invitation(meeting),
        maintype="text",
        subtype="calendar",
        filename=f"seduta-{meeting.id}.ics",
        params={"method": "PUBLISH"},
    )
    return message


def send(meeting_id: int, *, update: bool) -> int:
    """E-mail every member; returns how many e-mails went out. A failed one is logged (the
    in-app notification was written with the change, so nobody is left uninformed)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return 0
    sent = 0
    for user in meetings.members(db.session):
        try:
            mail.deliver(compose(meeting, user, update=update))
            sent += 1
        except Exception:
            log.exception(
                "convocation e-mail for meeting %s to user %s failed", meeting_id, user.id
            )
    return sent


def on_event(event: events.Event) -> None:
    if not event.subject.startswith("meeting:") or event.record_seq is None:
        return
    if event.kind == "meeting.convened":
        mail.after_response(send, int(event.subject.split(":", 1)[1]), update=False)
    elif event.data.get("after_convocation") is True:
        mail.after_response(send, int(event.subject.split(":", 1)[1]), update=True)


def init_app(_app: Flask) -> None:
    events.subscribe(on_event)
