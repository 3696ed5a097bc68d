"""The organisations behind a proposal: those invited to co-sign it, and those that support it
(adesioni). Private while the proposal is a draft; recorded once it is public."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from council import public_paths
from council.domain import permissions
from council.domain.notifications import follows, notifications
from council.domain.proposals import proposal_queries, proposals
from council.domain.record import record
from council.errors import InvalidState, NotAllowed, ValidationError
from council.models.base import utcnow
from council.models.organisation import Organisation
from council.models.proposal import (
    CosignState,
    FollowTarget,
    Proposal,
    ProposalCosigner,
    ProposalState,
    Support,
)
from council.models.user import AccountStatus, User

MAX_INVITES = 30
SUPPORTABLE = frozenset({ProposalState.CONSULTATION, ProposalState.ON_AGENDA})
INVITABLE = frozenset({ProposalState.DRAFT, ProposalState.CONSULTATION})


def _representatives(db: Session, organisation_id: int) -> list[User]:
    return list(
        db.scalars(
            select(User).where(
                User.organisation_id == organisation_id, User.status == AccountStatus.ACTIVE
            )
        )
    )


# --- co-signing organisations -----------------------------------------------------------------


def invite_cosigners(
    db: Session, actor: User, proposal: Proposal, organisations: Iterable[Organisation]
) -> list[ProposalCosigner]:
    """The author invites organisations to co-sign, while a draft or in consultation; their
    representatives are notified. Raises NotAllowed, InvalidState, ValidationError."""
    user = permissions.require(actor, "proposal.invite_cosigner", proposal)
    proposals.lock(db, proposal)
    if proposal.state not in INVITABLE:
        raise InvalidState(
            _("Organisations can be invited to co-sign only while the proposal is a draft or "
              "in consultation.")
        )  # fmt: skip
    chosen = list({o.id: o for o in organisations}.values())
    if not chosen:
        raise ValidationError(_("Choose at least one organisation."), field="organisations")
    if len(chosen) > MAX_INVITES:
        raise ValidationError(
            _("Invite at most %(n)d organisations at a time.", n=MAX_INVITES), field="organisations"
        )
    invited = {c.organisation_id for c in proposal.cosigners}
    for organisation in chosen:
        if organisation.id == proposal.organisation_id:
            raise ValidationError(
                _("The organisation that files the proposal cannot co-sign it."),
                field="organisations",
            )
        if not organisation.active:
            raise ValidationError(
                _("%(name)s is no longer active.", name=organisation.name), field="organisations"
            )
    new = [o for o in chosen if o.id not in invited]
    if not new:
        raise ValidationError(_("These organisations are already invited."), field="organisations")
    rows = []
    for organisation in sorted(new, key=lambda o: o.id):
        row = ProposalCosigner(
            proposal=proposal, organisation_id=organisation.id, invited_by_id=user.id
        )
        db.add(row)
        rows.append(row)
        db.flush()
        if proposal_queries.is_public(proposal):
            record.append(
                db, kind="proposal.cosigner_invited", actor=user,
                subject=proposals.subject(proposal), data={"organisation": organisation.id},
            )  # fmt: skip
        notifications.notify(
            db, _representatives(db, organisation.id), kind="cosign_invited",
            subject=proposals.subject(proposal), url=public_paths.proposal(proposal),
            params=proposals.params(proposal, organisation=organisation.name), actor=user,
        )  # fmt: skip
    return rows


def invitation_for(proposal: Proposal, user: User | None) -> ProposalCosigner | None:
    """The invitation addressed to the user's organisation, if any."""
    if user is None or getattr(user, "organisation_id", None) is None:
        return None
    for row in proposal.cosigners:
        if row.organisation_id == user.organisation_id:
            return row
    return None


