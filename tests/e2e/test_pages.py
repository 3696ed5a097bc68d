"""The pages in a real Chromium: accessibility (axe), a 360 px phone, keyboard, language,
logging in, the registration → approval flow and the record's live updates."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.extensions import socketio
from council.models.user import AccountStatus
from council.unit_of_work import unit_of_work
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, log_in

PHONE_WIDTH = PHONE["width"]


def assert_fits_phone(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways at {PHONE_WIDTH}px: {width}px wide"


def check_page(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == status, f"{path} answered {response.status}"
    page.wait_for_load_state("load")
    assert page.evaluate("() => document.documentElement.lang") in {"it", "en"}
    axe_check(page)
    assert_fits_phone(page)


# --- every page: axe and a 360 px phone -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/login", 200),
        ("/register", 200),
        ("/record", 200),
        ("/record?subject=zone:", 200),
        ("/questa-pagina-non-esiste", 404),
    ],
    ids=["home", "login", "register", "record", "record-filtered", "error-404"],
)
def test_public_page_is_accessible_on_a_phone(page: Page, organisation, path, status):
    check_page(page, path, status)


@pytest.fixture
def admin_data(admin, make_user, organisation, zone):
    """An administrator, a registration waiting for approval, a Punto di comunità."""
    pending = make_user("stakeholder", status=AccountStatus.PENDING, name="Giulia Bianchi")
    with unit_of_work() as session:
        point = organisations.save_community_point(
            session, SYSTEM, None, name="Punto Est", zone=zone, address="Via Milano 12, Brescia"
        )
    return {"admin": admin, "pending": pending, "organisation": organisation, "point": point}


ADMIN_PAGES = {
    "dashboard": lambda d: "/admin/",
    "users": lambda d: "/admin/users",
    "users-pending": lambda d: "/admin/users?status=pending",
    "user-pending": lambda d: f"/admin/users/{d['pending'].id}",
    "user-admin": lambda d: f"/admin/users/{d['admin'].id}",
    "user-new": lambda d: "/admin/users/new",
    "organisations": lambda d: "/admin/organisations",
    "organisation-edit": lambda d: f"/admin/organisations/{d['organisation'].id}",
    "organisation-new": lambda d: "/admin/organisations/new",
    "zones": lambda d: "/admin/zones",
    "zone-edit": lambda d: f"/admin/zones/{d['organisation'].zone_id}",
    "community-points": lambda d: "/admin/community-points",
    "community-point-edit": lambda d: f"/admin/community-points/{d['point'].id}",
    "topics": lambda d: "/admin/topics",
    "topic-new": lambda d: "/admin/topics/new",
}


@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_admin_page_is_accessible_on_a_phone(page: Page, admin_data, name):
    log_in(page, admin_data["admin"].email)
    check_page(page, ADMIN_PAGES[name](admin_data))


def test_pages_are_accessible_on_a_desktop(desktop_page: Page, admin_data):
    for path in ("/", "/record"):
        desktop_page.goto(path)
        axe_check(desktop_page)
    log_in(desktop_page, admin_data["admin"].email)
    for path in ("/admin/users", f"/admin/users/{admin_data['pending'].id}"):
        desktop_page.goto(path)
        axe_check(desktop_page)
        width = desktop_page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= DESKTOP["width"]


def test_account_page_is_accessible_on_a_phone(page: Page, make_user):
    person = make_user("stakeholder")
    log_in(page, person.email)
    check_page(page, "/account")
    expect(page.locator("main")).to_contain_text(person.public_id)


def test_form_with_errors_is_accessible_on_a_phone(page: Page, organisation):
    page.goto("/register")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator(".field-error").first).to_be_visible()
    axe_check(page)
    assert_fits_phone(page)


# --- keyboard ----------------------------------------------------------------------------------


def test_first_tab_reaches_the_skip_link_and_focus_is_visible(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                cls: el.className, href: el.getAttribute("href"), text: el.textContent.trim(),
                focusVisible: el.matches(":focus-visible"),
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                top: box.top, bottom: box.bottom, width: box.width, height: box.height,
            };
        }"""
    )
    assert focused["cls"] == "skip-link"
    assert focused["href"] == "#main"
    assert focused["text"] == "Vai al contenuto"
    assert focused["focusVisible"]
    assert focused["outlineStyle"] != "none"
    assert focused["outlineWidth"] >= 2
    # on screen, not parked above the top edge where it hides when not focused
    assert focused["top"] >= 0
    assert focused["bottom"] <= PHONE["height"]
    assert focused["width"] > 0
    assert focused["height"] > 0

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()


# --- language ----------------------------------------------------------------------------------


