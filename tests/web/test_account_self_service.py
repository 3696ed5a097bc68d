"""Account self-service over HTTP, hostile cases first: a password reset that tells nobody
which addresses exist and whose link works once, for an hour, and ends every session; a new
e-mail address confirmed by a link sent to it; registration decisions e-mailed; two-step
sign-in with codes that cannot be replayed or guessed, required for the chair once the
administrators say so."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from council.extensions import db
from council.models.account_security import AccountToken
from council.models.base import utcnow
from council.models.meeting import Meeting, MeetingState
from council.models.notification import Notification
from council.models.user import AccountStatus, User
from tests.account_helpers import code, last_step, link_in, outbox_reader, set_up_two_step
from tests.conftest import PASSWORD
from tests.meeting_helpers import convened_meeting

NEW_PASSWORD = "una-password-nuova-e-lunga"
SENT = "Se questo indirizzo appartiene a un account, gli abbiamo inviato un link"


@pytest.fixture
def outbox(app):
    return outbox_reader(app)


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def answer(response) -> tuple[int, str]:
    """What the person sees, without the per-request form token."""
    body = re.sub(r'value="[^"]*" name="csrf_token"|name="csrf_token"[^>]*>', "", page(response))
    return response.status_code, body


def person(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def events(web) -> list[dict]:
    body = web.get("/api/v1/record?limit=1000").get_data(as_text=True)
    return [json.loads(line) for line in body.splitlines()]


def logged_in(web) -> bool:
    return web.get("/account").status_code == 200


def ask_reset(web, email: str):
    return web.post("/password/forgot", {"email": email}, token_from="/password/forgot")


# --- password reset ---------------------------------------------------------------------------


def test_an_unknown_address_gets_the_same_answer_and_no_mail(make_web, member, outbox):
    known = ask_reset(make_web(), member.email)
    unknown = ask_reset(make_web(), "nessuno@example.org")
    assert answer(known) == answer(unknown)
    assert known.status_code == 200 and SENT in page(known)
    mails = outbox()
    assert [m["To"] for m in mails] == [member.email]
    assert mails[0]["Subject"] == "Consiglio: scegli una nuova password"


def test_a_disabled_account_gets_no_link(make_web, make_user, outbox):
    off = make_user("member", status=AccountStatus.DISABLED, email="spento@example.org")
    assert SENT in page(ask_reset(make_web(), off.email))
    assert outbox() == []


def test_the_link_sets_a_new_password_and_ends_every_session(make_web, member, outbox):
    phone, laptop = make_web(), make_web()
    phone.login(member.email)
    assert logged_in(phone)
    ask_reset(laptop, member.email)
    link = link_in(outbox()[0], "/password/reset/")
    form = laptop.get(link)
    assert form.status_code == 200 and "Scegli una nuova password" in page(form)
    done = laptop.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from=link)
    assert done.status_code == 302 and done.location == "/login"
    assert "tutti i dispositivi sono stati disconnessi" in page(laptop.get("/login"))
    assert not logged_in(phone)  # the session on the phone was ended on the server
    refused = laptop.post("/login", {"email": member.email, "password": PASSWORD},
                          token_from="/login")  # fmt: skip
    assert refused.status_code == 422
    laptop.login(member.email, NEW_PASSWORD)
    assert logged_in(laptop)
    event = [e for e in events(laptop) if e["kind"] == "account.password_changed"][-1]
    assert event["subject"] == f"user:{member.public_id}" and member.email not in json.dumps(event)


def test_a_used_link_says_so_and_changes_nothing(make_web, member, outbox):
    web = make_web()
    ask_reset(web, member.email)
    link = link_in(outbox()[0], "/password/reset/")
    web.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from=link)
    again = web.get(link)
    assert again.status_code == 410 and "già stato usato" in page(again)
    before = person(member.email).password_hash
    other = "un-altra-password-ancora"
    replay = web.post(
        link, {"password": other, "confirm": other, "csrf_token": web.token("/login")}
    )
    assert replay.status_code == 410
    assert person(member.email).password_hash == before


def test_an_expired_link_says_so(make_web, member, outbox):
    web = make_web()
    ask_reset(web, member.email)
    link = link_in(outbox()[0], "/password/reset/")
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = web.get(link)
    assert expired.status_code == 410 and "Questo link è scaduto" in page(expired)
    assert "Chiedi un nuovo link" in page(expired)


@pytest.mark.parametrize(
    "token", ["x" * 43, "q3Zt9vK2mP8xW1yB7nR4sL6dF0hJ5cE2aU9oI3gT1kM", "corto", "a" * 300]
)
def test_a_forged_link_is_not_valid(make_web, member, outbox, token):
    ask_reset(make_web(), member.email)
    outbox()
    forged = make_web().get(f"/password/reset/{token}")
    assert forged.status_code == 404 and "Questo link non è valido" in page(forged)


def test_a_newer_link_replaces_the_older_one(make_web, member, outbox):
    web = make_web()
    ask_reset(web, member.email)
    first = link_in(outbox()[0], "/password/reset/")
    ask_reset(web, member.email)
    second = link_in(outbox()[0], "/password/reset/")
    assert web.get(first).status_code == 410
    assert "non è più valido" in page(web.get(first))
    assert web.get(second).status_code == 200


def test_a_weak_password_keeps_the_link_good(make_web, member, outbox):
    web = make_web()
    ask_reset(web, member.email)
    link = link_in(outbox()[0], "/password/reset/")
    weak = web.post(link, {"password": "corta", "confirm": "corta"}, token_from=link)
    assert weak.status_code == 422
    assert web.get(link).status_code == 200


def test_requests_are_throttled_per_network_and_mails_per_account(app, make_web, member, outbox):
    web = make_web()
    most_mails = app.config["PASSWORD_RESET_MAX_PER_ACCOUNT"]
    for _n in range(most_mails + 2):
        assert SENT in page(ask_reset(web, member.email))  # the same answer past the limit
    assert len(outbox()) == most_mails
    for n in range(app.config["PASSWORD_RESET_MAX_PER_ADDRESS"] - most_mails - 2):
        assert ask_reset(web, f"altro{n}@example.org").status_code == 200
    refused = ask_reset(web, "ancora@example.org")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Troppe richieste dalla tua rete" in page(refused)


# --- profile ----------------------------------------------------------------------------------


def test_name_and_language_are_changed_on_the_account_page(make_web, member):
    web = make_web()
    web.login(member.email)
    saved = web.post("/account/profile", {"name": "Marco Bianchi", "locale": "en"},
                     token_from="/account")  # fmt: skip
    assert saved.status_code == 302
    assert "Your details were saved." in page(web.get("/account"))
    assert person(member.email).name == "Marco Bianchi" and person(member.email).locale == "en"
    event = [e for e in events(web) if e["kind"] == "account.updated"][-1]
    assert event["subject"] == f"user:{member.public_id}" and "Bianchi" not in json.dumps(event)
    bad = web.post("/account/profile", {"name": "M", "locale": "fr"}, token_from="/account")
    assert bad.status_code == 422 and person(member.email).name == "Marco Bianchi"


def test_a_new_address_is_used_only_once_its_link_is_opened(make_web, member, outbox):
    web = make_web()
    web.login(member.email)
    wrong = web.post("/account/email", {"email": "nuovo@example.org", "password": "sbagliata"},
                     token_from="/account")  # fmt: skip
    assert wrong.status_code == 422 and "La password non è corretta." in page(wrong)
    asked = web.post("/account/email", {"email": "Nuovo@Example.org", "password": PASSWORD},
                     token_from="/account")  # fmt: skip
    assert asked.status_code == 302
    [mail] = outbox()
    assert mail["To"] == "nuovo@example.org"
    link = link_in(mail, "/account/email/confirm/")
    shown = make_web().get(link)  # opening it (or a mail scanner) changes nothing
    assert shown.status_code == 200 and "nuovo@example.org" in page(shown)
    assert person("marco@example.org") is not None
    other = make_web()
    assert other.post(link, {}, token_from=link).status_code == 302
    assert person("nuovo@example.org").id == member.id
    [told] = outbox()
    assert told["To"] == "marco@example.org"
    assert "nuovo@example.org" in told.get_body(preferencelist=("plain",)).get_content()
    assert other.post(link, {}, token_from="/login").status_code == 410
    record = json.dumps(events(web))
    assert "@example.org" not in record
    assert '"email":true' in record.replace(" ", "")


def test_a_taken_address_gets_the_same_answer_and_no_link(make_web, member, make_user, outbox):
    make_user("member", email="preso@example.org")
    web = make_web()
    web.login(member.email)
    taken = web.post("/account/email", {"email": "preso@example.org", "password": PASSWORD},
                     token_from="/account")  # fmt: skip
    free = web.post("/account/email", {"email": "libero@example.org", "password": PASSWORD},
                    token_from="/account")  # fmt: skip
    assert taken.status_code == free.status_code == 302
    assert [m["To"] for m in outbox()] == ["libero@example.org"]


def test_a_reset_link_sent_to_the_old_address_stops_working(make_web, member, outbox):
    web = make_web()
    ask_reset(web, member.email)
    reset = link_in(outbox()[0], "/password/reset/")
    web.login(member.email)
    web.post("/account/email", {"email": "nuovo@example.org", "password": PASSWORD},
             token_from="/account")  # fmt: skip
    confirm = link_in(outbox()[0], "/account/email/confirm/")
    web.post(confirm, {}, token_from=confirm)
    assert make_web().get(reset).status_code == 410


# --- registration decisions -------------------------------------------------------------------


def register(web, organisation, email="giulia@example.org"):
    data = {"name": "Giulia Verdi", "email": email, "organisation": str(organisation.id),
            "password": PASSWORD, "confirm": PASSWORD, "consent": "y"}  # fmt: skip
    return web.post("/register", data, token_from="/register")


def test_the_secretariat_hears_of_a_request_and_the_applicant_of_the_answer(
    make_web, organisation, secretary, admin, member, outbox
):
    register(make_web(), organisation)
    applicant_id = person("giulia@example.org").id
    told = {n.user_id for n in db.session.scalars(
        select(Notification).where(Notification.kind == "registration_requested"))}  # fmt: skip
    assert told == {secretary.id, admin.id}
    office = make_web()
    office.login(secretary.email)
    assert "Giulia Verdi ha chiesto un account per Cooperativa Il Ponte" in page(
        office.get("/notifications")
    )
    outbox()
    office.post(f"/admin/users/{applicant_id}/approve", token_from="/admin/users")
    [mail] = outbox()
    assert mail["To"] == "giulia@example.org"
    assert mail["Subject"] == "Consiglio: il tuo account è attivo"


def test_a_refusal_needs_a_reason_and_sends_it(make_web, organisation, secretary, outbox):
    register(make_web(), organisation)
    applicant = person("giulia@example.org")
    office = make_web()
    office.login(secretary.email)
    outbox()
    path = f"/admin/users/{applicant.id}"
    empty = office.post(f"{path}/reject", {"reason": ""}, token_from=path)
    assert empty.status_code == 422 and person("giulia@example.org").status == AccountStatus.PENDING
    assert outbox() == []
    reason = "L'associazione non risulta tra le realtà iscritte al Consiglio."
    done = office.post(f"{path}/reject", {"reason": reason}, token_from=path)
    assert done.status_code == 302
    assert person("giulia@example.org").status == AccountStatus.DISABLED
    [mail] = outbox()
    assert mail["Subject"] == "Consiglio: la tua richiesta di account non è stata accolta"
    assert reason in mail.get_body(preferencelist=("plain",)).get_content()
    assert reason not in json.dumps(events(office), ensure_ascii=False)


# --- two-step sign-in -------------------------------------------------------------------------


def password_step(web, email: str, password: str = PASSWORD):
    return web.post("/login", {"email": email, "password": password}, token_from="/login")


def test_setting_up_on_the_account_page_shows_the_codes_once(make_web, member):
    phone, laptop = make_web(), make_web()
    phone.login(member.email)
    laptop.login(member.email)
    setup = laptop.get("/account/two-step")
    assert setup.status_code == 200 and "<svg" in setup.get_data(as_text=True)
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page(setup)).group(1).replace(" ", "")
    wrong = laptop.post("/account/two-step", {"code": "000000"}, token_from="/account/two-step")
    assert wrong.status_code == 422 and "Il codice non è corretto." in page(wrong)
    done = laptop.post("/account/two-step", {"code": code(key)}, token_from="/account/two-step")
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page(done))
    assert len(set(codes)) == 10
    assert logged_in(laptop) and not logged_in(phone)  # the other device is logged out
    assert "10 codici di recupero" in page(laptop.get("/account/two-step"))
    assert "two_step_enabled" in json.dumps(events(laptop))


def test_the_password_alone_opens_nothing(make_web, member):
    secret, _codes = set_up_two_step(member)
    web = make_web()
    first = password_step(web, member.email)
    assert first.status_code == 302 and first.location == "/login/code"
    assert not logged_in(web)
    wrong = web.post("/login/code", {"code": "123456"}, token_from="/login/code")
    assert wrong.status_code == 422 and not logged_in(web)
    good = web.post("/login/code", {"code": code(secret, 1)}, token_from="/login/code")
    assert good.status_code == 302 and logged_in(web)


def test_a_code_cannot_be_replayed(make_web, member):
    secret, _codes = set_up_two_step(member)
    once = code(secret, 1)
    web = make_web()
    password_step(web, member.email)
    web.post("/login/code", {"code": once}, token_from="/login/code")
    assert logged_in(web)
    step = last_step(member)
    thief = make_web()
    password_step(thief, member.email)
    replay = thief.post("/login/code", {"code": once}, token_from="/login/code")
    assert replay.status_code == 422 and "già stato usato" in page(replay)
    assert not logged_in(thief) and last_step(member) == step
    # the step before the last one accepted is refused too
    older = thief.post("/login/code", {"code": code(secret, 0)}, token_from="/login/code")
    assert older.status_code == 422 and not logged_in(thief)


def test_a_recovery_code_works_once(make_web, member):
    _secret, codes = set_up_two_step(member)
    web = make_web()
    password_step(web, member.email)
    used = web.post("/login/code", {"code": codes[3].upper()}, token_from="/login/code")
    assert used.status_code == 302
    assert "te ne restano 9" in page(web.get("/"))
    assert logged_in(web)
    again = make_web()
    password_step(again, member.email)
    refused = again.post("/login/code", {"code": codes[3]}, token_from="/login/code")
    assert refused.status_code == 422 and not logged_in(again)


def test_wrong_codes_are_slowed_down(make_web, member):
    secret, _codes = set_up_two_step(member)
    web = make_web()
    password_step(web, member.email)
    for _n in range(5):
        assert (
            web.post("/login/code", {"code": "999999"}, token_from="/login/code").status_code == 422
        )
    late = web.post("/login/code", {"code": code(secret, 1)}, token_from="/login/code")
    assert late.status_code == 429 and int(late.headers["Retry-After"]) > 0
    assert "Troppi codici sbagliati" in page(late) and not logged_in(web)


def test_the_code_page_needs_the_password_first(make_web, member):
    set_up_two_step(member)
    response = make_web().get("/login/code")
    assert response.status_code == 302 and response.location == "/login"


def test_an_administrator_must_have_it_before_requiring_it(as_, council):
    admin = as_("admin")
    refused = admin.post("/admin/two-step", {"required": "1"}, token_from="/admin/")
    assert refused.status_code == 409
    assert "Attiva prima l'accesso in due passaggi" in page(refused)


def test_a_chair_without_it_once_required_is_sent_to_set_it_up_and_cannot_act(make_web, council):
    chair = make_web()
    chair.login(council.chair.email)
    meeting = convened_meeting(council)
    member = make_web()
    member.login(council.members[0].email)
    secret, _codes = set_up_two_step(council.admin)
    admin = make_web()
    password_step(admin, council.admin.email)
    admin.post("/login/code", {"code": code(secret, 1)}, token_from="/login/code")
    required = admin.post("/admin/two-step", {"required": "1"}, token_from="/admin/")
    assert required.status_code == 302
    assert not logged_in(chair)  # logged in without it: that login is over
    assert logged_in(member)  # a member is not asked for it
    again = password_step(chair, council.chair.email)
    assert again.status_code == 302 and again.location == "/login/set-up"
    console = chair.get(f"/meetings/{meeting.id}/console")
    assert console.status_code == 302 and console.location.startswith("/login")
    token = chair.token("/login/set-up")
    act = chair.post(f"/meetings/{meeting.id}/session/open", {"csrf_token": token})
    assert act.status_code in (302, 403) and "/console" not in (act.location or "")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == MeetingState.CONVENED
    setup = chair.get("/login/set-up")
    assert "Il tuo ruolo richiede l'accesso in due passaggi" in page(setup)
    key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page(setup)).group(1).replace(" ", "")
    done = chair.post("/login/set-up", {"code": code(key)}, token_from="/login/set-up")
    assert done.status_code == 200 and "I tuoi codici di recupero" in page(done)
    assert chair.get(f"/meetings/{meeting.id}/console").status_code == 200
    off = chair.post("/account/two-step/off", {"off-password": PASSWORD},
                     token_from="/account/two-step")  # fmt: skip
    assert off.status_code == 302
    assert logged_in(chair) and chair.get("/account/two-step").status_code == 200
    assert "non si può disattivare" in page(chair.get("/account/two-step"))
