"""Account self-service in Chromium, as people do it: a forgotten password reset through the
link in the e-mail (the other devices logged out), the profile (name, a new e-mail address
confirmed by its link, the language), two-step sign-in set up from the account page and
used at login with the app's code and with a recovery code. Each page fits 360 and 1280 px
and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.account_helpers import code, link_in, outbox_reader
from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in

NEW_PASSWORD = "una-password-nuova-e-lunga"


@pytest.fixture
def member(make_user):
    return make_user("member", name="Marco Rossi", email="marco@example.org")


@pytest.fixture
def outbox(app):
    return outbox_reader(app)


def fits(page: Page) -> None:
    assert horizontal_overflow(page) == 0
    axe_check(page)


def submit(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_forgotten_password_is_reset_through_the_mailed_link(
    new_context, member, outbox, viewport
):
    laptop = new_context(DESKTOP).new_page()
    log_in(laptop, member.email)
    page = new_context(viewport).new_page()
    page.goto("/login")
    page.get_by_role("link", name="Hai dimenticato la password?").click()
    expect(page.get_by_role("heading", name="Hai dimenticato la password?")).to_be_visible()
    fits(page)
    page.get_by_label("E-mail").fill(member.email)
    submit(page, "Invia il link")
    expect(page.get_by_role("heading", name="Controlla la tua e-mail")).to_be_visible()
    fits(page)
    [mail] = outbox()
    page.goto(link_in(mail, "/password/reset/"))
    expect(page.get_by_role("heading", name="Scegli una nuova password")).to_be_visible()
    fits(page)
    page.get_by_label("Nuova password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Ripeti la nuova password").fill(NEW_PASSWORD)
    submit(page, "Salva la nuova password")
    expect(page.locator("main")).to_contain_text("tutti i dispositivi sono stati disconnessi")
    # the laptop was logged out on the server
    laptop.goto("/account")
    expect(laptop.get_by_role("banner").get_by_role("link", name="Accedi")).to_be_visible()
    log_in(page, member.email, NEW_PASSWORD)
    expect(page.locator("header .account-link")).to_have_text("Marco Rossi")
    # the link is spent
    page.goto(link_in(mail, "/password/reset/"))
    expect(page.get_by_role("heading", name="Questo link non si può usare")).to_be_visible()
    expect(page.locator("main")).to_contain_text("già stato usato")
    fits(page)


def test_the_profile_changes_name_address_and_language(new_context, member, outbox):
    page = new_context(PHONE).new_page()
    log_in(page, member.email)
    page.goto("/account")
    fits(page)
    page.get_by_label("Nome e cognome").fill("Marco Bianchi")
    submit(page, "Salva")
    expect(page.locator("header .account-link")).to_have_text("Marco Bianchi")

    page.get_by_label("Nuovo indirizzo e-mail").fill("marco.bianchi@example.org")
    page.get_by_label("La tua password").fill(PASSWORD)
    submit(page, "Invia il link di conferma")
    expect(page.locator(".flash-success")).to_contain_text("marco.bianchi@example.org")
    expect(page.locator("#email-title + p")).to_contain_text("marco@example.org")
    [mail] = outbox()
    assert mail["To"] == "marco.bianchi@example.org"
    page.goto(link_in(mail, "/account/email/confirm/"))
    fits(page)
    submit(page, "Conferma il nuovo indirizzo")
    expect(page.locator(".flash-success")).to_contain_text(
        "Il tuo indirizzo e-mail ora è marco.bianchi@example.org"
    )
    expect(page.locator("#email-title + p")).to_contain_text("marco.bianchi@example.org")
    [told] = outbox()
    assert told["To"] == "marco@example.org"

    page.get_by_label("Lingua", exact=True).select_option("en")
    with page.expect_navigation():
        page.locator("form[action='/account/profile'] button").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    desktop = new_context(DESKTOP).new_page()
    log_in(desktop, "marco.bianchi@example.org")
    desktop.goto("/account")
    expect(desktop.get_by_role("heading", name="Your account")).to_be_visible()
    fits(desktop)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_two_step_sign_in_with_the_app_and_with_a_recovery_code(new_context, member, viewport):
    page = new_context(viewport).new_page()
    log_in(page, member.email)
    page.goto("/account")
    page.get_by_role("link", name="Attiva l'accesso in due passaggi").click()
    expect(page.get_by_role("img", name=re.compile("Codice QR"))).to_be_visible()
    fits(page)
    key = page.locator("#secret-key").inner_text().replace(" ", "")
    page.get_by_label("Codice", exact=True).fill(code(key))
    submit(page, "Attiva l'accesso in due passaggi")
    expect(page.get_by_role("heading", name="I tuoi codici di recupero")).to_be_visible()
    recovery = page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10
    fits(page)
    page.get_by_role("link", name="Li ho conservati: continua").click()
    expect(page.get_by_role("heading", name="Accesso in due passaggi Attivo")).to_be_visible()

    other = new_context(viewport).new_page()
    log_in(other, member.email, logged_in=False)  # the password alone: the code is asked next
    expect(other.get_by_role("heading", name="Accesso in due passaggi")).to_be_visible()
    expect(other.locator("header .account-link")).to_have_count(0)
    fits(other)
    other.get_by_label("Codice", exact=True).fill("000000")
    submit(other, "Accedi")
    expect(other.locator("#code-error")).to_have_text("Il codice non è corretto.")
    other.get_by_label("Codice", exact=True).fill(code(key, 1))
    submit(other, "Accedi")
    expect(other.locator("header .account-link")).to_have_text("Marco Rossi")

    third = new_context(viewport).new_page()
    log_in(third, member.email, logged_in=False)
    third.get_by_label("Codice", exact=True).fill(recovery[0])
    submit(third, "Accedi")
    expect(third.locator("header .account-link")).to_have_text("Marco Rossi")
    expect(third.locator("main")).to_contain_text("te ne restano 9")
    third.goto("/account/two-step")
    expect(third.locator("main")).to_contain_text("Restano 9 codici di recupero")
    fits(third)
