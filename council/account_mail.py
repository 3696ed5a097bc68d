"""E-mails about one's account: a registration received, or a registration tried with an
address that already has an account (its owner is told, the one who tried learns nothing)."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from council import events, mail
from council.domain import accounts
from council.models.user import User

log = logging.getLogger(__name__)


def compose(user: User, *, new: bool):
    language = mail.language_of(user)
    with force_locale(language):
        if new:
            subject = _("Consiglio: we received your request for an account")
        else:
            subject = _("Consiglio: someone asked for an account with your e-mail address")
        context = {
            "user": user,
            "new": new,
            "title": subject,
            "language": language,
            "login_url": mail.absolute("/login"),
            "home_url": mail.absolute("/"),
        }
        text = render_template("auth/email_registration.txt", **context)
        html = render_template("auth/email_registration.html", **context)
    return mail.build(user.email, subject, text, html, language)


def send(user_id: int, *, new: bool) -> bool:
    with mail.reading() as session:
        user = session.get(User, user_id)
        if user is None:
            return False
        message = compose(user, new=new)
    try:
        mail.deliver(message)
    except Exception:
        log.exception("registration e-mail to user %s failed", user_id)
        return False
    return True


def on_event(event: events.Event) -> None:
    if event.kind == accounts.REGISTRATION_MAIL:
        mail.after_response(send, event.data["user"], new=event.data["new"])


def init_app(_app: Flask) -> None:
    events.subscribe(on_event)
