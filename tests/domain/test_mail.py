"""Notification e-mails: at once after commit, digests, SMTP or the outbox, the reader's language,
failures retried, and never twice even with two senders at once."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
from babel.dates import format_datetime as babel_datetime
from sqlalchemy import select

from council import mail
from council.clock import ROME
from council.domain.notifications import notifications
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.models.base import utcnow
from council.models.notification import EmailFrequency, Notification, NotificationSettings
from council.unit_of_work import unit_of_work
from tests.notification_helpers import SMTPServer, parts, read_outbox


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path))
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consiglio.example.org")
    return tmp_path


@pytest.fixture
def reader(make_user):
    return make_user("stakeholder")


def wants(user, frequency: EmailFrequency, locale: str | None = None) -> None:
    with unit_of_work() as session:
        notifications.update_settings(session, user, email=frequency)
        if locale:
            session.merge(user).locale = locale


def tell(user, kind="new_version", title="Casa per tutti", url="/proposals/7") -> Notification:
    with unit_of_work() as session:
        [note] = notifications.notify(
            session, [user], kind=kind, subject="proposal:7", url=url,
            params={"title": title, "number": 2}, actor=SYSTEM,
        )  # fmt: skip
    return note


def emailed(note) -> bool:
    db.session.expire_all()
    return db.session.get(Notification, note.id).emailed_at is not None


def test_at_once_means_one_email_after_commit(outbox, reader, make_user):
    wants(reader, EmailFrequency.IMMEDIATE)
    daily = make_user("stakeholder")
    note = tell(reader)
    tell(daily)
    [message] = read_outbox(outbox)
    assert message["To"] == reader.email
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "“Casa per tutti”" in message["Subject"]
    assert "https://consiglio.example.org/proposals/7" in text
    assert 'href="https://consiglio.example.org/proposals/7"' in html
    assert "https://consiglio.example.org/notifications/settings" in text
    assert 'href="https://consiglio.example.org/notifications/settings"' in html
    assert emailed(note)


def test_by_default_the_email_leaves_after_the_request_in_the_background(
    app, outbox, reader, monkeypatch
):
    """In production the committing request does not wait for SMTP: a background task sends."""
    monkeypatch.setitem(app.config, "MAIL_IN_BACKGROUND", True)
    wants(reader, EmailFrequency.IMMEDIATE)
    note = tell(reader)
    deadline = time.monotonic() + 10
    while not read_outbox(outbox) and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = read_outbox(outbox)
    assert message["To"] == reader.email
    assert emailed(note)


def test_written_in_the_recipients_language(outbox, make_user):
    italian, english = make_user("stakeholder"), make_user("stakeholder")
    wants(italian, EmailFrequency.IMMEDIATE)
    wants(english, EmailFrequency.IMMEDIATE, locale="en")
    notes = {user.email: tell(user) for user in (italian, english)}
    messages = {m["To"]: m for m in read_outbox(outbox)}
    for user, language in ((italian, "it"), (english, "en")):
        message = messages[user.email]
        text, html = parts(message)
        assert message["Content-Language"] == language
        assert f'<html lang="{language}">' in html
        when = babel_datetime(notes[user.email].created_at, "medium", tzinfo=ROME, locale=language)
        assert when in text  # the date as the reader's language writes it
    assert "has a new version" in parts(messages[english.email])[0]


def test_through_smtp_when_a_server_is_configured(app, outbox, reader, monkeypatch):
    server = SMTPServer().start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        wants(reader, EmailFrequency.IMMEDIATE)
        note = tell(reader)
    finally:
        server.stop()
    [raw] = server.received
    assert f"To: {reader.email}".encode() in raw and b"multipart/alternative" in raw
    assert read_outbox(outbox) == [] and emailed(note)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_failure_is_logged_and_retried_by_the_next_digest_run(
    app, outbox, reader, monkeypatch, caplog
):
    wants(reader, EmailFrequency.IMMEDIATE)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _closed_port())
    note = tell(reader)  # the change itself succeeds
    assert not emailed(note)
    assert "failed" in caplog.text
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    assert mail.send_digests()["retries"] == 1
    assert emailed(note) and len(read_outbox(outbox)) == 1
    assert mail.send_digests()["retries"] == 0


def test_daily_digest_once_a_day(outbox, reader):
    first, second = tell(reader, title="Prima"), tell(reader, title="Seconda")
    now = utcnow()
    assert mail.send_digests(now)["digests"] == 1
    [message] = read_outbox(outbox)
    text, _html = parts(message)
    assert "“Prima”" in text and "“Seconda”" in text and text.index("Seconda") < text.index("Prima")
    assert emailed(first) and emailed(second)
    assert mail.send_digests(now)["digests"] == 0  # idempotent
    assert notifications.settings_for(db.session, reader.id).last_digest_at == now
    third = tell(reader, title="Terza")
    assert mail.send_digests(now + timedelta(hours=23))["digests"] == 0
    assert not emailed(third)
    assert mail.send_digests(now + timedelta(days=1))["digests"] == 1
    assert emailed(third) and len(read_outbox(outbox)) == 2


def test_weekly_digest_once_a_week_and_never_means_never(outbox, reader, make_user):
    silent = make_user("stakeholder")
    wants(reader, EmailFrequency.WEEKLY)
    wants(silent, EmailFrequency.NEVER)
    tell(reader)
    tell(silent)
    now = utcnow()
    assert mail.send_digests(now)["digests"] == 1
    tell(reader)
    assert mail.send_digests(now + timedelta(days=6))["digests"] == 0
    assert mail.send_digests(now + timedelta(days=7))["digests"] == 1
    assert [m["To"] for m in read_outbox(outbox)] == [reader.email, reader.email]


def test_a_failed_digest_gives_its_turn_back(app, outbox, reader, monkeypatch):
    note = tell(reader)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _closed_port())
    assert mail.send_digests()["failed"] == 1
    assert not emailed(note)
    assert notifications.settings_for(db.session, reader.id).last_digest_at is None
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    assert mail.send_digests()["digests"] == 1 and emailed(note)


def test_two_runners_at_once_send_each_digest_once(app, outbox, make_user):
    people = [make_user("stakeholder") for _ in range(6)]
    for person in people:
        tell(person, title="Uno")
        tell(person, title="Due")
    now = utcnow()
    start = threading.Barrier(2)
    results, errors = [], []

    def runner() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                results.append(mail.send_digests(now))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r["digests"] for r in results) == len(people)
    sent = sorted(m["To"] for m in read_outbox(outbox))
    assert sent == sorted(p.email for p in people)  # each once, nobody twice
    db.session.expire_all()
    assert (
        db.session.scalars(select(Notification).where(Notification.emailed_at.is_(None))).all()
        == []
    )
    stamps = db.session.scalars(select(NotificationSettings.last_digest_at)).all()
    assert set(stamps) == {now}
