"""The minutes' PDF read back as a clerk filing it would: a PDF on A4, the council's name at the
top and "pagina N di M" at the bottom of every page, Italian accents and quotes as typed; once
approved, the record's anchor (event and full hash) on every page, how to check it, and the
text's SHA-256; a draft says so on every page and is the office's only."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from council.domain import minutes
from council.extensions import db
from tests.meeting_helpers import detach, reread
from tests.minutes_helpers import closed_story, drafted, later_meeting, vote_on_minutes
from tests.poll_helpers import group_council

A4 = (595.28, 841.89)  # points


@pytest.fixture
def closed(make_user):
    return closed_story(detach(group_council(make_user)))


def pages_of(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == (round(A4[0], 1), round(A4[1], 1))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_approved_minutes_file_officially(closed, make_web, app):
    council, meeting_id = closed.council, closed.meeting.id
    drafted(closed)
    later, item = later_meeting(council, closed.meeting)
    _poll, decision = vote_on_minutes(council, later, item)
    reread()
    found = minutes.of_meeting(db.session, meeting_id)
    response = make_web().get(f"/meetings/{meeting_id}/minutes.pdf")
    assert "verbale-seduta-" in response.headers["Content-Disposition"]
    pages = pages_of(response)
    total = len(pages)
    assert total >= 2
    text = " ".join(pages)
    anchor = f"Ancora nel registro: evento n. {found.anchor_seq}, hash {found.anchor_hash}"
    for n, page in enumerate(pages, start=1):
        assert page.startswith("Consiglio di indirizzo del welfare · Comune di Brescia")
        assert f"pagina {n} di {total}" in page
        assert anchor in page
    assert "Verbale della seduta del" in pages[0] and "Presiede: Teresa Presidente" in pages[0]
    assert "«Approvare l'emendamento n. 1?»" in text and "Realtà 4" in text
    assert f"deliberazione n. {decision.number}" in text
    compact = text.replace(" ", "")  # the long lines wrap: read them without the breaks
    assert f"recordverify--anchor{found.anchor_seq}:{found.anchor_hash}" in compact
    assert f"anchor_seq={found.anchor_seq}&anchor_hash={found.anchor_hash}" in compact
    assert found.body_sha256 in compact
    assert "BOZZA" not in text
    again = make_web().get(f"/meetings/{meeting_id}/minutes.pdf")
    assert again.get_data() == response.get_data()  # the same document for every reader


def test_a_draft_pdf_says_so_and_only_the_office_gets_it(closed, make_web):
    meeting_id = closed.meeting.id
    found = drafted(closed)
    path = f"/meetings/{meeting_id}/minutes.pdf"
    assert make_web().get(path).status_code == 404
    secretary = make_web()
    secretary.login(closed.council.secretary.email)
    response = secretary.get(path)
    assert "-bozza.pdf" in response.headers["Content-Disposition"]
    pages = pages_of(response)
    for page in pages:
        assert "BOZZA: NON APPROVATA" in page and "bozza, non approvata" in page
    assert "Ancora nel registro" not in " ".join(pages)
    assert found.body_sha256 in " ".join(pages).replace(" ", "")
    assert re.search(r"pagina 1 di \d+", pages[0])
