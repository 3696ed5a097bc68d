"""Administration over HTTP: who may enter (a table of URL x role), accounts, roles, passwords,
zones, Punti di comunità and organisations, with their validation."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from council.domain.community import organisations
from council.domain.community.topics import save_topic
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.record import RecordEvent
from council.models.user import AccountStatus, LoginSession, Role, User, UserRole
from council.unit_of_work import unit_of_work
from tests.conftest import PASSWORD
from tests.factories import fresh

ROLES = ["anonymous", "stakeholder", "member", "chair", "secretary", "admin"]
OFFICE = frozenset({"secretary", "admin"})  # who enters the administration
ADMIN = frozenset({"admin"})  # who manages accounts, roles and the map of the city
NEW_PASSWORD = "una-password-nuova-e-lunga"
NOT_ALLOWED = "Non si dispone dell'autorizzazione per questa operazione."


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def head_seq() -> int:
    db.session.expire_all()
    last = db.session.scalar(select(RecordEvent).order_by(RecordEvent.seq.desc()).limit(1))
    return last.seq if last else 0


def events_since(seq: int) -> list[tuple[str, str, dict]]:
    rows = db.session.scalars(
        select(RecordEvent).where(RecordEvent.seq > seq).order_by(RecordEvent.seq)
    )
    return [(e.kind, e.subject, json.loads(e.data)) for e in rows]


def snapshot() -> tuple:
    """Everything the administration can change, to prove that a refused request changed nothing."""
    db.session.expire_all()

    def rows(model, *columns):
        return sorted(
            tuple(getattr(obj, c) for c in columns) for obj in db.session.scalars(select(model))
        )

    return (
        rows(User, "id", "email", "name", "status", "password_hash", "organisation_id",
             "council_group", "locale"),
        rows(LoginSession, "id", "user_id"),
        rows(UserRole, "user_id", "role"),
        rows(Zone, "id", "name", "description"),
        rows(CommunityPoint, "id", "name", "zone_id", "address"),
        rows(Organisation, "id", "name", "kind", "zone_id", "community_point_id", "website",
             "active"),
        head_seq(),
    )  # fmt: skip


def field_value(text: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', text)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def checked_roles(text: str) -> set[str]:
    return {
        re.search(r'value="(\w+)"', tag).group(1)
        for tag in re.findall(r"<input[^>]*>", text)
        if 'name="roles"' in tag and "checked" in tag
    }


@pytest.fixture
def world(app, zone, organisation, make_user):
    """What the admin URLs point at: a Punto, a member to edit, a registration to approve."""
    with unit_of_work() as session:
        point = organisations.save_community_point(
            session, SYSTEM, None, name="Punto Sanpolino", zone=zone, address="Via Sanpolino 1"
        )
        topic = save_topic(session, SYSTEM, None, name="Anziani")
    target = make_user("member", email="consigliere@example.org", name="Carla Consigliera")
    pending = make_user(
        "stakeholder", email="attesa@example.org", name="Piero Attesa", status=AccountStatus.PENDING
    )
    return {
        "zone": zone.id,
        "organisation": organisation.id,
        "point": point.id,
        "topic": topic.id,
        "target": target.id,
        "pending": pending.id,
    }


@pytest.fixture
def as_role(make_web, make_user):
    """A browser logged in with one role, or an anonymous one."""

    def factory(role: str):
        web = make_web()
        if role != "anonymous":
            person = make_user(role, email=f"actor-{role}@example.org")
            web.login(person.email)
        return web

    return factory


# --- who may enter: a table -----------------------------------------------------------------

PAGES = [
    ("/admin/", OFFICE),
    ("/admin/users", OFFICE),
    ("/admin/users?status=pending", OFFICE),
    ("/admin/users/new", ADMIN),
    ("/admin/users/{target}", OFFICE),
    ("/admin/organisations", ADMIN),
    ("/admin/organisations/new", ADMIN),
    ("/admin/organisations/{organisation}", ADMIN),
    ("/admin/zones", ADMIN),
    ("/admin/zones/new", ADMIN),
    ("/admin/zones/{zone}", ADMIN),
    ("/admin/community-points", ADMIN),
    ("/admin/community-points/new", ADMIN),
    ("/admin/community-points/{point}", ADMIN),
    ("/admin/topics", ADMIN),
    ("/admin/topics/new", ADMIN),
    ("/admin/topics/{topic}", ADMIN),
]


def _expect_refusal(response, role: str, path: str) -> None:
    if role == "anonymous":
        assert response.status_code == 302
        target = urlsplit(response.location)
        assert target.path == "/login"
        assert "next=" in target.query
    else:
        assert response.status_code == 403
        text = page(response)
        assert "Non consentito" in text
        assert '<html lang="it">' in text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "allowed"), PAGES, ids=[p for p, _ in PAGES])
def test_admin_pages_by_role(world, as_role, path, allowed, role):
    web = as_role(role)
    response = web.get(path.format(**world))
    if role in allowed:
        assert response.status_code == 200
        assert "Amministrazione" in page(response)
    else:
        _expect_refusal(response, role, path)


ACTIONS = [
    (
        "/admin/users/new",
        ADMIN,
        {"name": "Nuova Persona", "email": "nuova@example.org", "password": NEW_PASSWORD,
         "roles": "member", "organisation": "", "council_group": ""},
    ),
    (
        "/admin/users/{target}",
        ADMIN,
        {"name": "Carla Rinominata", "email": "consigliere@example.org", "roles": "member",
         "organisation": "", "council_group": ""},
    ),
    ("/admin/users/{pending}/approve", OFFICE, {}),
    ("/admin/users/{pending}/reject", OFFICE, {"reason": "Organizzazione non iscritta"}),
    ("/admin/users/{target}/status", ADMIN, {"status": "disabled"}),
    ("/admin/users/{target}/password", ADMIN, {"password": NEW_PASSWORD}),
    ("/admin/zones/new", ADMIN, {"name": "Zona Nord", "description": ""}),
    ("/admin/zones/{zone}", ADMIN, {"name": "Zona Est 2", "description": "Rinominata"}),
    ("/admin/community-points/new", ADMIN, {"name": "Punto Nuovo", "zone": "{zone}"}),
    ("/admin/topics/new", ADMIN, {"name": "Casa e abitare"}),
    ("/admin/topics/{topic}", ADMIN, {"name": "Anziani e fragilità"}),
    ("/admin/community-points/{point}", ADMIN, {"name": "Punto Rinominato", "zone": "{zone}"}),
    (
        "/admin/organisations/new",
        ADMIN,
        {"name": "Associazione Nuova", "kind": "APS", "zone": "{zone}", "active": "y"},
    ),
    (
        "/admin/organisations/{organisation}",
        ADMIN,
        {"name": "Cooperativa Il Ponte", "kind": "Cooperativa", "zone": "{zone}",
         "community_point": "{point}", "active": "y"},
    ),
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("path", "allowed", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_admin_actions_by_role(world, as_role, path, allowed, data, role):
    web = as_role(role)
    data = {key: value.format(**world) for key, value in data.items()}
    before = snapshot()
    response = web.post(path.format(**world), data, token_from="/")
    if role in allowed:
        assert response.status_code == 302, page(response)[:3000]
        assert urlsplit(response.location).path.startswith("/admin/")
        assert head_seq() > before[-1]
    else:
        _expect_refusal(response, role, path)
        assert snapshot() == before


def test_secretary_sees_accounts_read_only(world, as_role):
    web = as_role("secretary")
    text = page(web.get(f"/admin/users/{world['target']}"))
    assert "Carla Consigliera" in text
    assert "consigliere@example.org" in text
    assert field_value(text, "name") is None  # no edit form
    assert "Reimposta password" not in text
    assert "Nuovo account" not in page(web.get("/admin/users"))
    assert "/admin/organisations" not in page(web.get("/admin/"))


def test_secretary_approves_from_the_account_page(world, as_role):
    web = as_role("secretary")
    text = page(web.get(f"/admin/users/{world['pending']}"))
    assert "Registrazione in attesa di approvazione" in text
    assert "Piero Attesa chiede di rappresentare Cooperativa Il Ponte." in text
    response = web.post(f"/admin/users/{world['pending']}/approve")
    assert response.status_code == 302
    assert response.location == f"/admin/users/{world['pending']}"
    assert fresh(User, world["pending"]).status == AccountStatus.ACTIVE


def test_unknown_account_is_404(world, as_role):
    web = as_role("admin")
    response = web.get("/admin/users/999999")
    assert response.status_code == 404
    assert "Questo account non esiste." in page(response)
    response = web.post("/admin/users/999999/approve", token_from="/admin/")
    assert response.status_code == 404


def test_users_list_filters(world, as_role):
    web = as_role("admin")
    text = page(web.get("/admin/users?q=carla"))
    assert "Carla Consigliera" in text and "Piero Attesa" not in text
    text = page(web.get("/admin/users?role=stakeholder"))
    assert "Piero Attesa" in text and "Carla Consigliera" not in text
    text = page(web.get("/admin/users?status=pending"))
    assert "Piero Attesa" in text and "Carla Consigliera" not in text
    text = page(web.get("/admin/users?q=nessuno-si-chiama-cosi"))
    assert "Nessun account corrisponde alla ricerca." in text
    # nonsense filters are ignored rather than failing
    assert web.get("/admin/users?role=king&status=x&page=abc").status_code == 200


# --- accounts ---------------------------------------------------------------------------------


def new_account(**changes) -> dict:
    data = {
        "name": "Marta Neri",
        "email": "marta@example.org",
        "password": NEW_PASSWORD,
        "organisation": "",
        "council_group": "administration",
        "roles": ["member", "chair"],
    }
    data.update(changes)
    return data


def test_admin_creates_an_account_with_roles(world, as_role, make_web):
    web = as_role("admin")
    before = head_seq()
    response = web.post("/admin/users/new", new_account(), token_from="/admin/users/new")
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.email == "marta@example.org"))
    assert response.location == f"/admin/users/{created.id}"
    assert created.status == AccountStatus.ACTIVE
    assert created.roles == {Role.MEMBER, Role.CHAIR}
    text = page(web.get(response.location))
    assert "Account creato." in text
    assert checked_roles(text) == {"member", "chair"}
    assert events_since(before) == [
        (
            "account.created",
            f"user:{created.public_id}",
            {"organisation": None, "roles": ["chair", "member"], "status": "active"},
        )
    ]
    marta = make_web()
    marta.login("marta@example.org", NEW_PASSWORD)
    assert "Marta Neri" in page(marta.get("/"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "consigliere@example.org"}, "Esiste già un account con questo indirizzo"),
        ({"email": "marta@"}, "Inserisci un indirizzo e-mail valido."),
        ({"password": "corta"}, "La lunghezza del valore deve essere compresa tra 10 e 256"),
        ({"roles": ["stakeholder"]}, "Un portatore di interesse deve appartenere a un'organizz"),
        ({"roles": ["king"]}, "'king'"),  # WTForms' Italian for this one is fuzzy
        ({"organisation": "999999"}, "Non è una opzione valida"),
        ({"name": "M"}, "La lunghezza del valore deve essere compresa tra 2 e 120"),
    ],
    ids=["duplicate-email", "bad-email", "short-password", "stakeholder-without-organisation",
         "unknown-role", "unknown-organisation", "short-name"],
)  # fmt: skip
def test_account_creation_errors_keep_the_form(world, as_role, changes, message):
    web = as_role("admin")
    before = snapshot()
    data = new_account(**changes)
    response = web.post("/admin/users/new", data, token_from="/admin/users/new")
    assert response.status_code == 422
    text = page(response)
    assert message in text
    assert field_value(text, "name") == data["name"]
    assert field_value(text, "email") == data["email"]
    assert field_value(text, "password") == ""  # never sent back
    assert snapshot() == before


def edit(web, user_id: int, **changes):
    person = fresh(User, user_id)
    data = {
        "name": person.name,
        "email": person.email,
        "organisation": str(person.organisation_id or ""),
        "council_group": str(person.council_group or ""),
        "roles": sorted(str(r) for r in person.roles),
    }
    data.update(changes)
    return web.post(f"/admin/users/{user_id}", data, token_from=f"/admin/users/{user_id}")


def test_edit_name_and_roles_records_grants_and_revocations(world, as_role):
    web = as_role("admin")
    target = fresh(User, world["target"])
    before = head_seq()
    response = edit(web, target.id, name="Carla Bianchi", roles=["chair", "secretary"])
    assert response.status_code == 302
    assert "Modifiche salvate." in page(web.get(response.location))
    after = fresh(User, target.id)
    assert after.name == "Carla Bianchi"
    assert after.roles == {Role.CHAIR, Role.SECRETARY}
    subject = f"user:{target.public_id}"
    assert events_since(before) == [
        ("account.updated", subject, {"changed": {"name": True}}),
        ("role.granted", subject, {"role": "chair"}),
        ("role.granted", subject, {"role": "secretary"}),
        ("role.revoked", subject, {"role": "member"}),
    ]
    # saving the same thing again writes nothing
    seq = head_seq()
    assert edit(web, target.id).status_code == 302
    assert head_seq() == seq


def test_email_change_records_that_it_changed_not_the_address(world, as_role):
    web = as_role("admin")
    target = fresh(User, world["target"])
    before = head_seq()
    assert edit(web, target.id, email="nuova.carla@example.org").status_code == 302
    assert events_since(before) == [
        ("account.updated", f"user:{target.public_id}", {"changed": {"email": True}})
    ]
    assert fresh(User, target.id).email == "nuova.carla@example.org"


def test_edit_with_a_taken_email_keeps_the_form(world, as_role):
    web = as_role("admin")
    before = snapshot()
    response = edit(web, world["target"], name="Carla Nuova", email="attesa@example.org")
    assert response.status_code == 422
    text = page(response)
    assert "Esiste già un account con questo indirizzo e-mail." in text
    assert field_value(text, "name") == "Carla Nuova"
    assert "<h1>Carla Consigliera</h1>" in text  # the heading shows what is saved
    assert snapshot() == before


def test_admin_cannot_remove_their_own_admin_role(world, as_role):
    web = as_role("admin")
    me = db.session.scalar(select(User).where(User.email == "actor-admin@example.org"))
    before = snapshot()
    response = edit(web, me.id, name="Nome Cambiato", roles=["member"])
    assert response.status_code == 409
    text = page(response)
    assert "Non è possibile rimuovere il proprio ruolo di amministratore." in text
    assert snapshot() == before  # neither the roles nor the name changed
    assert fresh(User, me.id).roles == {Role.ADMIN}
    assert web.get("/admin/users/new").status_code == 200


def test_admin_cannot_disable_their_own_account(world, as_role):
    web = as_role("admin")
    me = db.session.scalar(select(User).where(User.email == "actor-admin@example.org"))
    before = snapshot()
    response = web.post(f"/admin/users/{me.id}/status", {"status": "disabled"}, token_from="/")
    assert response.status_code == 409
    assert "Non è possibile disattivare il proprio account." in page(response)
    assert snapshot() == before
    assert web.get("/admin/").status_code == 200


def test_disabling_an_account_logs_that_person_out(world, as_role, make_web):
    person = make_web()
    person.login("consigliere@example.org")
    assert person.get("/account").status_code == 200
    web = as_role("admin")
    target = fresh(User, world["target"])
    before = head_seq()
    response = web.post(f"/admin/users/{target.id}/status", {"status": "disabled"}, token_from="/")
    assert response.status_code == 302
    assert "Stato modificato." in page(web.get(response.location))
    response = person.get("/account")
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    refused = person.post(
        "/login", {"email": "consigliere@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert refused.status_code == 422
    assert events_since(before) == [
        ("account.status_changed", f"user:{target.public_id}", {"status": "disabled"})
    ]
    # and enabled again, the person can log back in
    web.post(f"/admin/users/{target.id}/status", {"status": "active"}, token_from="/")
    person.login("consigliere@example.org")


def test_invalid_status_is_refused(world, as_role):
    web = as_role("admin")
    before = snapshot()
    response = web.post(f"/admin/users/{world['target']}/status", {"status": "god"}, token_from="/")
    assert response.status_code == 302
    assert "Scegli uno stato valido." in page(web.get(response.location))
    assert snapshot() == before


def test_admin_password_reset(world, as_role, make_web):
    person = make_web()
    person.login("consigliere@example.org")
    web = as_role("admin")
    target = fresh(User, world["target"])
    before = head_seq()
    response = web.post(
        f"/admin/users/{target.id}/password", {"password": NEW_PASSWORD}, token_from="/"
    )
    assert response.status_code == 302
    assert "Password reimpostata." in page(web.get(response.location))
    assert person.get("/account").status_code == 302  # the old session is gone
    refused = person.post(
        "/login", {"email": "consigliere@example.org", "password": PASSWORD}, token_from="/login"
    )
    assert refused.status_code == 422
    person.login("consigliere@example.org", NEW_PASSWORD)
    assert events_since(before) == [("account.password_reset", f"user:{target.public_id}", {})]


def test_admin_password_reset_refuses_a_short_password(world, as_role):
    web = as_role("admin")
    before = snapshot()
    response = web.post(
        f"/admin/users/{world['target']}/password", {"password": "corta"}, token_from="/"
    )
    assert response.status_code == 302
    assert "La lunghezza del valore deve essere compresa tra 10 e 256" in page(
        web.get(response.location)
    )
    assert snapshot() == before


# --- zones, Punti di comunità, organisations -------------------------------------------------


def test_zone_create_and_edit(world, as_role):
    web = as_role("admin")
    response = web.post(
        "/admin/zones/new", {"name": "  Zona   Nord ", "description": "Quartieri a nord"},
        token_from="/admin/zones/new",
    )  # fmt: skip
    assert response.status_code == 302
    created = db.session.scalar(select(Zone).where(Zone.name == "Zona Nord"))
    assert response.location == f"/admin/zones#zone-{created.id}"
    listing = page(web.get("/admin/zones"))
    assert "Salvato." in listing and "Zona Nord" in listing and "Quartieri a nord" in listing
    response = web.post(
        f"/admin/zones/{created.id}", {"name": "Zona Nord-Ovest", "description": ""},
        token_from=f"/admin/zones/{created.id}",
    )  # fmt: skip
    assert response.status_code == 302
    assert fresh(Zone, created.id).name == "Zona Nord-Ovest"
    kinds = [kind for kind, _, _ in events_since(0) if kind.startswith("zone.")]
    assert kinds[-2:] == ["zone.created", "zone.updated"]


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/admin/zones/new", {"name": "zona est"}, "Questo nome è già in uso."),
        ("/admin/zones/new", {"name": "Z"}, "La lunghezza del valore deve essere compresa tra 2"),
        ("/admin/zones/new", {"name": ""}, "Questo campo è obbligatorio."),
        ("/admin/community-points/new", {"name": "Punto Nuovo", "zone": ""},
         "Questo campo è obbligatorio."),
        ("/admin/community-points/new", {"name": "Punto Nuovo", "zone": "999999"},
         "Non è una opzione valida"),
        ("/admin/community-points/new", {"name": "punto sanpolino", "zone": "{zone}"},
         "Questo nome è già in uso."),
        ("/admin/organisations/new", {"name": "Associazione Nuova", "zone": ""},
         "Questo campo è obbligatorio."),
        ("/admin/organisations/new", {"name": "COOPERATIVA IL PONTE", "zone": "{zone}"},
         "Questo nome è già in uso."),
        ("/admin/organisations/new",
         {"name": "Associazione Nuova", "zone": "{zone}", "website": "non è un sito"},
         "URL non valido."),
        ("/admin/organisations/new",
         {"name": "Associazione Nuova", "zone": "{zone}", "website": "ftp://files.example.org"},
         "URL non valido."),
        ("/admin/organisations/new",
         {"name": "Associazione Nuova", "zone": "{zone}", "website": "javascript:alert(1)"},
         "URL non valido."),
        ("/admin/organisations/new",
         {"name": "Associazione Nuova", "zone": "{zone}", "community_point": "999999"},
         "Non è una opzione valida"),
    ],
    ids=["zone-duplicate", "zone-short", "zone-empty", "point-no-zone", "point-unknown-zone",
         "point-duplicate", "org-no-zone", "org-duplicate", "org-bad-website",
         "org-ftp-website", "org-javascript-website", "org-unknown-point"],
)  # fmt: skip
def test_map_validation_errors_keep_the_form(world, as_role, path, data, message):
    web = as_role("admin")
    data = {key: value.format(**world) for key, value in data.items()}
    before = snapshot()
    response = web.post(path, data, token_from=path)
    assert response.status_code == 422
    text = page(response)
    assert message in text
    assert field_value(text, "name") == data["name"]
    if "website" in data:
        assert field_value(text, "website") == data["website"]
    assert snapshot() == before


def test_editing_into_a_duplicate_name_changes_nothing(world, as_role):
    web = as_role("admin")
    web.post("/admin/zones/new", {"name": "Zona Sud"}, token_from="/admin/zones/new")
    before = snapshot()
    response = web.post(
        f"/admin/zones/{world['zone']}", {"name": "Zona Sud", "description": "x"},
        token_from=f"/admin/zones/{world['zone']}",
    )  # fmt: skip
    assert response.status_code == 422
    text = page(response)
    assert "Questo nome è già in uso." in text
    assert field_value(text, "name") == "Zona Sud"
    assert "Modifica zona" in text
    assert snapshot() == before
    assert fresh(Zone, world["zone"]).name == "Zona Est"


def test_community_point_create_and_edit(world, as_role):
    web = as_role("admin")
    response = web.post(
        "/admin/community-points/new",
        {"name": "Punto Lamarmora", "zone": str(world["zone"]), "address": "Via Lamarmora 2"},
        token_from="/admin/community-points/new",
    )
    assert response.status_code == 302
    listing = page(web.get("/admin/community-points"))
    assert "Punto Lamarmora" in listing and "Via Lamarmora 2" in listing
    text = page(web.get(f"/admin/community-points/{world['point']}"))
    assert field_value(text, "name") == "Punto Sanpolino"
    assert re.search(rf'<option selected value="{world["zone"]}">Zona Est</option>', text)


def test_organisation_create_link_and_deactivate(world, as_role):
    web = as_role("admin")
    response = web.post(
        "/admin/organisations/new",
        {"name": "Associazione Il Faro", "kind": "APS", "zone": str(world["zone"]),
         "community_point": str(world["point"]), "website": "https://faro.example.org",
         "active": "y"},
        token_from="/admin/organisations/new",
    )  # fmt: skip
    assert response.status_code == 302
    created = db.session.scalar(select(Organisation).where(Organisation.name.like("%Faro")))
    assert created.community_point_id == world["point"]
    assert created.website == "https://faro.example.org"
    listing = page(web.get("/admin/organisations"))
    assert "Associazione Il Faro" in listing and "Punto Sanpolino" in listing
    # deactivated (the box unticked): listed as inactive, not offered at registration
    response = web.post(
        f"/admin/organisations/{created.id}",
        {"name": "Associazione Il Faro", "kind": "APS", "zone": str(world["zone"])},
        token_from=f"/admin/organisations/{created.id}",
    )
    assert response.status_code == 302
    assert fresh(Organisation, created.id).active is False
    assert "non attivo" in page(web.get("/admin/organisations"))
    assert "Il Faro" not in page(as_role("anonymous").get("/register"))
    last = events_since(0)[-1]
    assert last[0] == "organisation.updated"
    assert last[2]["active"] is False and last[2]["community_point"] is None


def test_unknown_map_objects_are_404(world, as_role):
    web = as_role("admin")
    for path in ("/admin/zones/999999", "/admin/organisations/999999",
                 "/admin/community-points/999999"):  # fmt: skip
        response = web.get(path)
        assert response.status_code == 404
        assert "Elemento non trovato." in page(response)


def test_a_revoked_role_takes_effect_at_the_next_request(world, as_role, make_web):
    office = make_web()
    office.login("consigliere@example.org")
    web = as_role("admin")
    assert edit(web, world["target"], roles=["member", "secretary"]).status_code == 302
    assert office.get("/admin/users").status_code == 200
    assert edit(web, world["target"], roles=["member"]).status_code == 302
    assert office.get("/admin/users").status_code == 403


def test_organisation_and_stakeholder_role_given_together(world, as_role):
    web = as_role("admin")
    web.post(
        "/admin/users/new",
        new_account(roles=["member"], council_group=""),
        token_from="/admin/users/new",
    )
    marta = db.session.scalar(select(User).where(User.email == "marta@example.org"))
    assert marta.organisation_id is None
    response = edit(
        web, marta.id, organisation=str(world["organisation"]), roles=["member", "stakeholder"]
    )
    assert response.status_code == 302
    after = fresh(User, marta.id)
    assert after.organisation_id == world["organisation"]
    assert after.roles == {Role.MEMBER, Role.STAKEHOLDER}


def test_stakeholder_role_and_organisation_taken_away_together(world, as_role, make_user):
    person = make_user("stakeholder", "member", email="ex-portatore@example.org")
    web = as_role("admin")
    response = edit(web, person.id, organisation="", roles=["member"])
    assert response.status_code == 302, page(response)[-3000:]
    after = fresh(User, person.id)
    assert after.organisation_id is None
    assert after.roles == {Role.MEMBER}


def test_stakeholder_role_without_organisation_is_refused(world, as_role, make_user):
    person = make_user("member", email="senza-org@example.org", organisation=None)
    web = as_role("admin")
    before = snapshot()
    response = edit(web, person.id, roles=["member", "stakeholder"])
    assert response.status_code == 422
    assert "Un portatore di interesse deve appartenere a un'organizzazione." in page(response)
    assert snapshot() == before
