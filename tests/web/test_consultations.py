"""Online consultations over HTTP, without JavaScript: the public list and page, drafts kept
private, the secretariat's forms, responding with radios, boxes and place selects, every
refusal shown in Italian and changing nothing, CSRF, results shown or hidden, the command."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from council.domain.voting import consultations
from council.extensions import db
from council.models.base import utcnow
from council.models.consultation import Consultation, ConsultationResponse, ConsultationState
from council.unit_of_work import unit_of_work
from council.web.meeting_forms import rome
from tests.consultation_helpers import OPTIONS, draft, opened, option_ids, respond
from tests.consultation_helpers import time_passes as passes
from tests.factories import fresh
from tests.meeting_helpers import events_since, head


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def responses() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(ConsultationResponse.id)))


def page_of(consultation) -> str:
    return f"/consultations/{consultation.id}"


# --- reading ------------------------------------------------------------------------------------


def test_the_public_reads_the_list_and_a_page_without_an_account(as_, council):
    members = opened(council.secretary, title="Priorità del Piano welfare 2027",
                     kind="ranking", results_hidden_until_close=True)  # fmt: skip
    hidden = draft(council.secretary, title="Bozza riservata della segreteria")
    public = as_("public")
    listing = text(public.get("/consultations"))
    assert "Priorità del Piano welfare 2027" in listing
    assert "Bozza riservata" not in listing and "Nuovo sondaggio" not in listing
    body = text(public.get(page_of(members)))
    assert "Consiglieri." in body and "Consultiva: il risultato orienta" in body
    assert "Metti in ordine le 4 opzioni" in body
    assert "Conteggio di Borda" not in body  # no results yet: hidden until the close
    assert "nascosti fino alla chiusura" in body
    assert "Accedi per rispondere" in body
    assert 'name="rank-' not in body
    assert public.get(page_of(hidden)).status_code == 404
    assert as_("member").get(page_of(hidden)).status_code == 404
    assert "Bozza riservata" in text(as_("secretary").get("/consultations"))


def test_the_nav_links_the_consultations(as_, council):
    body = as_("public").get("/").get_data(as_text=True)
    assert 'href="/consultations"' in body
    current = as_("public").get("/consultations").get_data(as_text=True)
    assert re.search(r'href="/consultations" aria-current="page"', current)


@pytest.mark.parametrize("path", ["/consultations/0", "/consultations/99999999999",
                                  "/consultations/abc"])  # fmt: skip
def test_unknown_consultations_are_not_found(as_, path):
    assert as_("public").get(path).status_code == 404


# --- the secretariat's forms --------------------------------------------------------------------


def form_data(**overrides) -> dict:
    closes = rome(utcnow() + timedelta(days=5))
    data = {
        "title": "Servizi dei Punti di comunità",
        "description": "Quali servizi <script>alert(1)</script> **prima**?",
        "audience": "stakeholders",
        "kind": "multiple",
        "max_choices": "2",
        "options": "Sportello casa\r\nDoposcuola\r\n\r\nSpesa solidale\r\n",
        "day": closes.date().isoformat(),
        "time": "18:00",
    }
    return data | overrides


def test_a_draft_is_made_edited_and_opened_through_the_forms(as_, council):
    web = as_("secretary")
    created = web.post("/consultations/new", form_data(), token_from="/consultations/new")
    assert created.status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    assert [o.label for o in consultation.options] == ["Sportello casa", "Doposcuola",
                                                       "Spesa solidale"]  # fmt: skip
    assert rome(consultation.closes_at).strftime("%H:%M") == "18:00"
    body = text(web.get(page_of(consultation)))
    assert "<script>alert(1)</script>" not in web.get(page_of(consultation)).get_data(as_text=True)
    assert "<strong>prima</strong>" in body
    edit_page = f"/consultations/{consultation.id}/edit"
    form = text(web.get(edit_page))
    assert "Sportello casa\nDoposcuola\nSpesa solidale" in form
    assert 'name="version" type="hidden" value="1"' in form
    changed = web.post(edit_page, form_data(title="Servizi dei Punti", version="1"),
                       token_from=edit_page)  # fmt: skip
    assert changed.status_code == 302 and fresh(consultation).title == "Servizi dei Punti"
    stale = web.post(edit_page, form_data(title="Di nuovo", version="1"), token_from=edit_page)
    assert stale.status_code == 422 and "Nel frattempo qualcuno" in text(stale)
    before = head()
    opened_ = web.post(f"/consultations/{consultation.id}/open", token_from=page_of(consultation))
    assert opened_.status_code == 302
    assert fresh(consultation).state == ConsultationState.OPEN
    assert [k for k, _d in events_since(before)] == ["consultation.opened"]
    again = web.post(f"/consultations/{consultation.id}/open", token_from=page_of(consultation))
    assert again.status_code == 409 and "già stato aperto" in text(again)
    late_edit = web.get(edit_page, follow_redirects=True)
    assert "Si può modificare solo una bozza" in text(late_edit)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"options": "Solo una"}, "Scrivi da 2 a 20 opzioni"),
        ({"binding": "y"}, "non può essere vincolante"),
        ({"max_choices": "9"}, "consenti da 2 a 3 scelte"),
        ({"day": "2001-01-01"}, "La chiusura deve essere nel futuro"),
        ({"title": ""}, "Questo campo è obbligatorio"),
    ],
)
def test_a_bad_draft_is_refused_with_its_reason_and_the_form_kept(as_, overrides, message):
    web = as_("secretary")
    refused = web.post("/consultations/new", form_data(**overrides),
                       token_from="/consultations/new")  # fmt: skip
    assert refused.status_code == 422
    body = text(refused)
    assert message in body
    assert "**prima**" in body  # what was typed is still there
    assert responses() == 0 and db.session.scalar(select(func.count(Consultation.id))) == 0


@pytest.mark.parametrize("who", ["public", "member", "stakeholder", "admin"])
def test_only_the_office_reaches_the_forms_and_buttons(as_, council, who):
    consultation = draft(council.secretary)
    web = as_(who)
    for path in ("/consultations/new", f"/consultations/{consultation.id}/edit"):
        answer = web.get(path)
        assert answer.status_code == (302 if who == "public" else 403)
    token = web.token("/consultations")
    for action in ("open", "close"):
        answer = web.post(f"/consultations/{consultation.id}/{action}", {"csrf_token": token})
        assert answer.status_code in ((302,) if who == "public" else (403, 404))
    assert fresh(consultation).state == ConsultationState.DRAFT


def test_the_chair_closes_early_and_results_become_final(as_, council):
    consultation = opened(council.secretary)
    respond(council.members[0], consultation, 2)
    web = as_("chair")
    closed = web.post(f"/consultations/{consultation.id}/close", token_from=page_of(consultation))
    assert closed.status_code == 302
    body = text(web.get(page_of(consultation)))
    assert "prima della scadenza" in body and "Chiudi ora" not in body
    assert "1 persona ha risposto" in body
    twice = web.post(f"/consultations/{consultation.id}/close", token_from=page_of(consultation))
    assert twice.status_code == 409 and "già chiuso" in text(twice)


# --- responding ---------------------------------------------------------------------------------


def test_a_member_responds_then_changes_the_response(as_, council):
    consultation = opened(council.secretary)
    web = as_("member")
    form = text(web.get(page_of(consultation)))
    assert 'type="radio" name="option"' in form
    assert "Puoi cambiare la tua risposta fino alla chiusura" in form
    first, third = option_ids(consultation, 1, 3)
    sent = web.post(f"{page_of(consultation)}/respond", {"option": str(first)},
                    token_from=page_of(consultation))  # fmt: skip
    assert sent.status_code == 302
    body = text(web.get(page_of(consultation)))
    assert "La tua risposta è registrata" in body
    assert re.search(rf'id="option-{first}" value="{first}" checked', body)
    assert "Cambia la mia risposta" in body
    changed = web.post(f"{page_of(consultation)}/respond", {"option": str(third)},
                       token_from=page_of(consultation))  # fmt: skip
    assert changed.status_code == 302
    body = text(web.get(page_of(consultation)))
    assert "La tua risposta è cambiata" in body
    assert re.search(rf'id="option-{third}" value="{third}" checked', body)
    assert responses() == 1
    assert "1 persona ha risposto" in body and OPTIONS[2] in body  # results shown while open


def test_a_ranking_is_sent_with_place_selects(as_, council):
    consultation = opened(council.secretary, kind="ranking")
    web = as_("member")
    ids = option_ids(consultation, 1, 2, 3, 4)
    places = {f"rank-{ids[0]}": "2", f"rank-{ids[1]}": "1", f"rank-{ids[2]}": "4",
              f"rank-{ids[3]}": "3"}  # fmt: skip
    sent = web.post(f"{page_of(consultation)}/respond", places, token_from=page_of(consultation))
    assert sent.status_code == 302
    body = text(web.get(page_of(consultation)))
    assert re.search(rf'id="rank-{ids[1]}".*?<option value="1" selected>', body, re.S)
    assert "metodo di Borda" in body and "3 punti" in body


@pytest.mark.parametrize(
    ("kind", "sent", "status", "message"),
    [
        ("single", {}, 422, "Scegli un'opzione"),
        ("single", {"option": ["1", "2"]}, 422, "Scegli un'opzione"),
        ("single", {"option": "999999"}, 422, "non fa parte di questo sondaggio"),
        ("single", {"option": "uno"}, 422, "non fa parte di questo sondaggio"),
        ("multiple", {"option": ["1", "2", "3"]}, 422, "al massimo 2 opzioni"),
        ("ranking", {"rank-1": "1", "rank-2": "1", "rank-3": "2", "rank-4": "3"}, 422,
         "Il posto 1 è dato a più di un'opzione"),
        ("ranking", {"rank-1": "1", "rank-2": "2", "rank-3": "3", "rank-4": ""}, 422,
         "Dai un posto a ogni opzione"),
        ("ranking", {"rank-1": "1", "rank-2": "2", "rank-3": "3"}, 422,
         "Metti in ordine ogni opzione"),
        ("ranking", {"rank-1": "1", "rank-2": "2", "rank-3": "3", "rank-4": "4",
                     "rank-999": "5"}, 422, "Dai un posto a ogni opzione"),
    ],
)  # fmt: skip
def test_bad_responses_are_refused_in_italian_and_change_nothing(
    as_, council, kind, sent, status, message
):
    most = 2 if kind == "multiple" else None
    consultation = opened(council.secretary, kind=kind, max_choices=most)
    ids = {str(n): str(i) for n, i in enumerate(option_ids(consultation, 1, 2, 3, 4), start=1)}

    def real(value: str) -> str:
        return ids.get(value, value)

    data = {}
    for key, value in sent.items():
        if key.startswith("rank-"):
            data[f"rank-{real(key.removeprefix('rank-'))}"] = value
        else:
            data[key] = [real(v) for v in value] if isinstance(value, list) else real(value)
    web = as_("member")
    refused = web.post(f"{page_of(consultation)}/respond", data, token_from=page_of(consultation))
    assert refused.status_code == status
    assert message in text(refused)
    assert 'role="alert"' in text(refused)
    assert responses() == 0


def test_refusals_by_audience_time_and_login(as_, council):
    for_stakeholders = opened(council.secretary, audience="stakeholders")
    choice = {"option": str(option_ids(for_stakeholders, 1)[0])}
    member = as_("member")
    page = text(member.get(page_of(for_stakeholders)))
    assert "riservato ai portatori di interesse" in page and 'name="option"' not in page
    refused = member.post(f"{page_of(for_stakeholders)}/respond", choice,
                          token_from=page_of(for_stakeholders))  # fmt: skip
    assert refused.status_code == 403 and "riservato ai portatori" in text(refused)
    anonymous = as_("public")
    token = anonymous.token(page_of(for_stakeholders))
    login = anonymous.post(f"{page_of(for_stakeholders)}/respond", choice | {"csrf_token": token})
    assert login.status_code == 302 and "/login" in login.headers["Location"]
    stakeholder = as_("stakeholder")
    token = stakeholder.token(page_of(for_stakeholders))
    passes(for_stakeholders)  # the time is up; the scheduler has not run yet
    late = stakeholder.post(f"{page_of(for_stakeholders)}/respond", choice | {"csrf_token": token})
    assert late.status_code == 409 and "è chiuso" in text(late)
    assert responses() == 0
    body = text(as_("public").get(page_of(for_stakeholders)))
    assert "chiusa" in body and "Risultati finora" not in body and "Nessuno ha ancora" in body


def test_a_forged_or_missing_csrf_token_changes_nothing(as_, council):
    consultation = opened(council.secretary)
    web = as_("member")
    choice = {"option": str(option_ids(consultation, 1)[0])}
    for token in ("forged", None):
        data = choice | ({"csrf_token": token} if token else {})
        answer = web.client.post(f"{page_of(consultation)}/respond", data=data)
        assert answer.status_code == 400 and "modulo è scaduto" in text(answer)
    secretary = as_("secretary")
    closing = secretary.client.post(f"/consultations/{consultation.id}/close",
                                    data={"csrf_token": "forged"})  # fmt: skip
    assert closing.status_code == 400
    assert responses() == 0 and fresh(consultation).state == ConsultationState.OPEN


def test_hidden_results_stay_hidden_until_the_close_then_show(as_, council):
    consultation = opened(council.secretary, results_hidden_until_close=True)
    respond(council.members[0], consultation, 2)
    secretary = as_("secretary")
    body = text(secretary.get(page_of(consultation)))
    assert "I risultati sono nascosti fino alla chiusura" in body and "result-bar" not in body
    assert "<dt>Risposte</dt><dd>1</dd>" in body
    passes(consultation)
    body = text(as_("public").get(page_of(consultation)))
    assert "result-bar" in body and "1 persona ha risposto" in body
    assert "100%" in body


def test_the_close_due_command_closes_what_is_due(app, council):
    consultation = opened(council.secretary)
    passes(consultation)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consultations", "close-due"])
    assert result.exit_code == 0 and "consultations closed: 1" in result.output
    assert fresh(consultation).state == ConsultationState.CLOSED
    again = runner.invoke(args=["consultations", "close-due"])
    assert "consultations closed: 0" in again.output
    assert len(events_since(0, "consultation.closed")) == 1


def test_the_demo_has_an_open_ranking_and_two_closed_consultations(app, demo):
    public = app.test_client()
    listing = text(public.get("/consultations"))
    opened_part, closed_part = listing.split("Sondaggi chiusi")
    assert "Priorità del Piano welfare 2027" in opened_part
    assert "Quali servizi nei Punti di comunità?" in closed_part
    assert "Data dell'assemblea pubblica di primavera" in closed_part
    rows = {c.title: c for c in db.session.scalars(select(Consultation))}
    plan = text(public.get(page_of(rows["Priorità del Piano welfare 2027"])))
    assert "I risultati sono nascosti fino alla chiusura" in plan
    services = text(public.get(page_of(rows["Quali servizi nei Punti di comunità?"])))
    assert "9 persone hanno risposto" in services and "Spesa solidale" in services
    assert "la loro somma supera il 100%" in services
    assert rows["Data dell'assemblea pubblica di primavera"].binding is True


def test_the_record_page_tells_a_consultation_in_words(as_, council):
    consultation = opened(council.secretary, title="Orari dei Punti di comunità")
    respond(council.members[0], consultation, 1)
    passes(consultation)
    with unit_of_work() as session:
        consultations.close_due(session, utcnow())
    body = text(as_("public").get(f"/record?subject=consultation:{consultation.id}"))
    assert "Si è aperto il sondaggio online “Orari dei Punti di comunità”." in body
    assert "È arrivata una risposta al sondaggio (1 finora)." in body
    assert "Il sondaggio online si è chiuso (risposte: 1)." in body
    assert council.members[0].email not in body
