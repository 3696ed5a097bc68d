"""The one place that says who may do what. Views, socket handlers and templates ask here.

A rule is the set of roles that may act (empty: anyone, the public included), optionally
narrowed by a check on the object acted upon (the author of a proposal, the organisation
invited to co-sign…). State rules (a deadline passed, a proposal already submitted) are the
domain operations' business: they raise InvalidState with their own reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from council.errors import NotAllowed
from council.models.user import Role, User


class System:
    """The council's own machinery acting, not a person: the scheduler, the CLI, the demo
    data, migrations of data, a registration's account, and a vote's result applied to what it
    decided. Operations the system may perform take it explicitly (`SYSTEM`) and skip their
    permission check for it alone; `None` is always the public. The record names no one for
    it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = System()  # the one instance: compare with `is`

STAKEHOLDER, MEMBER, SECRETARY, CHAIR, ADMIN = (
    Role.STAKEHOLDER,
    Role.MEMBER,
    Role.SECRETARY,
    Role.CHAIR,
    Role.ADMIN,
)
ANYONE: frozenset[Role] = frozenset()
PARTICIPANTS = frozenset({STAKEHOLDER, MEMBER, SECRETARY, CHAIR})
ACCOUNT_HOLDERS = frozenset(Role)
# who must sign in in two steps once the administrators require it
# (council/domain/accounts/two_step.py)
TWO_STEP_ROLES = frozenset({CHAIR, SECRETARY, ADMIN})

# action -> roles that may perform it. An empty set means anyone, the public included.
RULES: dict[str, frozenset[Role]] = {
    "record.read": ANYONE,
    "account.approve": frozenset({SECRETARY, ADMIN}),
    "account.list": frozenset({SECRETARY, ADMIN}),
    "account.manage": frozenset({ADMIN}),
    "role.manage": frozenset({ADMIN}),
    "organisation.manage": frozenset({ADMIN}),
    "zone.manage": frozenset({ADMIN}),
    "community_point.manage": frozenset({ADMIN}),
    "topic.manage": frozenset({ADMIN}),
    "admin.enter": frozenset({SECRETARY, ADMIN}),
    "settings.manage": frozenset({ADMIN}),  # e.g. require two-step sign-in
    # proposals
    "proposal.read": ANYONE,  # published ones; drafts: see proposal.read_draft
    "proposal.read_draft": PARTICIPANTS,  # its author, or a member of an invited organisation
    "proposal.create": PARTICIPANTS,
    "proposal.edit": PARTICIPANTS,  # its author only
    "proposal.submit": PARTICIPANTS,  # its author only
    "proposal.withdraw": PARTICIPANTS,  # its author only
    "proposal.invite_cosigner": PARTICIPANTS,  # its author only
    "proposal.cosign_respond": PARTICIPANTS,  # a representative of the invited organisation
    "proposal.support": PARTICIPANTS,  # for one's own organisation
    "proposal.schedule": frozenset({SECRETARY}),  # onto a meeting's agenda
    "proposal.refer_back": frozenset({SECRETARY, CHAIR}),
    "proposal.record_outcome": frozenset({SECRETARY, CHAIR}),  # by hand; a vote acts as system
    # comments
    "comment.create": PARTICIPANTS,
    "comment.edit": PARTICIPANTS,  # its author only
    "comment.delete": PARTICIPANTS,  # its author only
    "comment.moderate": frozenset({SECRETARY}),
    # amendments
    "amendment.create": PARTICIPANTS,
    "amendment.decide": PARTICIPANTS,  # the proposal's author: accept, or send to the vote
    "amendment.withdraw": PARTICIPANTS,  # the amendment's author
    "amendment.record_outcome": frozenset({SECRETARY, CHAIR}),  # by hand; a vote acts as system
    # following and notifications
    "follow": ACCOUNT_HOLDERS,
    "notifications.read": ACCOUNT_HOLDERS,
    # meetings and live sessions
    "meeting.read_draft": frozenset({SECRETARY, CHAIR}),  # a meeting not yet convened
    "meeting.prepare": frozenset({SECRETARY}),  # details, agenda, documents
    "meeting.convene": frozenset({SECRETARY}),
    "session.run": frozenset({CHAIR}),  # open/suspend/close, items, floor, timer
    "attendance.manage": frozenset({SECRETARY, CHAIR}),  # mark others present or absent
    "attendance.self": frozenset({MEMBER}),
    "speakers.request": frozenset({MEMBER}),
    "proxy.grant": frozenset({MEMBER}),
    # polls and decisions
    "poll.prepare": frozenset({CHAIR}),
    "poll.run": frozenset({CHAIR}),  # open and close
    "ballot.cast": frozenset({MEMBER}),  # also: declare a conflict of interest
    # record the vote a member present declares aloud (appello nominale): declared_votes.py
    "ballot.declare": frozenset({SECRETARY, CHAIR}),
    "decision.record": frozenset({SECRETARY, CHAIR}),
    # the implementation status (stato di attuazione) of approved decisions: dated updates
    "implementation.update": frozenset({SECRETARY, ADMIN}),
    # minutes (verbali): approved ones are public; a vote of the council approves them
    "minutes.manage": frozenset({SECRETARY}),  # draft, edit, put on an agenda for approval
    "minutes.read_draft": frozenset({SECRETARY, CHAIR, ADMIN, MEMBER}),  # members: see below
    # online consultations (consultazioni online)
    "consultation.manage": frozenset({SECRETARY, CHAIR}),  # drafts, open, close; sees drafts
    "consultation.respond": frozenset({MEMBER, STAKEHOLDER}),  # those of its audience
}


