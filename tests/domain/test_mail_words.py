"""The plain-text part of every e-mail speaks the reader's language: no English line in an
Italian e-mail (the .txt templates are extracted and translated like the pages), and the
convocation gives its time in one format."""

from __future__ import annotations

import re
from collections.abc import Callable
from configparser import ConfigParser
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from council import account_mail, mail, meeting_mail
from council.extensions import db
from council.models.meeting import Meeting
from council.models.notification import EmailFrequency, Notification
from council.models.user import User
from tests.domain.test_mail import tell
from tests.meeting_helpers import convened_meeting, make_council
from tests.notification_helpers import parts

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"https?://\S+")


def text_of(message) -> str:
    return parts(message)[0]


def plain_mails(council, reader) -> dict[str, Callable]:
    """Every plain-text e-mail the site sends, composed anew for the reader's language."""
    meeting_id = convened_meeting(council, link="https://meet.example.org/seduta").id
    notes = [tell(reader, title=f"Casa per tutti {n}") for n in range(mail.DIGEST_LIMIT + 2)]
    note_ids = [note.id for note in notes]

    def person() -> User:
        return db.session.get(User, reader.id)

    def notifications(digest):
        def compose():
            rows = list(
                db.session.scalars(select(Notification).where(Notification.id.in_(note_ids)))
            )
            return mail.compose(db.session, person(), rows if digest else rows[:1], digest)

        return compose

    def convocation(update: bool):
        return lambda: meeting_mail.compose(
            db.session.get(Meeting, meeting_id), person(), update=update
        )

    return {
        "registration": lambda: account_mail.compose(person(), new=True),
        "registration, address taken": lambda: account_mail.compose(person(), new=False),
        "convocation": convocation(False),
        "convocation changed": convocation(True),
        "notification": notifications(None),
        "daily digest": notifications(EmailFrequency.DAILY),
        "weekly digest": notifications(EmailFrequency.WEEKLY),
    }


def in_language(compose, reader, locale: str) -> str:
    db.session.get(User, reader.id).locale = locale
    db.session.flush()
    return text_of(compose())


def words_only(line: str) -> str:
    """What is left of a line once its data (addresses, numbers, punctuation) is taken out."""
    return re.sub(r"[\W\d_]+", " ", URL.sub(" ", line)).strip()


@pytest.fixture
def council(make_user):
    return make_council(make_user)


def test_no_english_line_in_an_italian_plain_text_mail(app, council, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consiglio.example.org")
    reader = council.members[0]
    mails = plain_mails(council, reader)
    data = {
        council.members[0].name, "Seduta ordinaria di novembre", "Punto numero 1",
        "Punto numero 2", "Sala dei Giudici, Palazzo della Loggia", "Consiglio",
        "Link",  # the same word in Italian
    }  # fmt: skip
    english_lines = []
    for name, compose in mails.items():
        english = {line.strip() for line in in_language(compose, reader, "en").splitlines()}
        italian = in_language(compose, reader, "it")
        assert italian.strip(), name
        for line in italian.splitlines():
            words = words_only(line)
            for value in data:
                words = words.replace(words_only(value), " ").strip()
            if words and line.strip() in english:
                english_lines.append((name, line))
    assert not english_lines, english_lines


def test_every_line_of_the_text_templates_is_extracted_and_translated():
    babel = ConfigParser()
    babel.read(ROOT / "babel.cfg")
    patterns = [s.split(":", 1)[1].strip() for s in babel.sections() if s.startswith("jinja2:")]
    templates = sorted((ROOT / "templates").rglob("*.txt"))
    assert templates
    for template in templates:
        relative = str(template.relative_to(ROOT))
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative
    with open(ROOT / "council/translations/it/LC_MESSAGES/messages.po", "rb") as po:
        italian = read_po(po)
    found = list(extract_from_dir(
        str(ROOT / "templates"), method_map=[("**.txt", "jinja2")], options_map={"**.txt": {}}
    ))  # fmt: skip
    assert len(found) >= 20
    untranslated = []
    for filename, _line, message, _comments, _context in found:
        msgid = message[0] if isinstance(message, tuple) else message
        entry = italian.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            untranslated.append((filename, msgid))
    assert not untranslated, untranslated


def test_the_convocation_gives_its_time_in_one_format(council):
    meeting = convened_meeting(council)
    member = db.session.get(User, council.members[0].id)
    text = text_of(meeting_mail.compose(db.session.get(Meeting, meeting.id), member, update=False))
    [when] = [line for line in text.splitlines() if line.startswith("Quando:")]
    day = r"(lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d{1,2} \w+ \d{4}"
    one_format = rf"Quando: {day}, \d\d:\d\d \u2013 (\d\d:\d\d|{day}, \d\d:\d\d)"
    assert re.fullmatch(one_format, when), when
