"""SYSTEM, the council's own machinery, against None, the public: the operations the system
may perform skip their check for SYSTEM alone; None is refused as any visitor is."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from council.domain import permissions
from council.domain.accounts import accounts
from council.domain.community import organisations, topics
from council.domain.notifications import notifications
from council.domain.permissions import SYSTEM
from council.domain.proposals import amendments
from council.domain.proposals import proposals as proposal_ops
from council.domain.record import record
from council.errors import NotAllowed
from council.extensions import db
from council.models.poll import Poll, PollState
from council.models.proposal import Amendment, Topic
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.conftest import PASSWORD

# the operations that once read `actor=None` as "the system": each is now refused to None
BY_THE_SYSTEM_OR_AN_OFFICER = {
    "create_user": lambda s, actor, zone, proposal: accounts.create_user(
        s, actor, email="nuovo@example.org", name="Nuovo Account", password=PASSWORD
    ),
    "save_zone": lambda s, actor, zone, proposal: organisations.save_zone(
        s, actor, None, name="Zona Nuova"
    ),
    "save_community_point": lambda s, actor, zone, proposal: organisations.save_community_point(
        s, actor, None, name="Punto Nuovo", zone=s.merge(zone)
    ),
    "save_organisation": lambda s, actor, zone, proposal: organisations.save_organisation(
        s, actor, None, name="Associazione Nuova", kind="APS", zone=s.merge(zone)
    ),
    "save_topic": lambda s, actor, zone, proposal: topics.save_topic(s, actor, None, name="Casa"),
    "record_outcome": lambda s, actor, zone, proposal: proposal_ops.record_outcome(
        s, actor, s.merge(proposal), poll=Poll(state=PollState.CLOSED, valid=True)
    ),
    "record_amendment_outcome": lambda s, actor, zone, proposal: (
        amendments.record_amendment_outcome(
            s, actor, Amendment(proposal=s.merge(proposal), number=1), True
        )
    ),
}


def test_system_is_one_named_sentinel_that_passes_no_ordinary_check():
    assert repr(SYSTEM) == "SYSTEM" and permissions.System() is not SYSTEM
    assert permissions.as_user(SYSTEM) is None
    assert not permissions.can(SYSTEM, "account.manage")
    assert permissions.can(SYSTEM, "record.read")  # what the public may, nothing more
    with pytest.raises(NotAllowed):
        permissions.require(SYSTEM, "account.manage")
    assert permissions.require_unless_system(SYSTEM, "account.manage") is SYSTEM


@pytest.mark.parametrize("operation", list(BY_THE_SYSTEM_OR_AN_OFFICER))
def test_the_public_is_refused_where_it_used_to_pass_as_the_system(zone, proposal, operation):
    users, events = db.session.scalar(select(func.count(User.id))), record.head(db.session)
    with pytest.raises(NotAllowed), unit_of_work() as session:
        BY_THE_SYSTEM_OR_AN_OFFICER[operation](session, None, zone, proposal)
    assert db.session.scalar(select(func.count(User.id))) == users
    assert record.head(db.session) == events


def test_the_system_acts_and_the_record_names_no_one(app, make_user):
    with unit_of_work() as session:
        topics.save_topic(session, SYSTEM, None, name="Anziani")
        person = accounts.create_user(
            session, SYSTEM, email="anna@example.org", name="Anna Rossi", password=PASSWORD
        )
    head = record.head(db.session)
    assert head.kind == "account.created" and head.actor is None
    assert db.session.scalar(select(Topic.name)) == "Anziani"
    with unit_of_work() as session:
        [note] = notifications.notify(
            session, [session.merge(person)], kind="reply", subject="proposal:1", url="/",
            actor=SYSTEM,
        )  # fmt: skip
    assert "actor_id" not in note.params