def answer_cosign(
    db: Session, actor: User, proposal: Proposal, *, accept: bool
) -> ProposalCosigner:
    """A representative of an invited organisation accepts or declines, once. Raises
    NotAllowed (not invited), InvalidState (already answered, or too late)."""
    user = permissions.require(actor, "proposal.cosign_respond")
    proposals.lock(db, proposal)
    row = invitation_for(proposal, user)
    if row is None:
        raise NotAllowed(_("Your organisation was not invited to co-sign this proposal."))
    permissions.require(user, "proposal.cosign_respond", row)
    if row.state != CosignState.INVITED:
        raise InvalidState(_("Your organisation has already answered this invitation."))
    if proposal.state not in INVITABLE:
        raise InvalidState(_("The proposal can no longer be co-signed."))
    row.state = CosignState.ACCEPTED if accept else CosignState.DECLINED
    row.responded_by_id, row.responded_at = user.id, utcnow()
    db.flush()
    if accept:
        follows.add(db, user, FollowTarget.PROPOSAL, proposal.id)
    if proposal_queries.is_public(proposal):
        record.append(
            db, kind="proposal.cosign_answered", actor=user, subject=proposals.subject(proposal),
            data={"organisation": row.organisation_id, "accepted": accept},
        )  # fmt: skip
    author = db.get(User, proposal.author_id)
    notifications.notify(
        db, [author] if author else [], kind="cosign_answered", subject=proposals.subject(proposal),
        url=public_paths.proposal(proposal), actor=user,
        params=proposals.params(
            proposal, organisation=row.organisation.name,
            answer="accepted" if accept else "declined",
        ),
    )  # fmt: skip
    return row


def signs(proposal: Proposal, organisation_id: int | None) -> bool:
    """The organisation files or has co-signed the proposal (so it does not "support" it)."""
    return organisation_id is not None and (
        organisation_id == proposal.organisation_id
        or any(
            c.organisation_id == organisation_id and c.state == CosignState.ACCEPTED
            for c in proposal.cosigners
        )
    )


# --- supports (adesioni) ----------------------------------------------------------------------


def _supporting_organisation(db: Session, actor: User, proposal: Proposal) -> Organisation:
    user = permissions.require(actor, "proposal.support")
    if user.organisation_id is None:
        raise NotAllowed(_("Only a representative of an organisation can do this."))
    permissions.require(user, "proposal.support", proposal)
    organisation = db.get(Organisation, user.organisation_id)
    if organisation is None or not organisation.active:
        raise NotAllowed(_("Your organisation is not active."))
    return organisation


def support(db: Session, actor: User, proposal: Proposal) -> Support:
    """The actor's organisation supports the proposal, once, while in consultation or on the
    agenda. Raises NotAllowed, InvalidState (state, already supported, own proposal)."""
    organisation = _supporting_organisation(db, actor, proposal)
    proposals.lock(db, proposal)
    if proposal.state not in SUPPORTABLE:
        raise InvalidState(
            _("Supports are possible only while the proposal is in consultation or on the agenda.")
        )
    if signs(proposal, organisation.id):
        raise InvalidState(_("Your organisation already signs this proposal."))
    if proposal_queries.support_of(db, proposal, organisation.id) is not None:
        raise InvalidState(_("%(name)s already supports this proposal.", name=organisation.name))
    row = Support(proposal_id=proposal.id, organisation_id=organisation.id, user_id=actor.id)
    try:
        with db.begin_nested():  # two representatives clicking at once: the database decides
            db.add(row)
            db.flush()
    except IntegrityError:
        raise InvalidState(
            _("%(name)s already supports this proposal.", name=organisation.name)
        ) from None
    _count_supports(db, proposal, +1)
    record.append(
        db, kind="proposal.supported", actor=actor, subject=proposals.subject(proposal),
        data={"organisation": organisation.id},
    )  # fmt: skip
    return row


def withdraw_support(db: Session, actor: User, proposal: Proposal) -> None:
    """The actor's organisation takes its support back. Raises NotAllowed, InvalidState."""
    organisation = _supporting_organisation(db, actor, proposal)
    proposals.lock(db, proposal)
    if proposal.state not in SUPPORTABLE:
        raise InvalidState(_("Supports can no longer change: the proposal is decided or closed."))
    row = proposal_queries.support_of(db, proposal, organisation.id)
    if row is None:
        raise InvalidState(_("%(name)s does not support this proposal.", name=organisation.name))
    db.delete(row)
    db.flush()
    _count_supports(db, proposal, -1)
    record.append(
        db, kind="proposal.support_withdrawn", actor=actor, subject=proposals.subject(proposal),
        data={"organisation": organisation.id},
    )  # fmt: skip


def _count_supports(db: Session, proposal: Proposal, delta: int) -> None:
    db.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(support_count=Proposal.support_count + delta, last_activity_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.refresh(proposal, ["support_count", "last_activity_at"])
