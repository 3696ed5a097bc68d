"""The public record page as a reader meets it: events as sentences in Italian with today's
names, filters by subject, older pages, and the check of an anchor from an old document."""

from __future__ import annotations

import html
import re

from babel.dates import format_date as babel_date
from sqlalchemy import text

from council.clock import ROME
from council.domain.meetings import attendance
from council.domain.voting import proxies
from council.extensions import db
from tests.factories import reread
from tests.meeting_helpers import head, run, running_meeting


def page(web, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_events_read_as_sentences_with_todays_names(web, council):
    a, b, *_rest = council.members
    meeting = running_meeting(council, present=[council.chair, a, b])
    run(proxies.grant, a, meeting.id, b.public_id)
    run(attendance.check_out, a, meeting.id)
    text_ = page(web, "/record")
    assert f"{a.name} ha delegato il proprio voto a {b.name}." in text_
    assert f"{a.name} ha lasciato la seduta." in text_
    assert f"{b.name} è presente." in text_
    assert "La seduta è stata aperta." in text_
    day = babel_date(meeting.starts_at.astimezone(ROME), "d MMMM y",
                     locale="it_IT")  # fmt: skip
    assert f"Seduta del {day}" in text_  # a meeting by its day, as every page names it
    assert f"da {council.chair.name}" in text_
    assert "proxy.granted" not in text_  # the code is for those who verify: /record/verify
    assert "proxy.granted" in page(web, "/record/verify")


def test_filters_by_subject_type_and_exact_subject(web, council):
    first = running_meeting(council, present=[council.chair])
    text_ = page(web, f"/record?type=meeting&id={first.id}")
    assert "La seduta è stata aperta." in text_
    assert "È stato creato un account." not in text_
    accounts = page(web, "/record?type=user")
    assert "È stato creato un account." in accounts and "La seduta è stata aperta." not in accounts
    # an exact subject does not match a longer id that starts the same way
    assert "Nessun evento." in page(web, f"/record?subject=meeting:{first.id}9")
    # an unknown type is no filter at all, never an error
    assert "La seduta è stata aperta." in page(web, "/record?type=nothing&id=1")


def test_older_events_page_back_to_the_first(web, council):
    while head() <= 60:
        running_meeting(council, present=[council.chair, *council.members])
    total = head()
    assert total > 50
    first = web.get("/record").get_data(as_text=True)
    assert f'id="event-{total}"' in first and f'id="event-{total - 50}"' not in first
    older = re.search(r'href="(/record\?before=\d+)"', first).group(1)
    second = web.get(older).get_data(as_text=True)
    assert f'id="event-{total - 50}"' in second and f'id="event-{total}"' not in second


def test_an_anchor_from_an_old_document_is_checked(web, council):
    running_meeting(council, present=[council.chair])
    seq = head() - 2
    digest = db.session.execute(
        text("SELECT hash FROM record_events WHERE seq = :s"), {"s": seq}
    ).scalar()
    assert f"Verificato: l'evento n. {seq}" in page(
        web, f"/record?anchor_seq={seq}&anchor_hash={digest}"
    )
    running_meeting(council, present=[council.chair])  # the record grows: still verified
    assert "Verificato" in page(web, f"/record?anchor_seq={seq}&anchor_hash={digest}")
    wrong = ("0" if digest[0] != "0" else "1") + digest[1:]
    assert "Non verificato" in page(web, f"/record?anchor_seq={seq}&anchor_hash={wrong}")
    assert "non ha ancora l'evento n. 99999" in page(
        web, f"/record?anchor_seq=99999&anchor_hash={digest}"
    )
    for bad in ("anchor_seq=x&anchor_hash=" + digest, f"anchor_seq={seq}&anchor_hash=zz"):
        assert "L'ancoraggio non è valido" in page(web, f"/record?{bad}")


def test_tampering_after_the_anchor_fails_the_check(web, council):
    running_meeting(council, present=[council.chair])
    seq = 3
    digest = db.session.execute(
        text("SELECT hash FROM record_events WHERE seq = :s"), {"s": seq}
    ).scalar()
    last = head()
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE record_events SET actor = 'u-forged' WHERE seq = :s"), {"s": last}
        )
    reread()
    assert "Non verificato" in page(web, f"/record?anchor_seq={seq}&anchor_hash={digest}")


def test_meeting_and_proposal_pages_link_their_own_events(web, council):
    meeting = running_meeting(council, present=[council.chair])
    body = web.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Questa seduta nel registro pubblico', body).group(1)
    events = page(web, html.unescape(link))
    assert "La seduta è stata aperta." in events and "È stato creato un account." not in events
