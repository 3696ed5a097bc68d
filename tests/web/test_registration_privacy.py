"""Registration tells nobody whether an e-mail has an account, and is limited per address
(issue 18, finding 4): the same answer either way, the address's owner e-mailed instead."""

from __future__ import annotations

import email
import email.policy
import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from council.extensions import db
from council.models.user import User
from tests.conftest import PASSWORD
from tests.notification_helpers import parts

TAKEN_SUBJECT = "Consiglio: qualcuno ha chiesto un account con il tuo indirizzo e-mail"
RECEIVED_SUBJECT = "Consiglio: abbiamo ricevuto la tua richiesta di account"
TOO_MANY = "Troppe registrazioni dalla tua rete. Riprova tra"


@pytest.fixture
def outbox(app):
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


def registration(org, email: str, name: str = "Giulia Verdi") -> dict:
    return {
        "name": name,
        "email": email,
        "organisation": str(org.id),
        "password": PASSWORD,
        "confirm": PASSWORD,
        "consent": "y",
    }


def answer(response) -> tuple[int, str]:
    """What the person sees, without the per-request form token."""
    body = re.sub(r'value="[^"]*" name="csrf_token"|name="csrf_token"[^>]*>', "", response.text)
    return response.status_code, body


def users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def head(web) -> int:
    return web.get("/api/v1/record/head").get_json()["seq"]


def test_a_taken_address_gets_the_same_answer_and_its_owner_an_e_mail(
    make_web, organisation, make_user, outbox
):
    owner = make_user("member", email="giulia@example.org", name="Giulia Bianchi")
    outbox()
    web = make_web()
    before = head(web)
    free = web.post(
        "/register", registration(organisation, "nuova@example.org"), token_from="/register"
    )
    # nor does the record tell: a registration enters it when approved
    assert head(web) == before
    count = users()
    taken = make_web().post(
        "/register",
        registration(organisation, "Giulia@Example.org", name="Qualcun Altro"),
        token_from="/register",
    )
    assert answer(taken) == answer(free)
    assert answer(taken)[0] == 201
    assert "Abbiamo inviato un'e-mail all'indirizzo che hai indicato" in html.unescape(taken.text)
    assert users() == count and head(web) == before  # nothing created, nothing recorded

    mails = outbox()
    assert sorted(m["Subject"] for m in mails) == [RECEIVED_SUBJECT, TAKEN_SUBJECT]
    told = next(m for m in mails if m["Subject"] == TAKEN_SUBJECT)
    assert told["To"] == owner.email
    text, body = parts(told)
    assert "Gentile Giulia Bianchi," in text
    assert "http://localhost:5000/login" in text and 'href="http://localhost:5000/login"' in body
    assert "segreteria" in text
    assert "Qualcun Altro" not in text  # nothing of what the other person typed
    received = next(m for m in mails if m["Subject"] == RECEIVED_SUBJECT)
    assert received["To"] == "nuova@example.org"


def test_the_owner_is_told_once_however_many_tries(make_web, organisation, make_user, outbox):
    make_user("member", email="giulia@example.org")
    outbox()
    for n in range(3):
        response = make_web().post(
            "/register",
            registration(organisation, "giulia@example.org"),
            token_from="/register",
            environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"},
        )
        assert response.status_code == 201
    assert [m["Subject"] for m in outbox()] == [TAKEN_SUBJECT]


def test_registrations_from_one_address_are_limited(app, make_web, organisation):
    most = app.config.get("REGISTRATION_MAX_PER_ADDRESS", 5)
    here = {"REMOTE_ADDR": "203.0.113.9"}
    statuses = []
    for n in range(most + 3):
        response = make_web().post(
            "/register",
            registration(organisation, f"persona{n}@example.org"),
            token_from="/register",
            environ_base=here,
        )
        statuses.append(response.status_code)
    assert statuses == [201] * most + [429] * 3
    assert users() == most
    held = response
    assert 0 < int(held.headers["Retry-After"]) <= app.config.get("REGISTRATION_WINDOW", 3600)
    text = html.unescape(held.text)
    assert TOO_MANY in text
    assert 'value="persona' in text  # the form is kept
    elsewhere = make_web().post(
        "/register",
        registration(organisation, "altrove@example.org"),
        token_from="/register",
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert elsewhere.status_code == 201


def test_invalid_forms_do_not_use_up_the_limit(app, make_web, organisation):
    most = app.config.get("REGISTRATION_MAX_PER_ADDRESS", 5)
    web = make_web()
    for _ in range(most + 2):
        bad = dict(registration(organisation, "giulia@example.org"), confirm="diversa-davvero")
        assert web.post("/register", bad, token_from="/register").status_code == 422
    good = web.post(
        "/register", registration(organisation, "giulia@example.org"), token_from="/register"
    )
    assert good.status_code == 201
