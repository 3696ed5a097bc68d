"""Languages: Italian by default, English on request, remembered for people with an account."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from council.extensions import db
from council.models.record import RecordEvent
from council.models.user import User
from tests.conftest import PASSWORD

ITALIAN = ['<html lang="it">', "Registro pubblico", "Vai al contenuto"]
ENGLISH = ['<html lang="en">', "Public record", "Skip to content"]


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def language_of(response) -> str:
    match = re.search(r'<html lang="(\w+)">', response.get_data(as_text=True))
    assert match, "not an HTML page"
    return match.group(1)


def pressed(response) -> str:
    """Which language button the page shows as the current one."""
    body = response.get_data(as_text=True)
    buttons = re.findall(r'<button[^>]*name="locale" value="(\w+)"[^>]*aria-pressed="(\w+)"', body)
    assert len(buttons) == 2, buttons
    return next(code for code, state in buttons if state == "true")


def user_locale(email: str) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(User.locale).where(User.email == email))


def switch(web, locale: str, next_path: str = "/"):
    return web.post("/language", {"locale": locale, "next": next_path}, token_from=next_path)


@pytest.mark.parametrize(
    ("path", "italian"),
    [
        ("/", "Consiglio di indirizzo del welfare"),
        ("/login", "Da qui accedono i consiglieri, la segreteria"),
        ("/register", "Richiedi un account"),
        ("/record", "Verifica il registro"),
    ],
)
def test_italian_is_the_default(web, organisation, path, italian):
    response = web.get(path)
    assert response.status_code == 200
    text = page(response)
    for marker in ITALIAN:
        assert marker in text
    assert italian in text
    assert "Skip to content" not in text
    assert pressed(response) == "it"


def test_the_browser_language_does_not_switch_by_itself(web):
    response = web.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert language_of(response) == "it"


def test_switching_to_english_and_back(web, organisation):
    response = switch(web, "en", "/register")
    assert response.status_code == 302 and response.location == "/register"
    for path, english in [
        ("/", "Consiglio di indirizzo del welfare"),
        ("/login", "Council members, the secretariat and the organisations' representatives"),
        ("/register", "Ask for an account"),
        ("/record", "Verify the record"),
    ]:
        response = web.get(path)
        text = page(response)
        for marker in ENGLISH:
            assert marker in text
        assert english in text
        assert "Registro pubblico" not in text
        assert pressed(response) == "en"
    switch(web, "it")
    assert language_of(web.get("/")) == "it"
    assert pressed(web.get("/login")) == "it"


def test_the_choice_belongs_to_one_browser(make_web):
    english, other = make_web(), make_web()
    switch(english, "en")
    assert language_of(english.get("/")) == "en"
    assert language_of(other.get("/")) == "it"


def test_a_link_with_lang_shows_one_page_in_english(web):
    assert language_of(web.get("/record?lang=en")) == "en"
    assert language_of(web.get("/record")) == "it"  # not remembered
    assert language_of(web.get("/?lang=fr")) == "it"


def test_unknown_language_changes_nothing(web):
    response = switch(web, "fr")
    assert response.status_code == 302
    assert language_of(web.get("/")) == "it"


def test_switch_keeps_the_query_of_the_page(web):
    web.token("/record?subject=user:")
    response = web.post("/language", {"locale": "en", "next": "/record?subject=user:"})
    assert response.location == "/record?subject=user:"


def test_forms_answer_in_the_chosen_language(web, make_user):
    make_user("member", email="anna@example.org")
    switch(web, "en", "/login")
    response = web.post("/login", {"email": "anna@example.org", "password": "sbagliata"})
    assert response.status_code == 422
    assert "E-mail or password is not correct." in page(response)
    response = web.post("/register", {"name": "", "email": ""}, token_from="/register")
    assert response.status_code == 422
    text = page(response)
    assert "This field is required." in text  # WTForms' own messages too
    assert "Please correct the fields marked below." in text


def test_the_record_is_the_same_in_every_language(web, make_user):
    make_user("member")
    italian = web.get("/api/v1/record").get_data()
    switch(web, "en")
    assert web.get("/api/v1/record").get_data() == italian


def test_a_logged_in_person_s_choice_follows_them_to_the_next_login(make_web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    laptop = make_web()
    laptop.login("anna@example.org")
    assert user_locale("anna@example.org") is None
    seq = db.session.scalar(select(RecordEvent.seq).order_by(RecordEvent.seq.desc()).limit(1))
    switch(laptop, "en", "/account")
    assert user_locale("anna@example.org") == "en"
    assert language_of(laptop.get("/account")) == "en"
    # a preference is not a public event
    assert (
        db.session.scalar(select(RecordEvent.seq).order_by(RecordEvent.seq.desc()).limit(1)) == seq
    )

    phone = make_web()
    assert language_of(phone.get("/login")) == "it"  # not known before logging in
    response = phone.post(
        "/login", {"email": "anna@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert response.status_code == 302
    home = phone.get("/")
    assert language_of(home) == "en"
    assert "Welcome, Anna Bianchi." in page(home)
    assert "Your account" in page(phone.get("/account"))

    switch(phone, "it", "/account")
    assert user_locale("anna@example.org") == "it"
    assert language_of(phone.get("/account")) == "it"
    tablet = make_web()
    tablet.login("anna@example.org")
    assert language_of(tablet.get("/")) == "it"


def test_an_anonymous_choice_survives_logging_in_and_out(web, make_user):
    make_user("member", email="anna@example.org")
    switch(web, "en", "/login")
    web.login("anna@example.org")
    assert language_of(web.get("/")) == "en"
    web.post("/logout", token_from="/")
    response = web.get("/")
    assert language_of(response) == "en"
    assert "You are logged out." in page(response)


def test_administration_in_english(web, admin, make_user):
    make_user("chair", email="presidente@example.org")
    web.login(admin.email)
    switch(web, "en", "/admin/users")
    text = page(web.get("/admin/users"))
    assert '<html lang="en">' in text
    assert "Accounts" in text and "Chair" in text and "Administrator" in text
    assert "Presidente" not in text
    switch(web, "it", "/admin/users")
    text = page(web.get("/admin/users"))
    assert "Presidente" in text and "Amministratore" in text
