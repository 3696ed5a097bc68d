"""Helpers for the account self-service tests: the mails written to MAIL_OUTBOX and the links
in them, authenticator codes, setting up two-step sign-in through the domain."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from sqlalchemy import select

from council.domain.accounts import two_step
from council.extensions import db
from council.models.account_security import SecondFactor
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.notification_helpers import parts


def outbox_reader(app):
    """outbox() -> the e-mails written since the last call."""
    folder = Path(app.config["MAIL_OUTBOX"])
    folder.mkdir(parents=True, exist_ok=True)
    seen = set(folder.glob("*.eml"))

    def new() -> list:
        fresh = sorted(set(folder.glob("*.eml")) - seen)
        seen.update(fresh)
        policy = email.policy.default
        return [email.message_from_bytes(path.read_bytes(), policy=policy) for path in fresh]

    return new


def link_in(message, prefix: str) -> str:
    """The path of the first link in the mail's plain text that starts with `prefix`."""
    text, _html = parts(message)
    links = [urlsplit(url).path for url in re.findall(r"https?://\S+", text)]
    found = [path for path in links if path.startswith(prefix)]
    assert found, (prefix, links)
    return found[0]


def code(secret: str, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or `steps_ahead` periods of 30 s later)."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


def set_up_two_step(user: User) -> tuple[str, list[str]]:
    """Turn two-step sign-in on for this person as the account page does: (key, codes)."""
    with unit_of_work() as session:
        person = session.get(User, user.id)
        row = two_step.begin(session, person)
        secret = row.secret
        codes = two_step.confirm(session, person, code(secret))
    return secret, codes


def last_step(user: User) -> int:
    db.session.expire_all()
    return db.session.scalar(select(SecondFactor.last_step).where(SecondFactor.user_id == user.id))
