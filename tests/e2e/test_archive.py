"""The archive in Chromium on a phone (360 px), without JavaScript needed: a visitor searches,
filters, removes a filter and opens a decision's whole trail; the secretary posts an
implementation update from the decision page and the public list shows it. axe finds nothing
serious on any page and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.e2e.conftest import axe_check, horizontal_overflow, log_in
from tests.meeting_helpers import detach
from tests.poll_helpers import group_council, story


def checked(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0, f"{page.url} scrolls sideways"


@pytest.fixture
def told(make_user):
    council = detach(group_council(make_user))
    with unit_of_work() as session:
        zone = organisations.save_zone(session, SYSTEM, None, name="Zona Sud")
    author = council.stakeholder
    archived(author, year=2025, title="Custodia sociale nei condomini di San Polo",
             zones=[zone], meeting_title="Seduta ordinaria di settembre")  # fmt: skip
    archived(author, year=2025, title="Mensa solidale in città", approved=False)
    return story(council)


def test_a_visitor_searches_and_filters_the_archive(page: Page, told):
    page.goto("/decisions")
    checked(page)
    expect(page.get_by_role("status")).to_have_text("4 deliberazioni")
    search = page.get_by_role("searchbox", name="Parole chiave")
    search.fill("citta")  # without the accent
    search.press("Enter")
    expect(page.get_by_role("status")).to_have_text("1 deliberazione")
    expect(page.get_by_role("link", name="Mensa solidale in città")).to_be_visible()
    checked(page)

    page.get_by_role("link", name="togli il filtro Parole chiave").click()
    expect(page.get_by_role("status")).to_have_text("4 deliberazioni")
    page.get_by_text("Filtri e ordinamento").click()
    page.get_by_label("Anno").select_option("2025")
    page.get_by_label("Zona").select_option(label="Zona Sud")
    page.get_by_role("button", name="Cerca").click()
    expect(page.get_by_role("status")).to_have_text("1 deliberazione")
    expect(page.get_by_text("Zona: Zona Sud")).to_be_visible()
    checked(page)

    page.get_by_role("link", name="Seduta ordinaria di settembre").click()
    filters = page.get_by_role("list", name="Filtri attivi")
    expect(filters).to_have_text("Seduta: Seduta ordinaria di settembre togli il filtro Seduta")
    page.goto("/decisions?q=%22parola+introvabile%22")
    expect(page.get_by_text("Nessuna deliberazione corrisponde")).to_be_visible()
    checked(page)


def test_the_trail_and_an_implementation_update_on_a_phone(page: Page, told):
    number = told.approved.number
    page.goto("/decisions")
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deliberazione n. {number}")
    for heading in ("Attuazione", "Versioni della proposta (2)", "La discussione, per posizione",
                    "Interventi su questo punto", "Come ha votato ciascun consigliere",
                    "Dal verbale", "Nel registro pubblico"):  # fmt: skip
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    page.get_by_text("Differenze rispetto alla versione 1").click()
    expect(page.locator(".version-diff ins").first).to_be_visible()
    checked(page)

    log_in(page, told.council.secretary.email)
    page.goto(f"/decisions/{told.approved.year}/{told.approved.seq:03d}")
    page.get_by_label("Stato", exact=True).select_option(label="completata")
    page.get_by_label("Avanzamento (%)").fill("80")
    page.get_by_label("Che cosa è stato fatto").fill("Servizio quasi attivo.")
    page.get_by_role("button", name="Pubblica l'aggiornamento").click()
    expect(page.get_by_text("Con questo stato l'avanzamento è 100%.")).to_be_visible()
    checked(page)  # the refused form, with its error
    page.get_by_label("Stato", exact=True).select_option(label="in corso")
    page.get_by_role("button", name="Pubblica l'aggiornamento").click()
    expect(page.get_by_text("Lo stato di attuazione è aggiornato.")).to_be_visible()
    timeline = page.locator(".implementation-timeline")
    expect(timeline).to_contain_text("Servizio quasi attivo.")
    expect(timeline).to_contain_text("80%")
    checked(page)

    page.goto("/decisions/implementation")
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    expect(page.locator(".implementation-list")).to_contain_text("Servizio quasi attivo.")
    checked(page)
