"""Who may do what: the permission table, role by role (public included)."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from council.domain import permissions
from council.models.user import AccountStatus

ROLES = ["public", "stakeholder", "member", "secretary", "chair", "admin"]
# action -> roles that may do it
EXPECTED = {
    "record.read": set(ROLES),
    "admin.enter": {"secretary", "admin"},
    "settings.manage": {"admin"},
    "account.list": {"secretary", "admin"},
    "account.approve": {"secretary", "admin"},
    "account.manage": {"admin"},
    "role.manage": {"admin"},
    "organisation.manage": {"admin"},
    "zone.manage": {"admin"},
    "community_point.manage": {"admin"},
    "topic.manage": {"admin"},
    "proposal.read": set(ROLES),
    "proposal.read_draft": {"stakeholder", "member", "secretary", "chair"},
    "proposal.create": {"stakeholder", "member", "secretary", "chair"},
    "proposal.edit": {"stakeholder", "member", "secretary", "chair"},
    "proposal.submit": {"stakeholder", "member", "secretary", "chair"},
    "proposal.withdraw": {"stakeholder", "member", "secretary", "chair"},
    "proposal.invite_cosigner": {"stakeholder", "member", "secretary", "chair"},
    "proposal.cosign_respond": {"stakeholder", "member", "secretary", "chair"},
    "proposal.support": {"stakeholder", "member", "secretary", "chair"},
    "proposal.schedule": {"secretary"},
    "proposal.refer_back": {"secretary", "chair"},
    "proposal.record_outcome": {"secretary", "chair"},
    "comment.create": {"stakeholder", "member", "secretary", "chair"},
    "comment.edit": {"stakeholder", "member", "secretary", "chair"},
    "comment.delete": {"stakeholder", "member", "secretary", "chair"},
    "comment.moderate": {"secretary"},
    "amendment.create": {"stakeholder", "member", "secretary", "chair"},
    "amendment.decide": {"stakeholder", "member", "secretary", "chair"},
    "amendment.withdraw": {"stakeholder", "member", "secretary", "chair"},
    "amendment.record_outcome": {"secretary", "chair"},
    "follow": {"stakeholder", "member", "secretary", "chair", "admin"},
    "notifications.read": {"stakeholder", "member", "secretary", "chair", "admin"},
    "meeting.read_draft": {"secretary", "chair"},
    "meeting.prepare": {"secretary"},
    "meeting.convene": {"secretary"},
    "session.run": {"chair"},
    "attendance.manage": {"secretary", "chair"},
    "attendance.self": {"member"},
    "speakers.request": {"member"},
    "proxy.grant": {"member"},
    "poll.prepare": {"chair"},
    "poll.run": {"chair"},
    "ballot.cast": {"member"},
    "ballot.declare": {"secretary", "chair"},  # a vote declared aloud (appello nominale)
    "decision.record": {"secretary", "chair"},
    "implementation.update": {"secretary", "admin"},
    "minutes.manage": {"secretary"},
    "minutes.read_draft": {"member", "secretary", "chair", "admin"},  # members: narrowed below
    "consultation.manage": {"secretary", "chair"},
    "consultation.respond": {"stakeholder", "member"},
}


@pytest.fixture
def people(make_user):
    return {"public": AnonymousUserMixin()} | {
        role: make_user(role) for role in ROLES if role != "public"
    }


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_permission_table(people, action):
    allowed = {role for role, person in people.items() if permissions.can(person, action)}
    assert allowed == EXPECTED[action]


def test_every_rule_is_tested():
    assert set(permissions.RULES) <= set(EXPECTED), "add new actions to EXPECTED"


@pytest.mark.parametrize("status", [AccountStatus.PENDING, AccountStatus.DISABLED])
def test_inactive_accounts_act_as_the_public(make_user, status):
    person = make_user("admin", status=status)
    assert not permissions.can(person, "account.manage")
    assert permissions.can(person, "record.read")


def test_object_rules_narrow_to_the_author(make_user):
    from types import SimpleNamespace

    author, other = make_user("stakeholder"), make_user("stakeholder")
    proposal = SimpleNamespace(author_id=author.id, cosigners=[])
    assert permissions.can(author, "proposal.edit", proposal)
    assert not permissions.can(other, "proposal.edit", proposal)
    assert not permissions.can(other, "proposal.read_draft", proposal)
    proposal.cosigners.append(SimpleNamespace(organisation_id=other.organisation_id))
    assert permissions.can(other, "proposal.read_draft", proposal)


def test_consultations_are_answered_by_their_audience_only(make_user):
    from types import SimpleNamespace

    member, stakeholder = make_user("member"), make_user("stakeholder")
    both = make_user("member", "stakeholder")
    members_only = SimpleNamespace(audience="members")
    stakeholders_only = SimpleNamespace(audience="stakeholders")
    assert permissions.can(member, "consultation.respond", members_only)
    assert not permissions.can(member, "consultation.respond", stakeholders_only)
    assert permissions.can(stakeholder, "consultation.respond", stakeholders_only)
    assert not permissions.can(stakeholder, "consultation.respond", members_only)
    assert permissions.can(both, "consultation.respond", members_only)
    assert permissions.can(both, "consultation.respond", stakeholders_only)
    assert not permissions.can(member, "consultation.respond", SimpleNamespace(audience="x"))


def test_members_read_draft_minutes_only_once_on_an_agenda(make_user):
    from types import SimpleNamespace

    member, chair, admin = make_user("member"), make_user("chair"), make_user("admin")
    private, on_agenda = SimpleNamespace(approval_item_id=None), SimpleNamespace(approval_item_id=7)
    assert not permissions.can(member, "minutes.read_draft", private)
    assert permissions.can(member, "minutes.read_draft", on_agenda)
    assert permissions.can(chair, "minutes.read_draft", private)
    assert permissions.can(admin, "minutes.read_draft", private)
    assert not permissions.can(make_user("stakeholder"), "minutes.read_draft", on_agenda)
    assert not permissions.can(AnonymousUserMixin(), "minutes.read_draft", on_agenda)


def test_unknown_actions_are_a_programming_error(make_user):
    with pytest.raises(KeyError):
        permissions.can(make_user("admin"), "no.such.action")
