"""The minutes' PDF read back as a clerk filing it would: a PDF on A4, the council's name at the
top and "pagina N di M" at the bottom of every page, Italian accents and quotes as typed; once
approved, the record's anchor (event and full hash) on every page, how to check it, and the
text's SHA-256; a draft says so on every page and is the office's only."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from council import minutes_pdf
from council.domain.archive import minutes
from council.extensions import db
from council.unit_of_work import unit_of_work
from tests.domain.test_markdown import HOSTILE
from tests.factories import reread
from tests.hostile_markdown import corpus
from tests.meeting_helpers import detach
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


PRINTED_HOSTILE = [
    '[x](javascript:alert(1)) e [y](data:text/html,x) e <a href="javascript:x">z</a>',
    '<a href="#" onmouseover="alert(1)">ancora</a> [qui](#sopra)',
    "".join("    " * i + f"- livello {i}\n" for i in range(12)),  # accepted, deeper than a line
    "".join(">" * i + f" citazione {i}\n" for i in range(1, 25)),
    "Segnaposto \x02wzxhzdk:0\x03 scritto a mano",
]


def test_every_text_the_page_shows_also_prints(closed, make_web):
    """A link the sanitizer emptied, a list twelve levels deep, quotes, control characters:
    the draft's PDF prints their words (fpdf2 raised on each before)."""
    meeting_id = closed.meeting.id
    found = drafted(closed)
    secretary = make_web()
    secretary.login(closed.council.secretary.email)
    body = found.body + "\n\n" + "\n\n".join(PRINTED_HOSTILE) + "\n"
    with unit_of_work() as session:
        minutes.edit(session, closed.council.secretary, meeting_id, body=body, revision=1)
    text = " ".join(pages_of(secretary.get(f"/meetings/{meeting_id}/minutes.pdf")))
    for words in ("x e y e z", "ancora qui", "livello 0", "livello 11", "citazione 24",
                  "Segnaposto wzxhzdk:0 scritto a mano"):  # fmt: skip
        assert words in text, words


def test_the_hostile_corpus_prints(app):
    """Each shape of tests/hostile_markdown.py, and every hostile snippet of the sanitizer's
    tests, goes through the PDF's text (at a length that keeps the suite quick: the failures
    were of kind, not of length)."""
    texts = [*corpus(1_000).values(), *HOSTILE, *PRINTED_HOSTILE,
             "".join("    " * i + "- x\n" for i in range(200))]  # fmt: skip
    sheet = minutes_pdf._Sheet("Consiglio", "verbale", "", draft=True)
    minutes_pdf.add_fonts(sheet)  # once: reading the fonts takes longer than a short text
    sheet.add_page()
    for text in texts:
        minutes_pdf._body(sheet, text)
    assert bytes(sheet.output()).startswith(b"%PDF-")
