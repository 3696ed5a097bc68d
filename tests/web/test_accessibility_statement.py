"""The accessibility statement (AgID's model) and its feedback form: no login, CSRF, every field
checked, limited per network, and the message reaches every active secretary by e-mail."""

from __future__ import annotations

import email
import email.policy
import html
from pathlib import Path

import pytest

from council.models.user import AccountStatus
from tests.notification_helpers import parts

SUBJECT = "Consiglio: segnalazione sull'accessibilità"
MESSAGE = "Il modulo del voto non si legge con il lettore di schermo NVDA."


@pytest.fixture
def outbox(app):
    """outbox() -> the e-mails written since the last call."""
    folder = Path(app.config["MAIL_OUTBOX"])
    folder.mkdir(parents=True, exist_ok=True)
    seen = set(folder.glob("*.eml"))

    def new() -> list:
        fresh = sorted(set(folder.glob("*.eml")) - seen)
        seen.update(fresh)
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in fresh
        ]

    return new


def feedback(**fields) -> dict:
    return {"message": MESSAGE, "page": "/meetings/3", "name": "", "email": "", **fields}


def test_the_statement_follows_agids_model(web):
    page = web.get("/accessibility")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for heading in (
        "Dichiarazione di accessibilità",
        "Stato di conformità",
        "Contenuti non accessibili",
        "Redazione della dichiarazione",
        "Meccanismo di feedback e recapiti",
        "Procedura di attuazione",
    ):
        assert f">{heading}<" in text, heading
    assert "parzialmente conforme" in text
    assert 'href="https://form.agid.gov.it/"' in text  # the Digital Ombudsman's form
    assert 'name="csrf_token"' in text


def test_the_footer_links_the_statement_privacy_and_open_data(web):
    text = web.get("/").get_data(as_text=True)
    footer = text[text.index("<footer") :]
    for path in ("/record", "/open-data", "/accessibility", "/privacy"):
        assert f'href="{path}"' in footer, path
        assert web.get(path).status_code == 200, path


def test_feedback_without_login_reaches_every_active_secretary(web, make_user, secretary, outbox):
    other = make_user("secretary", email="segreteria2@example.org", name="Anna Bassi")
    make_user("secretary", email="ex-segretario@example.org", status=AccountStatus.DISABLED)
    make_user("member", email="consigliere@example.org")
    outbox()
    answer = web.post(
        "/accessibility",
        feedback(name="Lucia Neri", email="lucia@example.net"),
        token_from="/accessibility",
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/accessibility")
    assert "inviato alla segreteria" in web.get("/accessibility").get_data(as_text=True)
    mails = outbox()
    assert sorted(m["To"] for m in mails) == sorted([secretary.email, other.email])
    for mail in mails:
        assert mail["Subject"] == SUBJECT
        assert mail["Reply-To"] == "lucia@example.net"
        text, html_part = parts(mail)
        assert MESSAGE in text and "Lucia Neri" in text and "/meetings/3" in text
        assert html.escape(MESSAGE) in html_part


def test_the_message_is_escaped_in_the_html_mail(web, secretary, outbox):
    outbox()
    hostile = "<script>alert(1)</script> il pulsante non si vede"
    web.post("/accessibility", feedback(message=hostile), token_from="/accessibility")
    (mail,) = outbox()
    _text, html_part = parts(mail)
    assert "<script>" not in html_part
    assert "&lt;script&gt;" in html_part
    assert mail["Reply-To"] is None  # no address given: nobody to answer


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"message": ""}, None),
        ({"message": "breve"}, "almeno 10 caratteri"),
        ({"message": "x" * 4001}, None),
        ({"email": "non-un-indirizzo"}, "e-mail valido"),
        ({"page": "p" * 301}, None),
        ({"name": "n" * 121}, None),
    ],
)
def test_a_wrong_field_is_refused_and_nothing_is_sent(web, secretary, outbox, fields, error):
    outbox()
    answer = web.post("/accessibility", feedback(**fields), token_from="/accessibility")
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    assert 'aria-invalid="true"' in text
    if error:
        assert error in text
    assert outbox() == []


def test_a_forged_form_is_refused(web, secretary, outbox):
    outbox()
    answer = web.client.post("/accessibility", data=feedback(csrf_token="forged"))
    assert answer.status_code == 400
    assert outbox() == []


def test_too_many_messages_from_one_network_wait(app, web, secretary, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDBACK_MAX_PER_ADDRESS", 2)
    outbox()
    for _ in range(2):
        sent = web.post("/accessibility", feedback(), token_from="/accessibility")
        assert sent.status_code == 302
    assert len(outbox()) == 2
    refused = web.post("/accessibility", feedback(), token_from="/accessibility")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Troppi messaggi dalla tua rete" in html.unescape(refused.get_data(as_text=True))
    assert outbox() == []
