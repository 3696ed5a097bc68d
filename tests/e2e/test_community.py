"""The pages of who takes part, in a real Chromium as the public on a 360 px phone (and at
1280): no sideways scroll, no serious accessibility violation, the way from a proposal to its
organisation and zone, and the Punto di comunità as a filter of the proposals."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.community_helpers import make_town
from tests.e2e.conftest import PHONE, axe_check, horizontal_overflow


@pytest.fixture
def town(make_user, zone, organisation):
    return make_town(make_user, zone, organisation)


def pages(town) -> dict[str, tuple[str, str]]:
    """name -> (path, the page's heading)."""
    return {
        "organisations": ("/organisations", "Organizzazioni"),
        "organisation": (f"/organisations/{town.faro.id}", "Associazione Il Faro"),
        "zones": ("/zones", "Zone"),
        "zone": (f"/zones/{town.zone.id}", "Zona Est"),
        "points": ("/community-points", "Punti di comunità"),
        "point": (f"/community-points/{town.point.id}", "Punto Est"),
    }


@pytest.mark.parametrize("name", ["organisations", "organisation", "zones", "zone", "points",
                                  "point"])  # fmt: skip
def test_the_public_reads_it_on_a_phone(page: Page, town, name):
    path, heading = pages(town)[name]
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text(heading)
    assert page.evaluate("() => document.documentElement.lang") == "it"
    assert horizontal_overflow(page) == 0, f"{path} scrolls sideways at {PHONE['width']} px"
    axe_check(page)


def test_and_at_1280(desktop_page: Page, town):
    for path, heading in pages(town).values():
        desktop_page.goto(path)
        expect(desktop_page.locator("h1")).to_have_text(heading)
        assert horizontal_overflow(desktop_page) == 0
        axe_check(desktop_page)


def test_from_a_proposal_to_its_organisation_its_point_and_back(page: Page, town):
    page.goto(f"/proposals/{town.filed.id}")
    page.get_by_role("link", name="Associazione Il Faro").first.click()
    expect(page.locator("h1")).to_have_text("Associazione Il Faro")
    council = page.locator("#council")
    expect(council).to_contain_text("Chiara Verdi")
    expect(council).to_contain_text("Presidente, Consigliere")
    expect(council).not_to_contain_text("Paola Attesa")  # not approved
    page.get_by_role("link", name="Punto Est").first.click()
    expect(page.locator("h1")).to_have_text("Punto Est")
    expect(page.locator("main")).to_contain_text("Via Milano 12, Brescia")
    page.locator("#proposals").get_by_role("link", name="Orti condivisi al Punto Est").click()
    expect(page.locator("h1")).to_have_text("Orti condivisi al Punto Est")


def test_the_point_filters_the_proposals(page: Page, town):
    page.goto("/proposals")
    results = page.locator(".proposal-list")
    expect(results).to_contain_text("Navetta per gli anziani")
    page.locator("summary", has_text="Filtri").click()
    page.get_by_label("Punto di comunità").select_option(label="Punto Est")
    page.get_by_role("button", name="Cerca").click()
    expect(page).to_have_url(re.compile(rf"point={town.point.id}"))
    expect(results).to_contain_text("Orti condivisi al Punto Est")
    expect(results).to_contain_text("Doposcuola di quartiere")
    expect(results).not_to_contain_text("Navetta per gli anziani")
    expect(page.get_by_label("Punto di comunità")).to_have_value(str(town.point.id))
    assert horizontal_overflow(page) == 0
    axe_check(page)
