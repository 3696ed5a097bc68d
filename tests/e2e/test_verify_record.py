"""The page "Verifica il registro" in Chromium, on a phone: the chain explained in plain words,
today's head, the verification program downloaded as a file (the same as docs/verify_record.py),
an anchor checked (and a forged one refused); axe finds nothing serious, nothing scrolls
sideways."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from council.domain.record import record
from council.extensions import db
from tests.e2e.conftest import DESKTOP, axe_check, horizontal_overflow
from tests.factories import reread

VERIFIER = Path(__file__).resolve().parents[2] / "docs" / "verify_record.py"


def test_a_citizen_verifies_the_record_on_a_phone(page: Page, make_user, tmp_path):
    make_user("member")
    make_user("stakeholder")  # a few events
    reread()
    head = record.head(db.session)
    page.goto("/record")
    page.get_by_role("link", name="Verifica il registro").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifica il registro")
    expect(page.get_by_role("heading", name="Come è sigillato il registro")).to_be_visible()
    expect(page.locator("[data-record-head-seq]")).to_have_text(str(head.seq))
    axe_check(page)
    assert horizontal_overflow(page) == 0

    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica il programma di verifica (verify_record.py)").click()
    saved = tmp_path / "verify_record.py"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "verify_record.py"
    assert saved.read_bytes() == VERIFIER.read_bytes()

    page.get_by_label("Numero dell'evento").fill(str(head.seq))
    page.get_by_label("Impronta (hash)").fill(head.hash)
    page.get_by_role("button", name="Controlla").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Verificato: l'evento n. {head.seq} con questo hash fa parte della catena di oggi"
    )
    expect(page.locator("pre.command").first).to_contain_text(f"--anchor {head.seq}:{head.hash}")
    axe_check(page)
    assert horizontal_overflow(page) == 0

    forged = ("0" if head.hash[0] != "0" else "1") + head.hash[1:]
    page.get_by_label("Impronta (hash)").fill(forged)
    page.get_by_role("button", name="Controlla").click()
    expect(page.get_by_role("status")).to_contain_text(f"Non verificato: l'evento n. {head.seq}")


def test_the_event_codes_are_explained_there_on_a_desktop(new_context, make_user):
    make_user("member")
    page = new_context(DESKTOP).new_page()
    page.goto("/record/verify")
    codes = page.get_by_role("table", name="Codici degli eventi e loro significato")
    expect(codes.get_by_role("row", name="poll.prepared")).to_contain_text(
        "È stata preparata una votazione"
    )
    axe_check(page)


def test_the_open_data_page_on_a_phone(page: Page, make_user):
    make_user("member")
    page.goto("/decisions")
    page.get_by_role("link", name="tutti i dati aperti, i formati e la licenza").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dati aperti")
    expect(page.get_by_role("heading", name="Licenza")).to_be_visible()
    expect(page.get_by_text("CC BY 4.0").first).to_be_visible()
    feed = page.locator("#dataset-feed").locator("xpath=..")
    expect(feed).to_contain_text("/feeds/decisions.atom")
    expect(feed.get_by_role("link")).to_have_count(0)  # an address to copy, not a destination
    axe_check(page)
    assert horizontal_overflow(page) == 0
