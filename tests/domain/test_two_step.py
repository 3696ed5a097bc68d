"""Two-step sign-in in the domain: codes accepted within one step of drift and never twice,
and once required, a login of the chair without it names nobody, over HTTP and sockets alike
(login_sessions.find and logged_in)."""

from __future__ import annotations

import time

import pytest

from council.domain.accounts import login_sessions, two_step
from council.errors import InvalidState, ValidationError
from council.extensions import db
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.account_helpers import code, set_up_two_step


def test_a_code_two_steps_away_is_refused_and_the_next_one_is_accepted(make_user):
    member = make_user("member")
    secret, _codes = set_up_two_step(member)
    with pytest.raises(ValidationError), unit_of_work() as session:
        two_step.verify(session, session.get(User, member.id), code(secret, 3))
    with unit_of_work() as session:
        assert two_step.verify(session, session.get(User, member.id), code(secret, 1)) == "app"


def test_a_late_code_from_the_previous_step_is_accepted_once(make_user):
    member = make_user("member")
    with unit_of_work() as session:
        row = two_step.begin(session, session.get(User, member.id))
        secret = row.secret
    now = time.time()
    earlier = code(secret)  # typed just before the step turned
    with unit_of_work() as session:
        two_step.confirm(session, session.get(User, member.id), earlier, now=now + 30)
    with pytest.raises(ValidationError), unit_of_work() as session:
        two_step.verify(session, session.get(User, member.id), earlier, now=now + 30)


def test_once_required_a_chair_login_without_it_names_nobody(make_user):
    chair = make_user("chair", "member")
    member = make_user("member")
    admin = make_user("admin")
    logins = {}
    with unit_of_work() as session:
        for person in (chair, member, admin):
            user = session.get(User, person.id)
            logins[person.id] = login_sessions.start(
                session, user, address="127.0.0.1", device="test", remember=False
            )
    set_up_two_step(admin)
    with unit_of_work() as session:
        # the administrator's own login from before (set_up_two_step ended it): start again
        user = session.get(User, admin.id)
        logins[admin.id] = login_sessions.start(
            session, user, address="127.0.0.1", device="test", remember=False, second_step=True
        )
    with unit_of_work() as session:
        two_step.set_required(session, session.get(User, admin.id), True)
    db.session.expire_all()
    found = login_sessions.logged_in(db.session, logins.values())
    assert {u.id for u in found.values()} == {member.id, admin.id}
    assert login_sessions.find(db.session, logins[chair.id]) is None


def test_a_chair_cannot_turn_it_off_while_required(make_user):
    chair = make_user("chair", "member")
    admin = make_user("admin")
    set_up_two_step(admin)
    set_up_two_step(chair)
    with unit_of_work() as session:
        two_step.set_required(session, session.get(User, admin.id), True)
    with pytest.raises(InvalidState), unit_of_work() as session:
        two_step.turn_off(session, session.get(User, chair.id), password="password-di-prova")
