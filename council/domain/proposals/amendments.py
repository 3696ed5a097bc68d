"""Amendments (emendamenti): a proposed new text of a proposal, with its reason.

Proposed by a participant while the proposal is in consultation; the proposal's author
accepts it (a new version) or sends it to the council's vote, whose outcome is recorded by
`record_amendment_outcome` (approved: a new version, as if accepted). Its author may
withdraw it while it is only proposed. Each step is a record event (`amendment.*`,
subject `amendment:<id>`).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from council import markdown, plain_text, public_paths
from council.domain import permissions
from council.domain.notifications import follows, notifications
from council.domain.permissions import System
from council.domain.proposals import proposal_queries, proposals
from council.domain.record import record
from council.errors import InvalidState, NotFound, ValidationError
from council.models.base import utcnow
from council.models.proposal import (
    Amendment,
    AmendmentState,
    FollowTarget,
    Proposal,
    ProposalState,
    ProposalVersion,
)
from council.models.user import User

MIN_REASON = 10
MAX_REASON = 2_000
MAX_BODY = proposals.MAX_BODY
# The author may accept while the text may still change; the council votes until the end.
ACCEPTABLE = frozenset({ProposalState.CONSULTATION, ProposalState.REFERRED_BACK})
VOTABLE = frozenset(
    {ProposalState.CONSULTATION, ProposalState.REFERRED_BACK, ProposalState.ON_AGENDA}
)


def subject(amendment: Amendment) -> str:
    return f"amendment:{amendment.id}"


# --- reading --------------------------------------------------------------------------------


def of_proposal(db: Session, proposal: Proposal) -> list[Amendment]:
    return list(
        db.scalars(
            select(Amendment).where(Amendment.proposal_id == proposal.id).order_by(Amendment.number)
        )
    )


def get(db: Session, actor, proposal_id: int, number: int) -> Amendment:
    """The amendment if the actor may read its proposal. Raises NotFound."""
    proposal = proposal_queries.get_visible(db, actor, proposal_id)
    amendment = db.scalar(
        select(Amendment).where(Amendment.proposal_id == proposal.id, Amendment.number == number)
    )
    if amendment is None:
        raise NotFound(_("This amendment does not exist."))
    return amendment


def open_for_amendments(proposal: Proposal, now: datetime | None = None) -> bool:
    """In consultation and before its deadline."""
    now = now or utcnow()
    deadline = proposal.consultation_deadline
    return proposal.state == ProposalState.CONSULTATION and (deadline is None or now < deadline)


def is_stale(amendment: Amendment) -> bool:
    """The proposal's text changed after the amendment was written on it."""
    return amendment.base_version.number != amendment.proposal.current_version


# --- checking what people type --------------------------------------------------------------


def clean_reason(reason: str) -> str:
    reason = plain_text.clean(reason).strip()
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise ValidationError(
            _(
                "Explain the amendment in %(a)d to %(b)d characters (now %(n)d).",
                a=MIN_REASON,
                b=MAX_REASON,
                n=len(reason),
            ),
            field="reason",
        )
    markdown.check(reason, "reason")
    return reason


def clean_body(body: str) -> str:
    return proposals.clean_body(body, empty=_("Write the amended text."))


# --- writing --------------------------------------------------------------------------------


def _lock(db: Session, amendment: Amendment) -> None:
    """Re-read proposal and amendment in this transaction (row-locked on PostgreSQL), always
    in this order, so that two decisions on the same amendment serialise."""
    proposals.lock(db, amendment.proposal)
    db.refresh(amendment, with_for_update=True)


def _params(amendment: Amendment, **extra) -> dict:
    return proposals.params(amendment.proposal, number=amendment.number, **extra)


def _tell_author(db: Session, actor: User | System, amendment: Amendment, outcome: str) -> None:
    notifications.notify(
        db, [amendment.author], kind="amendment_decided", subject=subject(amendment),
        url=public_paths.amendment(amendment), params=_params(amendment, outcome=outcome),
        actor=actor,
    )  # fmt: skip


def _event(db: Session, kind: str, actor: User | System, amendment: Amendment, **data) -> None:
    record.append(
        db, kind=kind, actor=actor, subject=subject(amendment),
        data={"proposal": amendment.proposal_id, "number": amendment.number, **data},
    )  # fmt: skip


def propose(
    db: Session,
    actor: User,
    proposal: Proposal,
    *,
    body: str,
    reason: str,
    now: datetime | None = None,
) -> Amendment:
    """Propose a new text for a proposal in consultation, before its deadline; numbered 1, 2…
    per proposal. The proposer then follows the proposal. Raises NotAllowed, NotFound (a
    draft), InvalidState (not in consultation, deadline passed), ValidationError."""
    user = permissions.require(actor, "amendment.create", proposal)
    proposals.lock(db, proposal)
    if not proposal_queries.visible(user, proposal):
        raise NotFound(_("This proposal does not exist."))
    if not open_for_amendments(proposal, now):
        raise InvalidState(
            _("Amendments can be proposed only while the proposal is in consultation.")
        )
    body, reason = clean_body(body), clean_reason(reason)
    base = proposal_queries.current(db, proposal)
    if body == base.body:
        raise ValidationError(_("The amended text is the same as the current one."), field="body")
    number = (
        db.scalar(select(func.max(Amendment.number)).where(Amendment.proposal_id == proposal.id))
        or 0
    ) + 1
    amendment = Amendment(
        proposal=proposal, number=number, base_version=base, author=user, body=body, reason=reason
    )
    db.add(amendment)
    proposal.last_activity_at = utcnow()
    db.flush()
    _event(
        db, "amendment.proposed", user, amendment,
        base_version=base.number, body_sha256=plain_text.sha256(body),
    )  # fmt: skip
    notifications.notify(
        db, [proposal.author], kind="amendment_proposed", subject=subject(amendment),
        url=public_paths.amendment(amendment), params=_params(amendment), actor=user,
    )  # fmt: skip
    follows.add(db, user, FollowTarget.PROPOSAL, proposal.id)
    return amendment