def test_language_switch_turns_the_page_to_english_and_back(page: Page):
    page.goto("/record")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "it")
    expect(page.locator("h1")).to_have_text("Registro pubblico")

    page.locator("header button.lang-button[value=en]").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Public record")
    expect(page).to_have_url(re.compile(r"/record$"))  # stays on the same page
    expect(page.locator("header button.lang-button[value=en]")).to_have_attribute(
        "aria-pressed", "true"
    )

    page.locator("header button.lang-button[value=it]").click()
    expect(html).to_have_attribute("lang", "it")
    expect(page.locator("h1")).to_have_text("Registro pubblico")
    expect(page.locator("header button.lang-button[value=it]")).to_have_attribute(
        "aria-pressed", "true"
    )


# --- logging in --------------------------------------------------------------------------------


def test_wrong_password_shows_the_error_and_keeps_the_email(page: Page, make_user):
    person = make_user("member")
    page.goto("/login")
    page.fill("#email", person.email)
    page.fill("#password", "not-the-password")
    page.locator("main form button[type=submit]").click()

    errors = page.locator("#form-errors")
    expect(errors).to_contain_text("E-mail o password non corretti.")
    expect(errors).to_be_focused()
    expect(page.locator("#email")).to_have_value(person.email)
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("header")).not_to_contain_text(person.name)
    axe_check(page)
    assert_fits_phone(page)


def test_registration_then_approval_then_login(new_context, secretary, organisation):
    stakeholder = new_context(PHONE).new_page()
    stakeholder.goto("/")
    stakeholder.get_by_role("link", name="Chiedi un account").first.click()
    expect(stakeholder).to_have_url(re.compile(r"/register$"))
    stakeholder.fill("#name", "Marta Rossi")
    stakeholder.fill("#email", "marta.rossi@example.org")
    stakeholder.select_option("#organisation", label=f"{organisation.name} (Zona Est)")
    stakeholder.fill("#password", "una-password-lunga")
    stakeholder.fill("#confirm", "una-password-lunga")
    stakeholder.check("#consent")
    stakeholder.locator("main form button[type=submit]").click()
    expect(stakeholder.locator("h1")).to_have_text("Richiesta ricevuta")

    # not yet: the secretariat has to approve first
    log_in(stakeholder, "marta.rossi@example.org", "una-password-lunga", logged_in=False)
    expect(stakeholder.locator("#form-errors")).to_be_visible()
    expect(stakeholder).to_have_url(re.compile(r"/login$"))

    office = new_context(DESKTOP).new_page()
    log_in(office, secretary.email)
    office.goto("/admin/users?status=pending")
    row = office.locator("tbody tr", has_text="Marta Rossi")
    expect(row).to_contain_text(organisation.name)
    row.get_by_role("button", name="Approva").click()
    expect(office.locator(".flash-success")).to_have_text("Registrazione approvata.")
    expect(office.locator("tbody tr", has_text="Marta Rossi")).to_have_count(0)

    log_in(stakeholder, "marta.rossi@example.org", "una-password-lunga")
    expect(stakeholder.locator(".flash-success")).to_have_text("Accesso eseguito come Marta Rossi.")
    expect(stakeholder.locator("header .account-link")).to_have_text("Marta Rossi")


# --- the public record, live -------------------------------------------------------------------


def test_record_page_follows_the_head_live(new_context, admin, organisation):
    reader = new_context(PHONE).new_page()
    reader.goto("/record")
    head_seq = reader.locator("main [data-record-head-seq]")
    before = int(head_seq.inner_text())
    # Wait until the socket is in the "record" room: a second join is acknowledged only
    # after the one app.js sent on connect (messages are ordered on a connection).
    reader.wait_for_function("() => window.consiglio && window.consiglio.socket.connected")
    joined = reader.evaluate(
        """() => new Promise((resolve) =>
            window.consiglio.socket.emit("room.join", {room: "record"}, resolve))"""
    )
    assert joined == {"ok": True, "room": "record"}
    reader.evaluate("() => { window.stillTheSamePage = true; }")

    office = new_context(DESKTOP).new_page()
    log_in(office, admin.email)
    office.goto("/admin/organisations")
    office.get_by_role("link", name="Nuova organizzazione").click()
    office.fill("#name", "Associazione Nuovi Orizzonti")
    office.fill("#kind", "Associazione di volontariato")
    office.select_option("#zone", label="Zona Est")
    office.locator("main form button[type=submit]").click()
    expect(office.locator(".flash-success")).to_have_text("Salvato.")
    head = office.request.get("/api/v1/record/head").json()
    assert head["seq"] > before

    expect(head_seq).to_have_text(str(head["seq"]))
    expect(reader.locator("main [data-record-head-hash]")).to_have_text(head["hash"])
    assert reader.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"

    # An older event arriving late (another process's commit) leaves the head where it is.
    late = {"seq": before, "hash": "0" * 64, "kind": "organisation.created", "subject": "x"}
    socketio.emit("record.appended", late, to="record", ignore_queue=True)
    reader.evaluate(  # messages are ordered on a connection: the late one came before
        """() => new Promise((resolve) =>
            window.consiglio.socket.emit("room.join", {room: "record"}, resolve))"""
    )
    expect(head_seq).to_have_text(str(head["seq"]))
    expect(reader.locator("main [data-record-head-hash]")).to_have_text(head["hash"])
