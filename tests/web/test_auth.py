"""Logging in and out, stakeholder registration and approval, one's own password: over HTTP."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import func, select

from council.extensions import db
from council.models.user import AccountStatus, Role, User
from tests.conftest import PASSWORD

WRONG_CREDENTIALS = "E-mail o password non corretti."
WAITING = "La registrazione è in attesa di approvazione da parte della segreteria del consiglio."
DISABLED = "Questo account è disattivato. Contatta la segreteria del consiglio."
TOO_MANY = "Troppi tentativi non riusciti. Riprova tra"
NEW_PASSWORD = "una-password-nuova-e-lunga"
# WTForms' own messages, in its Italian catalogue
REQUIRED = "Questo campo è obbligatorio."
BETWEEN_10_AND_256 = "La lunghezza del valore deve essere compresa tra 10 e 256 caratteri."


def page(response) -> str:
    """The response body as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def head_seq(web) -> int:
    return web.get("/api/v1/record/head").get_json()["seq"]


def record_events(web) -> list[dict]:
    body = web.get("/api/v1/record?limit=1000").get_data(as_text=True)
    return [json.loads(line) for line in body.splitlines()]


def logged_in_name(web) -> str | None:
    """The name shown in the header, or None when the header offers to log in."""
    response = web.get("/account")
    if response.status_code != 200:
        assert response.status_code == 302 and "/login" in response.location
        return None
    text = page(response)
    start = text.index('class="account-link"')
    return text[text.index(">", start) + 1 : text.index("</a>", start)]


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- logging in ------------------------------------------------------------------------------