def _require_proposed(amendment: Amendment) -> None:
    if amendment.state != AmendmentState.PROPOSED:
        raise InvalidState(_("This amendment has already been decided or withdrawn."))


def _apply(db: Session, actor: User | System, amendment: Amendment, to: AmendmentState) -> None:
    """The amendment's text becomes the proposal's next version."""
    proposal = amendment.proposal
    if is_stale(amendment):
        raise InvalidState(_("The text has changed since this amendment was proposed."))
    number = proposal.current_version + 1
    verb = "accolto" if to == AmendmentState.ACCEPTED else "approvato"
    version = ProposalVersion(
        proposal_id=proposal.id,
        number=number,
        title=proposal.title,
        body=amendment.body,
        # Stored text, in the council's language, as the author would have written it.
        change_note=f"Emendamento n. {amendment.number} {verb}",
        author_id=amendment.author_id,
        amendment_id=amendment.id,
    )
    db.add(version)
    db.flush()
    moment = utcnow()
    proposal.current_version, proposal.last_activity_at = number, moment
    amendment.state, amendment.decided_at = to, moment
    amendment.resulting_version_id = version.id
    db.flush()
    _event(db, f"amendment.{to}", actor, amendment, version=number)
    followers = notifications.followers(db, FollowTarget.PROPOSAL, proposal.id)
    notifications.notify(
        db, [u for u in followers if u.id != amendment.author_id], kind="new_version",
        subject=proposals.subject(proposal), url=public_paths.proposal(proposal),
        params=proposals.params(proposal, number=number), actor=actor,
    )  # fmt: skip
    _tell_author(db, actor, amendment, str(to))


def accept(db: Session, actor: User, amendment: Amendment) -> Amendment:
    """The proposal's author takes the amendment in: its text becomes a new version. Raises
    NotAllowed, InvalidState (decided, proposal not changeable, the text changed since)."""
    user = permissions.require(actor, "amendment.decide", amendment)
    _lock(db, amendment)
    _require_proposed(amendment)
    if amendment.proposal.state not in ACCEPTABLE:
        raise InvalidState(_("The proposal's text can no longer be changed by its author."))
    _apply(db, user, amendment, AmendmentState.ACCEPTED)
    return amendment


def send_to_vote(db: Session, actor: User, amendment: Amendment) -> Amendment:
    """The proposal's author leaves the amendment to the council's vote. Raises NotAllowed,
    InvalidState."""
    user = permissions.require(actor, "amendment.decide", amendment)
    _lock(db, amendment)
    _require_proposed(amendment)
    if amendment.proposal.state not in VOTABLE:
        raise InvalidState(_("The proposal is decided or withdrawn."))
    amendment.state = AmendmentState.TO_VOTE
    db.flush()
    _event(db, "amendment.sent_to_vote", user, amendment)
    _tell_author(db, user, amendment, "to_vote")
    return amendment


def withdraw(db: Session, actor: User, amendment: Amendment) -> Amendment:
    """Its author withdraws an amendment not yet decided. Raises NotAllowed, InvalidState."""
    user = permissions.require(actor, "amendment.withdraw", amendment)
    _lock(db, amendment)
    _require_proposed(amendment)
    amendment.state, amendment.decided_at = AmendmentState.WITHDRAWN, utcnow()
    db.flush()
    _event(db, "amendment.withdrawn", user, amendment)
    return amendment


def record_amendment_outcome(
    db: Session, actor: User | System | None, amendment: Amendment, approved: bool
) -> Amendment:
    """The council's vote on an amendment sent to it; `actor` is SYSTEM when the result of a
    poll applies it. Approved: its text becomes a new version. Raises NotAllowed, InvalidState
    (not to be voted, proposal decided, the text changed since)."""
    actor = permissions.require_unless_system(actor, "amendment.record_outcome", amendment)
    _lock(db, amendment)
    if amendment.state != AmendmentState.TO_VOTE:
        raise InvalidState(_("This amendment is not waiting for the council's vote."))
    if amendment.proposal.state not in VOTABLE:
        raise InvalidState(_("The proposal is decided or withdrawn."))
    if approved:
        _apply(db, actor, amendment, AmendmentState.APPROVED)
        return amendment
    amendment.state, amendment.decided_at = AmendmentState.REJECTED, utcnow()
    db.flush()
    _event(db, "amendment.rejected", actor, amendment)
    _tell_author(db, actor, amendment, "rejected")
    return amendment
