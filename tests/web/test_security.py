"""Security of the web layer: headers, CSRF, error pages, redirects, escaping."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from council.extensions import db
from council.models.organisation import Zone
from council.models.record import RecordEvent
from council.models.user import AccountStatus, User
from tests.conftest import PASSWORD

CSRF_MESSAGE = "Il modulo è scaduto o non proviene da questo sito. Ricarica la pagina e riprova."
LAYOUT_IT = [
    '<html lang="it">',
    "Vai al contenuto",
    "Registro pubblico",
    "Ogni decisione è annotata in un registro pubblico verificabile.",
    "Torna alla pagina iniziale",
]
LAYOUT_EN = [
    '<html lang="en">',
    "Skip to content",
    "Public record",
    "Every decision is recorded in a verifiable public record.",
    "Back to the home page",
]


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def state() -> tuple[int, int, int]:
    """Record head, accounts and zones: what a forged request must leave untouched."""
    db.session.expire_all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    head = db.session.scalar(select(func.max(RecordEvent.seq))) or 0
    return head, count(User), count(Zone)


def signed_in(web) -> bool:
    return web.get("/account").status_code == 200


# --- headers ----------------------------------------------------------------------------------

PUBLIC_PAGES = ["/", "/login", "/register", "/record", "/record?subject=user:", "/no-such-page"]
ADMIN_PAGES = [
    "/account",
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/zones",
    "/admin/zones/new",
    "/admin/organisations/new",
    "/admin/community-points/new",
]


def _check_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ") if part}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def _check_no_inline_code(body: str) -> None:
    """What the CSP would block must not be there: inline scripts, styles and handlers."""
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag, tag
    assert not re.search(r"<style\b", body)
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"\son[a-z]+=", body)
    assert "javascript:" not in body


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_send_the_security_headers(web, organisation, path):
    response = web.get(path)
    assert response.mimetype == "text/html"
    _check_headers(response)
    _check_no_inline_code(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_logged_in_pages_send_the_security_headers_and_are_not_cached(web, admin, path):
    web.login(admin.email)
    response = web.get(path)
    assert response.status_code == 200
    _check_headers(response)
    _check_no_inline_code(response.get_data(as_text=True))
    assert "no-store" in response.headers["Cache-Control"]


def test_error_and_form_responses_send_the_security_headers(web, make_user):
    make_user("member", email="anna@example.org")
    responses = [
        web.post("/login", {"email": "anna@example.org", "password": "x"}, token_from="/login"),
        web.client.post("/login", data={"email": "x"}),  # CSRF failure
        web.get("/logout"),  # 405
        web.get("/admin/users/new?x=1", follow_redirects=True),
    ]
    for response in responses:
        assert response.mimetype == "text/html"
        _check_headers(response)


# --- CSRF ---------------------------------------------------------------------------------------


def forged_posts(ids: dict) -> list[tuple[str, dict]]:
    return [
        ("/login", {"email": "anna@example.org", "password": PASSWORD}),
        (
            "/register",
            {"name": "Giulia Verdi", "email": "giulia@example.org", "password": PASSWORD,
             "confirm": PASSWORD, "organisation": str(ids["organisation"]), "consent": "y"},
        ),
        ("/logout", {}),
        ("/language", {"locale": "en"}),
        ("/account", {"current": PASSWORD, "password": "nuova-password-lunga",
                      "confirm": "nuova-password-lunga"}),
        ("/admin/users/new", {"name": "Intruso", "email": "intruso@example.org",
                              "password": PASSWORD, "roles": "admin"}),
        (f"/admin/users/{ids['pending']}/approve", {}),
        (f"/admin/users/{ids['member']}/status", {"status": "disabled"}),
        (f"/admin/users/{ids['member']}/password", {"password": "nuova-password-lunga"}),
        (f"/admin/users/{ids['member']}", {"name": "Rinominata", "email": "x@example.org",
                                           "roles": "admin"}),
        ("/admin/zones/new", {"name": "Zona Pirata"}),
        ("/admin/organisations/new", {"name": "Org Pirata", "zone": str(ids["zone"])}),
        ("/admin/community-points/new", {"name": "Punto Pirata", "zone": str(ids["zone"])}),
    ]  # fmt: skip


@pytest.fixture
def targets(app, make_user, organisation, zone):
    member = make_user("member", email="anna@example.org")
    pending = make_user("stakeholder", email="attesa@example.org", status=AccountStatus.PENDING)
    return {
        "member": member.id,
        "pending": pending.id,
        "organisation": organisation.id,
        "zone": zone.id,
    }


@pytest.mark.parametrize("token", ["missing", "forged", "another-session"])
@pytest.mark.parametrize("as_admin", [False, True], ids=["anonymous", "admin"])
def test_posts_without_a_valid_csrf_token_are_refused(make_web, admin, targets, token, as_admin):
    web = make_web()
    if as_admin:
        web.login(admin.email)
    web.token("/")
    other = make_web()
    foreign = other.token("/")
    for path, data in forged_posts(targets):
        before = state()
        data = dict(data)
        if token == "forged":
            data["csrf_token"] = "IjAwMDAwMDAwMDAwMDAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"
        elif token == "another-session":
            data["csrf_token"] = foreign
        response = web.client.post(path, data=data)
        assert response.status_code == 400, path
        text = page(response)
        assert CSRF_MESSAGE in text, path
        for marker in LAYOUT_IT:
            assert marker in text
        assert state() == before, path
        assert signed_in(web) is as_admin, path
    assert db.session.get(User, targets["pending"]).status == AccountStatus.PENDING


# --- error pages ------------------------------------------------------------------------------


@pytest.fixture
def error_pages(app, web, make_web, make_user, monkeypatch):
    """A request that ends in each error status, each from its own browser."""
    make_user("stakeholder", email="portatore@example.org")
    make_user("secretary", email="segreteria@example.org")
    active_id = make_user("member", email="anna@example.org").id

    def crash():
        # a real failure in the database layer, the worst case for rendering the error page
        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setitem(app.view_functions, "main.record_page", crash)

    def run(status: int, locale: str):
        browser = make_web()
        if locale != "it":
            browser.post("/language", {"locale": locale}, token_from="/")
        if status == 400:
            return browser.client.post("/login", data={"email": "x"})
        if status == 403:
            browser.login("portatore@example.org")
            return browser.get("/admin/")
        if status == 404:
            return browser.get("/proposte/12345")
        if status == 405:
            return browser.get("/logout")
        if status == 409:
            browser.login("segreteria@example.org")
            return browser.post(f"/admin/users/{active_id}/approve", token_from="/admin/")
        if status == 413:
            return browser.post(
                "/login", {"email": "a@example.org", "password": "x" * (3 * 1024 * 1024)}
            )
        if status == 422:
            return browser.post("/login", {"email": "", "password": ""}, token_from="/login")
        if status == 500:
            browser.login("anna@example.org")
            return browser.get("/record")
        raise AssertionError(status)

    return run


ERRORS = {
    400: ("Richiesta non valida", "The request could not be understood"),
    403: ("Non consentito", "Not allowed"),
    404: ("Pagina non trovata", "Page not found"),
    405: ("Non consentito", "Not allowed"),
    409: ("Operazione non possibile al momento", "Not possible right now"),
    413: ("Contenuto troppo grande", "Too large"),
    422: ("Accedi", "Log in"),  # a refused form is shown again, with its errors
    500: ("Si è verificato un problema", "Something went wrong"),
}
MESSAGES = {
    400: (CSRF_MESSAGE, "The form has expired or did not come from this site."),
    403: (
        "Non si dispone dell'autorizzazione per questa operazione.",
        "You are not allowed to do this.",
    ),
    404: ("La pagina richiesta non esiste o è stata spostata.", "does not exist or was moved."),
    405: ("Questa operazione non è disponibile qui.", "This action is not available here."),
    409: (
        "Questo account non è in attesa di approvazione.",
        "This account is not waiting for approval.",
    ),
    413: ("I dati inviati sono troppo grandi.", "What you sent is too large."),
    422: ("Correggi i campi evidenziati qui sotto.", "Please correct the fields marked below."),
    500: ("Si è verificato un errore imprevisto.", "An unexpected error occurred."),
}


@pytest.mark.parametrize("locale", ["it", "en"])
@pytest.mark.parametrize("status", sorted(ERRORS))
def test_error_pages_render_the_layout_in_the_reader_s_language(error_pages, status, locale):
    before = state()
    response = error_pages(status, locale)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = page(response)
    index = 0 if locale == "it" else 1
    for marker in LAYOUT_IT if locale == "it" else LAYOUT_EN:
        if status == 422 and marker in (LAYOUT_IT[-1], LAYOUT_EN[-1]):
            continue  # the form page has no "back home" button
        assert marker in body, marker
    if status != 422:
        assert ("Errore" if locale == "it" else "Error") + f" {status}" in body
    assert ERRORS[status][index] in body
    assert MESSAGES[status][index] in body
    assert "Traceback" not in body and "no_such_table" not in body
    _check_headers(response)
    assert state() == before


def test_an_unexpected_error_in_the_api_is_json(app, client, monkeypatch):
    def crash():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "api.record_head", crash)
    response = client.get("/api/v1/record/head")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "Internal Server Error",
        "message": "Si è verificato un errore imprevisto. Non è stata apportata alcuna "
        "modifica: riprova più tardi.",
    }


# --- redirects --------------------------------------------------------------------------------

EVIL = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/login",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
]


def _stays_here(response) -> None:
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.netloc in ("", "localhost"), response.location
    assert target.scheme in ("", "http"), response.location
    assert response.location == "/", response.location


@pytest.mark.parametrize("target", EVIL)
def test_login_does_not_follow_an_external_next(web, make_user, target):
    make_user("member", email="anna@example.org")
    response = web.post(
        "/login",
        {"email": "anna@example.org", "password": PASSWORD, "next": target},
        token_from="/login",
    )
    _stays_here(response)
    # nor when the already logged-in person lands on /login?next=...
    _stays_here(web.get("/login", query_string={"next": target}))


@pytest.mark.parametrize("target", EVIL)
def test_language_switch_does_not_follow_an_external_next(web, target):
    response = web.post("/language", {"locale": "en", "next": target}, token_from="/")
    _stays_here(response)


def test_next_is_escaped_in_the_login_form(web):
    body = web.get("/login", query_string={"next": '"><script>alert(1)</script>'}).get_data(
        as_text=True
    )
    assert "<script>alert(1)</script>" not in body
    assert "&#34;&gt;&lt;script&gt;" in body or "&quot;&gt;&lt;script&gt;" in body


def test_anonymous_visitor_is_sent_to_login_and_back(web, admin):
    response = web.get("/admin/users?status=pending")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/login"
    assert "Accedi per continuare." in page(web.get(response.location))
    next_value = re.search(
        r'name="next" type="hidden" value="([^"]*)"', page(web.get(response.location))
    )
    assert next_value.group(1) == "/admin/users?status=pending"
    response = web.post(
        "/login", {"email": admin.email, "password": PASSWORD, "next": next_value.group(1)}
    )
    assert response.location == "/admin/users?status=pending"


# --- escaping of what people type -----------------------------------------------------------


def test_names_typed_by_people_are_escaped(web, make_web, organisation, admin):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = web.post(
        "/register",
        {"name": name, "email": "giulia@example.org", "password": PASSWORD, "confirm": PASSWORD,
         "organisation": str(organisation.id), "consent": "y"},
        token_from="/register",
    )  # fmt: skip
    assert response.status_code == 201
    office = make_web()
    office.login(admin.email)
    body = office.get("/admin/users?status=pending").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in body
    assert "<script>alert" not in body and "<img src=x" not in body
    person = db.session.scalar(select(User).where(User.email == "giulia@example.org"))
    body = office.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body


# --- hostile input never gets a 500 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/users?page=99999999999999999999", 200),
        ("/admin/users?page=9223372036854775807", 200),
        ("/admin/users?page=-3", 200),
        ("/admin/users/99999999999999999999", 404),
        ("/admin/users/2147483648", 404),
        ("/admin/zones/99999999999999999999", 404),
        ("/admin/organisations/99999999999999999999", 404),
        ("/admin/community-points/99999999999999999999", 404),
        ("/admin/users?q=%00", 400),
        ("/record?subject=user:%00", 400),
        ("/?lang=%00", 400),
    ],
)
def test_odd_urls_get_a_clear_answer_not_a_crash(web, admin, path, status):
    web.login(admin.email)
    response = web.get(path)
    assert response.status_code == status
    assert '<html lang="it">' in page(response)


def test_odd_post_targets_are_404(web, admin):
    web.login(admin.email)
    before = state()
    for path in ("/admin/users/99999999999999999999/approve",
                 "/admin/users/99999999999999999999/status"):  # fmt: skip
        assert web.post(path, {"status": "active"}, token_from="/").status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "anna\x00@example.org", "password": PASSWORD}),
        (
            "/register",
            {"name": "Giulia\x00", "email": "giulia@example.org", "password": PASSWORD,
             "confirm": PASSWORD, "organisation": "{organisation}", "consent": "y"},
        ),
        ("/admin/zones/new", {"name": "Zona\x00Nord"}),
        ("/admin/users/new", {"name": "Nome", "email": "n@example.org", "password": "\x00" * 12}),
    ],
    ids=["login", "register", "zone", "account"],
)  # fmt: skip
def test_nul_bytes_in_forms_are_refused_not_a_crash(web, admin, organisation, path, data):
    """PostgreSQL cannot store a NUL character: it must be refused before it gets there."""
    if path.startswith("/admin"):
        web.login(admin.email)
    data = {key: value.format(organisation=organisation.id) for key, value in data.items()}
    before = state()
    response = web.post(path, data, token_from="/")
    assert response.status_code == 400
    assert "Non è stato possibile interpretare la richiesta." in page(response)
    assert state() == before
