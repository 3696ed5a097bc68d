"""Accounts: creation rules, registration and approval, roles, passwords, login throttling."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from council.domain.accounts import accounts, login_sessions, logins
from council.domain.permissions import SYSTEM
from council.domain.record import record
from council.errors import InvalidState, NotAllowed, ValidationError
from council.extensions import db
from council.models.record import RecordEvent
from council.models.user import AccountStatus, Role
from council.unit_of_work import unit_of_work
from tests.conftest import PASSWORD

HERE = logins.Client("192.0.2.1")


def _events(kind: str) -> list[RecordEvent]:
    return list(db.session.scalars(select(RecordEvent).where(RecordEvent.kind == kind)))


@pytest.mark.parametrize(
    ("email", "name", "password", "field"),
    [
        ("not-an-email", "Anna Rossi", PASSWORD, "email"),
        ("anna@example", "Anna Rossi", PASSWORD, "email"),
        ("anna@example.org", "A", PASSWORD, "name"),
        ("anna@example.org", "Anna Rossi", "short", "password"),
        ("anna@example.org", "Anna Rossi", "x" * 300, "password"),
    ],
)
def test_bad_account_data_is_refused_and_nothing_written(app, email, name, password, field):
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        accounts.create_user(session, SYSTEM, email=email, name=name, password=password)
    assert caught.value.field == field
    assert record.head(db.session) is None


def test_emails_are_unique_whatever_their_case(app, make_user):
    make_user("member", email="anna@example.org")
    with pytest.raises(ValidationError), unit_of_work() as session:
        accounts.create_user(
            session, SYSTEM, email=" ANNA@Example.org ", name="Anna Bis", password=PASSWORD
        )


def test_registration_waits_for_approval_then_logs_in(app, organisation, secretary):
    with unit_of_work() as session:
        person = accounts.register_stakeholder(
            session, email="nuova@example.org", name="Nuova Persona", password=PASSWORD,
            organisation=organisation,
        )  # fmt: skip
    assert person.status == AccountStatus.PENDING
    with pytest.raises(logins.LoginRefused, match="approv"), unit_of_work() as session:
        logins.authenticate(session, email="nuova@example.org", password=PASSWORD, client=HERE)
    with unit_of_work() as session:
        accounts.approve(session, secretary, person)
    with unit_of_work() as session:
        person = logins.authenticate(
            session, email="nuova@example.org", password=PASSWORD, client=HERE
        )
        assert person.status == AccountStatus.ACTIVE
    with pytest.raises(InvalidState), unit_of_work() as session:
        accounts.approve(session, secretary, person)
    assert len(_events("account.approved")) == 1


def test_only_secretary_or_admin_approves(app, organisation, make_user):
    member = make_user("member")
    with unit_of_work() as session:
        person = accounts.register_stakeholder(
            session, email="x@example.org", name="Xavier", password=PASSWORD,
            organisation=organisation,
        )  # fmt: skip
    with pytest.raises(NotAllowed), unit_of_work() as session:
        accounts.approve(session, member, person)
    db.session.refresh(person)
    assert person.status == AccountStatus.PENDING


def test_registration_needs_an_active_organisation(app):
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        accounts.register_stakeholder(
            session, email="y@example.org", name="Ylenia", password=PASSWORD, organisation=None
        )
    assert caught.value.field == "organisation"


def test_roles_are_granted_and_revoked_with_events(app, admin, make_user):
    person = make_user("member")
    with unit_of_work() as session:
        accounts.set_roles(session, admin, person, {Role.MEMBER, Role.CHAIR})
    assert person.roles == {Role.MEMBER, Role.CHAIR}
    with unit_of_work() as session:
        accounts.set_roles(session, admin, person, {Role.CHAIR})
    assert person.roles == {Role.CHAIR}
    assert [json.loads(e.data)["role"] for e in _events("role.granted")] == ["chair"]
    assert [json.loads(e.data)["role"] for e in _events("role.revoked")] == ["member"]


def test_admin_cannot_remove_own_admin_role(app, admin):
    with pytest.raises(InvalidState), unit_of_work() as session:
        accounts.set_roles(session, admin, admin, set())
    db.session.refresh(admin)
    assert Role.ADMIN in admin.roles


def test_password_change_ends_every_session(app, make_user):
    person = make_user("member")
    with unit_of_work() as session:
        login = login_sessions.start(
            session, session.merge(person), address="192.0.2.1", device="", remember=True
        )
    assert set(accounts.logged_in(db.session, [login])) == {login}
    with pytest.raises(ValidationError), unit_of_work() as session:
        accounts.change_password(session, person, current="wrong-password", new="nuova-password-1")
    assert set(accounts.logged_in(db.session, [login])) == {login}
    with unit_of_work() as session:
        accounts.change_password(session, person, current=PASSWORD, new="nuova-password-1")
    assert accounts.logged_in(db.session, [login]) == {}
    with pytest.raises(logins.LoginRefused), unit_of_work() as session:
        logins.authenticate(session, email=person.email, password=PASSWORD, client=HERE)


def test_repeated_failures_are_slowed_down_even_with_the_right_password(app, make_user):
    person = make_user("member")
    for _ in range(5):
        with unit_of_work() as session, pytest.raises(logins.LoginRefused):
            logins.authenticate(session, email=person.email, password="sbagliata", client=HERE)
    with unit_of_work() as session, pytest.raises(logins.LoginRefused) as caught:
        logins.authenticate(session, email=person.email, password=PASSWORD, client=HERE)
    assert caught.value.retry_after > 0


def test_a_successful_login_clears_earlier_failures(app, make_user):
    person = make_user("member")
    for _ in range(3):
        with unit_of_work() as session, pytest.raises(logins.LoginRefused):
            logins.authenticate(session, email=person.email, password="sbagliata", client=HERE)
    with unit_of_work() as session:
        logins.authenticate(session, email=person.email, password=PASSWORD, client=HERE)
    for _ in range(4):
        with unit_of_work() as session, pytest.raises(logins.LoginRefused):
            logins.authenticate(session, email=person.email, password="sbagliata", client=HERE)
    with unit_of_work() as session:
        assert logins.authenticate(session, email=person.email, password=PASSWORD, client=HERE)


def test_account_events_carry_no_private_data(app, admin, make_user):
    person = make_user("member", email="riservata@example.org")
    with unit_of_work() as session:
        accounts.reset_password(session, admin, person, new="altra-password-1")
        accounts.update_profile(
            session, admin, person, name="Nome Nuovo", email="nuova.riservata@example.org",
            organisation=person.organisation, council_group=None,
        )  # fmt: skip
    dump = "\n".join(e.data + e.subject + (e.actor or "") for e in db.session.scalars(
        select(RecordEvent)))  # fmt: skip
    assert "@" not in dump
    assert "password" not in dump.lower() or "altra-password" not in dump
    assert person.password_hash not in dump
    assert record.verify(db.session).ok
