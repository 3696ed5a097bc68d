"""The accessibility feedback e-mailed to the secretariat: one e-mail to every active secretary,
in their language, answering to the sender's address when one was given."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from council import events, mail
from council.domain import feedback

log = logging.getLogger(__name__)


def send(data: dict) -> int:
    """E-mail the feedback to each secretary; returns how many e-mails were sent."""
    with mail.reading() as session:
        recipients = [(u.email, u.name, mail.language_of(u)) for u in feedback.secretaries(session)]
    if not recipients:
        log.error("accessibility feedback received, but no active secretary to e-mail it to")
    sent = 0
    for address, name, language in recipients:
        with force_locale(language):
            subject = _("Consiglio: accessibility feedback")
            context = {**data, "title": subject, "recipient": name, "language": language,
                       "statement_url": mail.absolute("/accessibility")}  # fmt: skip
            text = render_template("about/email_feedback.txt", **context)
            html = render_template("about/email_feedback.html", **context)
        message = mail.build(address, subject, text, html, language)
        if data.get("email"):
            message["Reply-To"] = data["email"]
        try:
            mail.deliver(message)
        except Exception:
            log.exception("accessibility feedback to a secretary failed")
            continue
        sent += 1
    return sent


def on_event(event: events.Event) -> None:
    if event.kind == feedback.FEEDBACK_MAIL:
        mail.after_response(send, dict(event.data))


def init_app(_app: Flask) -> None:
    events.subscribe(on_event)