def _is_author(user: User, obj: Any) -> bool:
    return getattr(obj, "author_id", None) == user.id


def _proposal_of(obj: Any) -> Any:
    return getattr(obj, "proposal", obj)


def _invited_organisation(user: User, obj: Any) -> bool:
    """obj is a ProposalCosigner: the user represents its organisation."""
    return user.organisation_id is not None and user.organisation_id == getattr(
        obj, "organisation_id", None
    )


def _can_read_draft(user: User, proposal: Any) -> bool:
    if _is_author(user, proposal):
        return True
    return user.organisation_id is not None and any(
        c.organisation_id == user.organisation_id for c in getattr(proposal, "cosigners", [])
    )


def _has_organisation(user: User, _obj: Any) -> bool:
    return user.organisation_id is not None


def _proposal_author(user: User, obj: Any) -> bool:
    return _is_author(user, _proposal_of(obj))


def _in_audience(user: User, consultation: Any) -> bool:
    """obj is a Consultation: members answer the members', stakeholders the stakeholders'."""
    audience = str(getattr(consultation, "audience", ""))
    wanted = {"members": MEMBER, "stakeholders": STAKEHOLDER}.get(audience)
    return wanted is not None and wanted in user.roles


def _minutes_draft_reader(user: User, minutes: Any) -> bool:
    """obj is a Minutes draft: the office reads it at any time; members once it is on the
    agenda of a meeting for approval (they are to vote on it)."""
    if user.roles & {SECRETARY, CHAIR, ADMIN}:
        return True
    return getattr(minutes, "approval_item_id", None) is not None


# action -> extra check on the object, applied after the role check when an object is given.
OBJECT_RULES: dict[str, Callable[[User, Any], bool]] = {
    "proposal.read_draft": _can_read_draft,
    "proposal.edit": _is_author,
    "proposal.submit": _is_author,
    "proposal.withdraw": _is_author,
    "proposal.invite_cosigner": _is_author,
    "proposal.cosign_respond": _invited_organisation,
    "proposal.support": _has_organisation,
    "comment.edit": _is_author,
    "comment.delete": _is_author,
    "amendment.decide": _proposal_author,
    "amendment.withdraw": _is_author,
    "consultation.respond": _in_audience,
    "minutes.read_draft": _minutes_draft_reader,
}


def as_user(actor: Any) -> User | None:
    """The acting user, or None for the public (anonymous, pending or disabled accounts)."""
    if isinstance(actor, User) and actor.is_active:
        return actor
    return None


def can(actor: Any, action: str, obj: Any = None) -> bool:
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    allowed = RULES[action]
    user = as_user(actor)
    if allowed and (user is None or not (user.roles & allowed)):
        return False
    check = OBJECT_RULES.get(action)
    if check is not None and obj is not None:
        return user is not None and check(user, obj)
    return True


def require_unless_system(actor: Any, action: str, obj: Any = None) -> User | System:
    """For an operation the system may also perform: SYSTEM passes, anyone else (the public,
    None, included) is checked as by require()."""
    if actor is SYSTEM:
        return SYSTEM
    return require(actor, action, obj)


def require(actor: Any, action: str, obj: Any = None) -> User:
    """Return the acting user if allowed, else raise NotAllowed with a readable reason."""
    if not can(actor, action, obj):
        if as_user(actor) is None:
            raise NotAllowed(_("Log in to do this."))
        raise NotAllowed(_("You are not allowed to do this."))
    return as_user(actor)  # type: ignore[return-value]  # what require() guards needs a user
