"""E-mail: SMTP with the MAIL_* settings (STARTTLS when MAIL_USE_TLS), or .eml files written
into MAIL_OUTBOX when no MAIL_SERVER is set; and the notification mails built on it.

Mail is never sent inside a transaction. Rows are claimed first (a committed conditional
UPDATE, so two senders never send the same notification), then sent; when sending fails the
claim is given back and the next `notifications send-digests` run retries.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale, format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from council import events
from council.domain.notifications import notifications
from council.domain.notifications.notification_messages import actor_names, message
from council.extensions import db, socketio
from council.models.base import utcnow
from council.models.notification import EmailFrequency, Notification
from council.models.user import User
from council.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 20
DIGEST_LIMIT = 50  # items listed in one e-mail; the rest are on the notifications page


# --- transport ------------------------------------------------------------------------------


def deliver(message_: EmailMessage) -> None:
    """Send through SMTP, or write an .eml file into MAIL_OUTBOX; raises on failure."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as s:
            if config.get("MAIL_USE_TLS"):
                s.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                s.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            s.send_message(message_)
        return
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}.eml"
    partial = outbox / f".{name}.part"
    partial.write_bytes(message_.as_bytes())
    os.replace(partial, outbox / name)  # readers never see half a message


def build(to: str, subject: str, text: str, html: str, language: str) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML)."""
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = to
    mail["Subject"] = " ".join(subject.split())
    mail["Date"] = rfc2822_date(utcnow())
    mail["Message-ID"] = make_msgid(domain=urlsplit(public_url()).hostname or "localhost")
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    mail["Content-Language"] = language  # after the body: set_content drops Content-* headers
    return mail


# --- notification mails ---------------------------------------------------------------------


def public_url() -> str:
    return current_app.config.get("PUBLIC_URL", "http://localhost:5000").rstrip("/")


def absolute(path: str, fallback: str = "/notifications") -> str:
    """Only same-site relative paths become links; anything else points to the list."""
    parts = urlsplit(path or "")
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        path = fallback
    if "\\" in path:
        path = fallback
    return public_url() + path


def language_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    if user.locale is not None and user.locale in languages:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def reading() -> Iterator[Session]:
    """A short session of its own for the mailer's reads: listeners run after the caller's
    commit and must not leave the caller's session inside a transaction."""
    with Session(db.engine, expire_on_commit=False) as session:
        yield session


def compose(
    session: Session, user: User, notes: list[Notification], digest: EmailFrequency | None
) -> EmailMessage:
    """The e-mail for these notifications, in the recipient's language."""
    language = language_of(user)
    with force_locale(language):
        names = actor_names(session, notes)
        items = [
            {
                "text": message(note, names),
                "url": absolute(note.url),
                "at": format_datetime(note.created_at, "medium"),
            }
            for note in notes[:DIGEST_LIMIT]
        ]
        if digest is None and len(notes) == 1:
            subject = _("Consiglio: %(text)s", text=items[0]["text"])
            title = items[0]["text"]
        elif digest == EmailFrequency.WEEKLY:
            subject = title = ngettext(
                "Consiglio: your weekly digest (%(num)d notification)",
                "Consiglio: your weekly digest (%(num)d notifications)",
                len(notes),
            )
        elif digest == EmailFrequency.DAILY:
            subject = title = ngettext(
                "Consiglio: your daily digest (%(num)d notification)",
                "Consiglio: your daily digest (%(num)d notifications)",
                len(notes),
            )
        else:
            subject = title = ngettext(
                "Consiglio: %(num)d notification",
                "Consiglio: %(num)d notifications",
                len(notes),
            )
        context = {
            "user": user,
            "title": title,
            "items": items,
            "more": max(0, len(notes) - DIGEST_LIMIT),
            "list_url": absolute("/notifications"),
            "settings_url": absolute("/notifications/settings"),
            "language": language,
        }
        text = render_template("notifications/email.txt", **context)
        html = render_template("notifications/email.html", **context)
    return build(user.email, subject, text, html, language)


def _send(
    user_id: int,
    note_ids: list[int],
    claimed_at: datetime,
    digest: EmailFrequency | None = None,
    *,
    digest_taken: bool = False,
    previous_digest: datetime | None = None,
) -> bool:
    """Send already-claimed notifications to one person in one e-mail; on failure give the
    claims back (and the digest's turn), so that the next run retries."""
    try:
        with reading() as session:
            user = session.get(User, user_id)
            notes = notifications.notifications_by_id(session, note_ids)
            if user is None or not notes:
                raise LookupError("nothing to send")
            message_ = compose(session, user, notes, digest)
        deliver(message_)
    except Exception:
        log.exception("e-mail to user %s failed; the next digest run retries", user_id)
        with unit_of_work() as work:
            notifications.release(work, note_ids, claimed_at)
            if digest_taken:
                notifications.release_digest(work, user_id, previous_digest, claimed_at)
        return False
    return True


def send_immediate(note_ids: Iterable[int]) -> int:
    """E-mail at once those of these notifications whose recipients want it; returns how many
    e-mails were sent."""
    now = utcnow()
    with unit_of_work() as work:
        claimed = notifications.claim(work, notifications.immediate_ids(work, note_ids), now)
    sent = 0
    with reading() as session:
        notes = [(n.user_id, n.id) for n in notifications.notifications_by_id(session, claimed)]
    for user_id, note_id in notes:
        if _send(user_id, [note_id], now):  # one e-mail for each notification
            sent += 1
    return sent


def send_digests(now: datetime | None = None) -> dict[str, int]:
    """One e-mail per person whose daily (weekly) digest is due, with what was not e-mailed yet;
    plus a retry for "at once" e-mails that failed. Safe to run from several processes."""
    now = now or utcnow()
    stats = {"digests": 0, "retries": 0, "failed": 0}
    with reading() as session:
        retries = notifications.unsent_by_user(session, EmailFrequency.IMMEDIATE)
    for user_id, ids in retries.items():
        with unit_of_work() as work:
            claimed = notifications.claim(work, ids, now)
        if claimed:
            ok = _send(user_id, claimed, now)
            stats["retries" if ok else "failed"] += 1
    for frequency in (EmailFrequency.DAILY, EmailFrequency.WEEKLY):
        with reading() as session:
            due = notifications.unsent_by_user(session, frequency)
        for user_id, ids in due.items():
            with unit_of_work() as work:
                taken, previous = notifications.claim_digest(work, user_id, frequency, now)
                claimed = notifications.claim(work, ids, now) if taken else []
            if claimed:
                ok = _send(
                    user_id, claimed, now, frequency, digest_taken=True, previous_digest=previous
                )
                stats["digests" if ok else "failed"] += 1
    return stats


def after_response(task, *args, **kwargs) -> None:
    """Run a sending task off the request that committed the change, so that a slow SMTP
    server never slows the person who acted. MAIL_IN_BACKGROUND=False runs it at once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as the app, not its proxy
    if not app.config.get("MAIL_IN_BACKGROUND", True):
        task(*args, **kwargs)
        return

    def run() -> None:
        with app.app_context():
            try:
                task(*args, **kwargs)
            except Exception:  # logged; what was not sent is retried by send-digests
                log.exception("background e-mail task %s failed", task.__name__)
            finally:
                db.remove_session()

    socketio.start_background_task(run)


def on_event(event: events.Event) -> None:
    if event.kind == notifications.CREATED:
        after_response(send_immediate, list(event.data.get("notifications", [])))


def init_app(_app: Flask) -> None:
    events.subscribe(on_event)