def test_right_password_redirects_and_shows_the_name(web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    response = web.post(
        "/login", {"email": "anna@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert response.status_code == 302
    assert response.location == "/"
    home = web.get("/")
    assert "Anna Bianchi" in page(home)
    assert "Accesso eseguito come Anna Bianchi." in page(home)  # the welcome flash
    assert logged_in_name(web) == "Anna Bianchi"


def test_email_is_matched_whatever_its_case_and_spaces(web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    web.login("  Anna@Example.ORG ")
    assert logged_in_name(web) == "Anna Bianchi"


def test_login_follows_a_local_next(web, make_user):
    make_user("member", email="anna@example.org")
    web.token("/login?next=/account")
    response = web.post(
        "/login", {"email": "anna@example.org", "password": PASSWORD, "next": "/account"}
    )
    assert response.status_code == 302 and response.location == "/account"


def test_wrong_password_is_refused_and_keeps_the_email(web, make_user):
    person = make_user("member", email="anna@example.org")
    before = head_seq(web)
    response = web.post(
        "/login", {"email": "anna@example.org", "password": "not-the-password"}, token_from="/login"
    )
    assert response.status_code == 422
    text = page(response)
    assert WRONG_CREDENTIALS in text
    assert 'value="anna@example.org"' in text
    assert "not-the-password" not in text
    assert logged_in_name(web) is None
    assert head_seq(web) == before
    after = user_by_email("anna@example.org")
    assert after.password_hash == person.password_hash
    assert after.last_login_at is None


def test_unknown_email_gets_the_same_message(web, make_user):
    make_user("member", email="anna@example.org")
    response = web.post(
        "/login", {"email": "nessuno@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert response.status_code == 422
    assert WRONG_CREDENTIALS in page(response)
    assert 'value="nessuno@example.org"' in page(response)
    assert logged_in_name(web) is None


def test_empty_form_is_refused(web):
    response = web.post("/login", {"email": "", "password": ""}, token_from="/login")
    assert response.status_code == 422
    assert "Correggi i campi evidenziati qui sotto." in page(response)


def test_pending_account_is_told_to_wait(web, make_user):
    make_user("stakeholder", email="attesa@example.org", status=AccountStatus.PENDING)
    response = web.post(
        "/login", {"email": "attesa@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert response.status_code == 422
    assert WAITING in page(response)
    assert logged_in_name(web) is None


def test_disabled_account_is_refused(web, make_user):
    make_user("member", email="fuori@example.org", status=AccountStatus.DISABLED)
    response = web.post(
        "/login", {"email": "fuori@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert response.status_code == 422
    assert DISABLED in page(response)
    assert logged_in_name(web) is None


def test_too_many_failures_lock_out_even_the_right_password(app, web, make_user):
    make_user("member", email="anna@example.org")
    web.token("/login")
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert limit == 5
    for _ in range(limit):
        response = web.post("/login", {"email": "anna@example.org", "password": "sbagliata!"})
        assert response.status_code == 422
        assert WRONG_CREDENTIALS in page(response)
    response = web.post("/login", {"email": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 30
    assert TOO_MANY in page(response)
    assert 'value="anna@example.org"' in page(response)
    assert logged_in_name(web) is None
    # the lock is per e-mail address and client address, kept in the database, not per browser
    other = type(web)(app.test_client())
    response = other.post(
        "/login", {"email": "ANNA@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert response.status_code == 429


def test_lockout_is_shown_in_english_too(app, web, make_user):
    make_user("member", email="anna@example.org")
    web.post("/language", {"locale": "en"}, token_from="/login")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        web.post("/login", {"email": "anna@example.org", "password": "sbagliata!"})
    response = web.post("/login", {"email": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts. Try again in" in page(response)


def test_a_successful_login_clears_the_failures_of_that_account_here(app, web, make_user):
    make_user("member", email="anna@example.org")
    web.token("/login")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        web.post("/login", {"email": "anna@example.org", "password": "sbagliata!"})
    web.login("anna@example.org")
    web.post("/logout", token_from="/")
    web.token("/login")
    for _ in range(limit - 1):  # counted from zero again: not refused for "too many"
        response = web.post("/login", {"email": "anna@example.org", "password": "sbagliata!"})
        assert response.status_code == 422
    response = web.post("/login", {"email": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 302


def _cookie_header(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set: {response.headers.getlist('Set-Cookie')}")


def test_session_cookie_is_httponly_and_samesite_lax(web, make_user):
    make_user("member", email="anna@example.org")
    response = web.login("anna@example.org")
    cookie = _cookie_header(response, "consiglio_session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    # without "remember me" no long-lived cookie is left behind (at most an expired one)
    for header in response.headers.getlist("Set-Cookie"):
        assert not header.startswith("remember_token=") or header.startswith("remember_token=;")


def test_remember_me_sets_an_httponly_cookie_that_logs_back_in(app, make_web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    web = make_web()
    response = web.post(
        "/login",
        {"email": "anna@example.org", "password": PASSWORD, "remember": "y"},
        token_from="/login",
    )
    assert response.status_code == 302
    cookie = _cookie_header(response, "remember_token")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    # a browser that kept only the long-lived cookie (the session one expired) is logged in
    value = web.client.get_cookie("remember_token").value
    later = make_web()
    later.client.set_cookie("remember_token", value)
    assert logged_in_name(later) == "Anna Bianchi"


def test_remember_cookie_dies_with_a_password_change(make_web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    web = make_web()
    web.post(
        "/login",
        {"email": "anna@example.org", "password": PASSWORD, "remember": "y"},
        token_from="/login",
    )
    value = web.client.get_cookie("remember_token").value
    response = web.post(
        "/account",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account",
    )
    assert response.status_code == 302
    later = make_web()
    later.client.set_cookie("remember_token", value)
    assert logged_in_name(later) is None


# --- logging out ------------------------------------------------------------------------------


def test_logout_is_a_post_with_csrf(web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    web.login("anna@example.org")
    response = web.post("/logout", token_from="/")
    assert response.status_code == 302
    assert "Disconnessione eseguita." in page(web.get("/"))
    assert logged_in_name(web) is None


def test_logout_by_get_is_not_allowed(web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    web.login("anna@example.org")
    response = web.get("/logout")
    assert response.status_code == 405
    assert logged_in_name(web) == "Anna Bianchi"


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_logout_without_a_valid_token_does_not_log_out(web, make_user, token):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    web.login("anna@example.org")
    data = {} if token is None else {"csrf_token": token}
    response = web.client.post("/logout", data=data)
    assert response.status_code == 400
    assert logged_in_name(web) == "Anna Bianchi"


def test_login_page_redirects_someone_already_logged_in(web, make_user):
    make_user("member", email="anna@example.org")
    web.login("anna@example.org")
    response = web.get("/login")
    assert response.status_code == 302 and response.location == "/"


# --- registration and approval ----------------------------------------------------------------


def registration(org, **changes) -> dict:
    data = {
        "name": "Giulia Verdi",
        "email": "giulia@example.org",
        "organisation": str(org.id),
        "password": PASSWORD,
        "confirm": PASSWORD,
        "consent": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_register_page_lists_active_organisations(web, organisation):
    text = page(web.get("/register"))
    assert "Richiedi un account" in text
    assert "Cooperativa Il Ponte (Zona Est)" in text


def test_registration_waits_for_the_secretary_then_logs_in(
    app, web, make_web, organisation, secretary
):
    response = web.post("/register", registration(organisation), token_from="/register")
    assert response.status_code == 201
    assert "Richiesta ricevuta" in page(response)
    person = user_by_email("giulia@example.org")
    assert person.status == AccountStatus.PENDING
    assert person.roles == {Role.STAKEHOLDER}
    assert person.organisation_id == organisation.id

    refused = web.post(
        "/login", {"email": "giulia@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert refused.status_code == 422 and WAITING in page(refused)

    office = make_web()
    office.login(secretary.email)
    dashboard = page(office.get("/admin/"))
    assert "Richieste da approvare" in dashboard
    listing = office.get("/admin/users?status=pending")
    assert listing.status_code == 200
    assert "Giulia Verdi" in page(listing)
    assert "Approva" in page(listing)
    response = office.post(
        f"/admin/users/{person.id}/approve", {"back": "list"}, token_from="/admin/users"
    )
    assert response.status_code == 302
    assert response.location == "/admin/users?status=pending"
    after = page(office.get("/admin/users?status=pending"))
    assert "Registrazione approvata." in after
    assert "Giulia Verdi" not in after

    web.login("giulia@example.org")
    assert logged_in_name(web) == "Giulia Verdi"

    kinds = [(e["kind"], e["subject"], e["actor"]) for e in record_events(web)]
    subject = f"user:{person.public_id}"
    assert ("account.created", subject, None) in kinds
    assert ("account.approved", subject, secretary.public_id) in kinds


def test_a_refused_registration_cannot_log_in(web, make_web, organisation, secretary):
    web.post("/register", registration(organisation), token_from="/register")
    person = user_by_email("giulia@example.org")
    office = make_web()
    office.login(secretary.email)
    response = office.post(
        f"/admin/users/{person.id}/reject",
        {"reason": "L'organizzazione non risulta iscritta all'albo."},
        token_from=f"/admin/users/{person.id}",
    )
    assert response.status_code == 302
    assert "Registrazione rifiutata" in page(office.get(response.location))
    assert user_by_email("giulia@example.org").status == AccountStatus.DISABLED
    refused = web.post(
        "/login", {"email": "giulia@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert refused.status_code == 422 and DISABLED in page(refused)
    # a registration enters the record when approved: a refused one never does
    subject = f"user:{person.public_id}"
    assert subject not in [e["subject"] for e in record_events(web)]


def test_approving_twice_is_a_conflict(web, make_web, organisation, secretary):
    web.post("/register", registration(organisation), token_from="/register")
    person = user_by_email("giulia@example.org")
    office = make_web()
    office.login(secretary.email)
    office.post(f"/admin/users/{person.id}/approve", token_from="/admin/users")
    before = head_seq(office)
    again = office.post(f"/admin/users/{person.id}/approve")
    assert again.status_code == 409
    assert "Questo account non è in attesa di approvazione." in page(again)
    assert head_seq(office) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "giulia-at-example.org"}, "Inserisci un indirizzo e-mail valido."),
        ({"email": "giulia@example"}, "Inserisci un indirizzo e-mail valido."),
        ({"password": "corta", "confirm": "corta"}, BETWEEN_10_AND_256),
        ({"confirm": "un-altra-password"}, "Le password non coincidono."),
        ({"organisation": ""}, REQUIRED),
        ({"organisation": "None"}, REQUIRED),
        ({"organisation": "999999"}, "Non è una opzione valida"),
        ({"consent": None}, REQUIRED),
        ({"name": " "}, REQUIRED),
    ],
    ids=[
        "bad-email",
        "email-without-tld",
        "short-password",
        "mismatched-confirmation",
        "no-organisation",
        "none-organisation",
        "unknown-organisation",
        "no-consent",
        "blank-name",
    ],
)
def test_invalid_registration_is_refused_with_the_form_kept(web, organisation, changes, message):
    before = head_seq(web)
    users = count_users()
    data = registration(organisation, **changes)
    response = web.post("/register", data, token_from="/register")
    assert response.status_code == 422
    text = page(response)
    assert message in text
    if data["name"].strip():
        assert f'value="{data["name"]}"' in text
    assert f'value="{data["email"]}"' in text
    assert PASSWORD not in text  # passwords are never sent back
    assert count_users() == users
    assert head_seq(web) == before


def test_an_inactive_organisation_cannot_be_chosen(web, organisation, zone, make_web, admin):
    office = make_web()
    office.login(admin.email)
    office.post(
        f"/admin/organisations/{organisation.id}",
        {"name": organisation.name, "zone": str(zone.id), "kind": "", "website": ""},
        token_from=f"/admin/organisations/{organisation.id}",
    )
    assert "Cooperativa Il Ponte" not in page(web.get("/register"))
    response = web.post("/register", registration(organisation), token_from="/register")
    assert response.status_code == 422
    assert user_by_email("giulia@example.org") is None


def test_logged_in_people_do_not_register_again(web, make_user):
    make_user("member", email="anna@example.org")
    web.login("anna@example.org")
    assert web.get("/register").status_code == 302


def test_record_events_of_accounts_never_contain_an_email(web, make_web, organisation, admin):
    web.post("/register", registration(organisation), token_from="/register")
    person = user_by_email("giulia@example.org")
    office = make_web()
    office.login(admin.email)
    office.post(f"/admin/users/{person.id}/approve", token_from="/admin/users")
    office.post(
        "/admin/users/new",
        {
            "name": "Marco Neri",
            "email": "marco.neri@example.org",
            "password": PASSWORD,
            "roles": ["member"],
            "organisation": "",
            "council_group": "",
        },
        token_from="/admin/users/new",
    )
    marco = user_by_email("marco.neri@example.org")
    office.post(
        f"/admin/users/{marco.id}",
        {
            "name": "Marco Neri",
            "email": "marco@example.org",
            "roles": ["member"],
            "organisation": "",
            "council_group": "",
        },
        token_from=f"/admin/users/{marco.id}",
    )
    body = web.get("/api/v1/record?limit=1000").get_data(as_text=True)
    kinds = [json.loads(line)["kind"] for line in body.splitlines()]
    assert {"account.created", "account.approved", "account.updated"} <= set(kinds)
    assert "@" not in body
    assert "giulia" not in body.lower() and "marco" not in body.lower()


# --- one's own account ------------------------------------------------------------------------


def test_account_page_needs_login(web):
    response = web.get("/account")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_password_change_with_a_wrong_current_password(web, make_user):
    person = make_user("member", email="anna@example.org", name="Anna Bianchi")
    web.login("anna@example.org")
    before = head_seq(web)
    response = web.post(
        "/account",
        {"current": "non-la-mia-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account",
    )
    assert response.status_code == 422
    assert "La password attuale non è corretta." in page(response)
    assert user_by_email("anna@example.org").password_hash == person.password_hash
    assert head_seq(web) == before


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("corta", "corta", BETWEEN_10_AND_256),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "Le password non coincidono."),
    ],
)
def test_password_change_with_a_bad_new_password(web, make_user, password, confirm, message):
    person = make_user("member", email="anna@example.org")
    web.login("anna@example.org")
    response = web.post(
        "/account",
        {"current": PASSWORD, "password": password, "confirm": confirm},
        token_from="/account",
    )
    assert response.status_code == 422
    assert message in page(response)
    assert user_by_email("anna@example.org").password_hash == person.password_hash


def test_password_change_logs_out_the_other_sessions(make_web, make_user):
    make_user("member", email="anna@example.org", name="Anna Bianchi")
    phone, laptop = make_web(), make_web()
    phone.login("anna@example.org")
    laptop.login("anna@example.org")
    response = laptop.post(
        "/account",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/account",
    )
    assert response.status_code == 302 and response.location == "/account"
    assert "La password è stata cambiata." in page(laptop.get("/account"))
    assert logged_in_name(laptop) == "Anna Bianchi"
    assert logged_in_name(phone) is None
    refused = phone.post(
        "/login", {"email": "anna@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert refused.status_code == 422
    phone.login("anna@example.org", NEW_PASSWORD)
    assert logged_in_name(phone) == "Anna Bianchi"
    events = record_events(phone)
    assert events[-1]["kind"] == "account.password_changed"
    assert events[-1]["data"] == {}


def test_next_survives_a_failed_attempt(web, make_user):
    make_user("member", email="anna@example.org")
    web.token("/login?next=/account")
    response = web.post(
        "/login", {"email": "anna@example.org", "password": "sbagliata", "next": "/account"}
    )
    assert response.status_code == 422
    assert 'name="next" type="hidden" value="/account"' in page(response)
    response = web.post(
        "/login", {"email": "anna@example.org", "password": PASSWORD, "next": "/account"}
    )
    assert response.location == "/account"


def test_logout_forgets_the_remember_cookie(make_web, make_user):
    make_user("member", email="anna@example.org")
    web = make_web()
    web.post(
        "/login",
        {"email": "anna@example.org", "password": PASSWORD, "remember": "y"},
        token_from="/login",
    )
    assert web.client.get_cookie("remember_token") is not None
    response = web.post("/logout", token_from="/")
    assert any(h.startswith("remember_token=;") for h in response.headers.getlist("Set-Cookie"))
    assert web.client.get_cookie("remember_token") is None
    assert logged_in_name(web) is None
