"""The minutes in Chromium: the secretary drafts, corrects with a preview and saves on a desktop;
after the council's vote a visitor on a phone reads the approved minutes, checks their anchor
in the public record and opens the PDF. axe finds nothing serious, nothing scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, axe_check, horizontal_overflow, log_in
from tests.meeting_helpers import detach
from tests.minutes_helpers import closed_story, later_meeting, vote_on_minutes
from tests.poll_helpers import group_council


def checked(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0, f"{page.url} scrolls sideways"


def test_the_secretary_drafts_and_corrects_then_the_public_reads_and_checks(
    make_user, new_context, page: Page
):
    closed = closed_story(detach(group_council(make_user)))
    council, meeting_id = closed.council, closed.meeting.id
    office = new_context(DESKTOP).new_page()
    log_in(office, council.secretary.email)
    office.goto(f"/meetings/{meeting_id}")
    office.get_by_role("link", name="Verbale", exact=True).click()
    checked(office)
    office.get_by_role("button", name="Redigi il verbale").click()
    expect(office.get_by_role("status")).to_contain_text("La bozza è stata scritta")
    expect(office.locator(".minutes-text")).to_contain_text("Presiede: Teresa Presidente")
    checked(office)
    office.get_by_role("link", name="Correggi il testo").click()
    text = office.get_by_label("Testo del verbale")
    text.fill(text.input_value() + "\nIl Consiglio ringrazia **i volontari** dei Punti.\n")
    office.get_by_role("button", name="Anteprima").click()
    expect(office.locator("#preview strong").last).to_have_text("i volontari")
    checked(office)
    office.get_by_role("button", name="Salva il verbale").click()
    expect(office.get_by_role("status")).to_contain_text("Il verbale è stato salvato")
    expect(office.locator(".minutes-text")).to_contain_text("ringrazia i volontari dei Punti")

    page.goto(f"/meetings/{meeting_id}/minutes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina non trovata")
    later, item = later_meeting(council, closed.meeting)
    vote_on_minutes(council, later, item)

    page.goto(f"/meetings/{meeting_id}")
    page.get_by_role("link", name="Verbale", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verbale della seduta del")
    attestation = page.get_by_role("region", name="Approvazione e ancora nel registro pubblico")
    expect(attestation).to_contain_text("Deliberazione n.")
    checked(page)
    attestation.get_by_role("link", name="Verifica l'ancora nel registro di oggi").click()
    expect(page.get_by_role("status")).to_contain_text("Verificato: l'evento n.")
    page.go_back()
    pdf = page.get_by_role("link", name="Scarica il PDF").get_attribute("href")
    response = page.request.get(pdf)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
