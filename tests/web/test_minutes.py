"""The minutes' pages over HTTP: the draft only for the office (and members once on an agenda),
the secretary's forms (draft, correct with a preview, draft again, put on an agenda) with CSRF,
and the approved minutes for everyone: the page with its anchor, the markdown text whose
SHA-256 it states, the meeting page's link, in Italian whatever the reader's language."""

from __future__ import annotations

import hashlib
import html
import re

import pytest

from council.domain.archive import minutes
from council.extensions import db
from tests.factories import reread
from tests.hostile_markdown import SHAPES
from tests.meeting_helpers import detach, head, new_meeting
from tests.minutes_helpers import closed_story, drafted, later_meeting, reload, vote_on_minutes
from tests.poll_helpers import group_council, run


@pytest.fixture
def closed(make_user):
    return closed_story(detach(group_council(make_user)))


def words(response) -> str:
    body = response.get_data(as_text=True)
    main = body[body.index("<main") : body.index("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def logged(make_web, person):
    web = make_web()
    web.login(person.email)
    return web


def paths(meeting_id: int) -> list[str]:
    base = f"/meetings/{meeting_id}/minutes"
    return [base, f"{base}.pdf", f"{base}.md"]


def test_a_draft_is_the_office_s_until_it_is_on_an_agenda(closed, make_web):
    council, meeting_id = closed.council, closed.meeting.id
    public, member = make_web(), logged(make_web, council.members[0])
    for web in (public, member, logged(make_web, council.stakeholder)):
        for path in paths(meeting_id):
            response = web.get(path)
            assert response.status_code == 404, path
    assert "non è ancora pubblicato" in words(public.get(paths(meeting_id)[0]))
    drafted(closed)
    for path in paths(meeting_id):
        assert public.get(path).status_code == 404
        assert member.get(path).status_code == 404
    for person in (council.secretary, council.chair, council.admin):
        page = logged(make_web, person).get(paths(meeting_id)[0])
        assert page.status_code == 200 and "Bozza, non ancora approvata." in words(page)
    later_meeting(council, closed.meeting)
    page = member.get(paths(meeting_id)[0])
    assert page.status_code == 200 and "All'ordine del giorno della seduta del" in words(page)
    assert "Correggi il testo" not in words(page)  # members read, the secretary corrects
    assert public.get(paths(meeting_id)[0]).status_code == 404
    # the meeting page links the minutes only for those who may open them
    meeting_page = f"/meetings/{meeting_id}"
    assert f'href="{paths(meeting_id)[0]}"' in member.get(meeting_page).get_data(as_text=True)
    assert f'href="{paths(meeting_id)[0]}"' not in public.get(meeting_page).get_data(as_text=True)


def test_the_secretary_drafts_with_a_form_and_a_token(closed, make_web):
    council, meeting_id = closed.council, closed.meeting.id
    secretary = logged(make_web, council.secretary)
    page = secretary.get(paths(meeting_id)[0])
    assert page.status_code == 200 and "Redigi il verbale" in words(page)
    base = paths(meeting_id)[0]
    before = head()
    forged = secretary.client.post(f"{base}/draft", data={"csrf_token": "forged"})
    assert forged.status_code == 400 and head() == before
    refused = logged(make_web, council.chair).post(f"{base}/draft", token_from=base)
    assert refused.status_code == 403
    anonymous = make_web()
    assert anonymous.post(f"{base}/draft", token_from="/login").status_code == 302  # log in
    reread()
    assert minutes.of_meeting(db.session, meeting_id) is None
    done = secretary.post(f"{base}/draft", token_from=base)
    assert done.status_code == 302 and done.headers["Location"].endswith(base)
    page = words(secretary.get(base))
    assert "La bozza è stata scritta dagli eventi della seduta" in page
    assert "Verbale della seduta del" in page and "Presiede: Teresa Presidente" in page


def test_correcting_with_a_preview_then_saving(closed, make_web):
    council, meeting_id = closed.council, closed.meeting.id
    found = drafted(closed)
    secretary = logged(make_web, council.secretary)
    edit = f"{paths(meeting_id)[0]}/edit"
    form = secretary.get(edit)
    assert form.status_code == 200 and 'name="revision" type="hidden" value="1"' in form.get_data(
        as_text=True
    )
    text = found.body + "\nIl Consiglio ringrazia **i volontari**.\n"
    before = head()
    preview = secretary.post(edit, {"body": text, "revision": "1", "action": "preview"},
                             token_from=edit)  # fmt: skip
    assert preview.status_code == 200 and head() == before
    assert "<strong>i volontari</strong>" in preview.get_data(as_text=True)
    saved = secretary.post(edit, {"body": text, "revision": "1", "action": "save"})
    assert saved.status_code == 302 and head() == before + 1
    assert reload(found).body.endswith("ringrazia **i volontari**.\n")
    # an edit made from the older text is refused, the typed text kept, the saved one shown
    stale = secretary.post(edit, {"body": "Un altro testo", "revision": "1", "action": "save"},
                           token_from=edit)  # fmt: skip
    seen = words(stale)
    assert stale.status_code == 409 and "Nel frattempo il verbale è stato modificato" in seen
    assert (
        "Un altro testo" in stale.get_data(as_text=True) and "Il testo come è salvato ora" in seen
    )
    assert 'name="revision" type="hidden" value="2"' in stale.get_data(as_text=True)
    empty = secretary.post(edit, {"body": "  ", "revision": "2", "action": "save"})
    assert empty.status_code == 422 and head() == before + 1
    assert make_web().get(edit).status_code == 302  # to the login
    assert logged(make_web, council.chair).get(edit).status_code == 403


def test_minutes_with_a_text_too_costly_to_show_are_refused_by_preview_and_save(closed, make_web):
    """The minutes have four times a comment's budget; past it, the preview says why (it
    took seconds before the budget) and nothing is saved."""
    council, meeting_id = closed.council, closed.meeting.id
    found = drafted(closed)
    secretary = logged(make_web, council.secretary)
    edit = f"{paths(meeting_id)[0]}/edit"
    hostile = found.body + SHAPES["noise"](minutes.MAX_BODY - len(found.body) - 10)
    before = head()
    for action in ("preview", "save"):
        answer = secretary.post(edit, {"body": hostile, "revision": "1", "action": action},
                                token_from=edit)  # fmt: skip
        assert answer.status_code == 422, action
        assert "troppo complesso" in words(answer)
    assert head() == before and reload(found).revision == 1


def test_drafting_again_asks_to_confirm_once_corrected(closed, make_web):
    council, meeting_id = closed.council, closed.meeting.id
    found = drafted(closed)
    run(minutes.edit, council.secretary, meeting_id, body="Testo corretto a mano.", revision=1)
    secretary = logged(make_web, council.secretary)
    base = paths(meeting_id)[0]
    asked = secretary.post(f"{base}/draft", token_from=base)
    assert asked.status_code == 409
    assert "redigerla di nuovo sostituisce quelle modifiche" in words(asked)
    assert reload(found).body == "Testo corretto a mano.\n"
    done = secretary.post(f"{base}/draft", {"replace": "y"}, token_from=base)
    assert done.status_code == 302 and reload(found).body.startswith("# Verbale della seduta")


def test_putting_the_draft_on_a_later_agenda(closed, make_web):
    council, meeting_id = closed.council, closed.meeting.id
    found = drafted(closed)
    secretary = logged(make_web, council.secretary)
    base = paths(meeting_id)[0]
    assert "Non c'è una seduta successiva in preparazione" in words(secretary.get(base))
    later = new_meeting(council.secretary, items=1, title="Seduta di dicembre")
    page = secretary.get(base).get_data(as_text=True)
    assert f'<option value="{later.id}">' in page
    forged = secretary.post(f"{base}/agenda", {"target": "999999"}, token_from=base)
    assert forged.status_code == 422 and reload(found).approval_item_id is None
    put = secretary.post(f"{base}/agenda", {"target": str(later.id)}, token_from=base)
    assert put.status_code == 302
    item_id = reload(found).approval_item_id
    agenda_page = words(secretary.get(f"/meetings/{later.id}"))
    assert "Approvazione del verbale della seduta del" in agenda_page
    assert "Leggi il verbale" in agenda_page
    assert item_id is not None


def test_approved_minutes_are_public_with_their_anchor(closed, make_web):
    council, meeting_id = closed.council, closed.meeting.id
    drafted(closed)
    later, item = later_meeting(council, closed.meeting)
    _poll, decision = vote_on_minutes(council, later, item)
    reread()
    found = minutes.of_meeting(db.session, meeting_id)
    public = make_web()
    page = public.get(paths(meeting_id)[0])
    seen = words(page)
    assert page.status_code == 200 and "approvato" in seen
    assert f"Deliberazione n. {decision.number}" in seen
    assert found.anchor_hash in seen and found.body_sha256 in seen
    assert "flask --app" not in seen  # the command is on the verification page
    verify = f"/record/verify?anchor_seq={found.anchor_seq}&amp;anchor_hash={found.anchor_hash}"
    assert verify in page.get_data(as_text=True)
    on_verify = words(public.get(verify.replace("&amp;", "&")))
    assert f"record verify --anchor {found.anchor_seq}:{found.anchor_hash}" in on_verify
    assert "Il lavoro della segreteria" not in seen
    check = f"/record?anchor_seq={found.anchor_seq}&amp;anchor_hash={found.anchor_hash}"
    assert check in page.get_data(as_text=True)
    verified = words(public.get(check.replace("&amp;", "&")))
    assert f"Verificato: l'evento n. {found.anchor_seq} con questo hash" in verified
    text = public.get(paths(meeting_id)[2])
    assert text.status_code == 200 and text.mimetype == "text/markdown"
    assert hashlib.sha256(text.get_data()).hexdigest() == found.body_sha256
    meeting_page = public.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert f'href="{paths(meeting_id)[0]}"' in meeting_page
    assert (
        logged(make_web, council.secretary).get(f"{paths(meeting_id)[0]}/edit").status_code == 409
    )


def test_an_english_reader_gets_english_pages_and_the_italian_text(closed, make_web):
    meeting_id = closed.meeting.id
    drafted(closed)
    secretary = logged(make_web, closed.council.secretary)
    secretary.post("/language", {"locale": "en", "next": "/"}, token_from="/")
    page = secretary.get(paths(meeting_id)[0])
    body = page.get_data(as_text=True)
    assert "Draft, not approved yet." in words(page)
    assert '<section class="card minutes-text" lang="it"' in body
    assert "Verbale della seduta del" in words(page) and "Presiede:" in words(page)
