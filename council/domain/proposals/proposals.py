"""Proposals (proposte): drafting, versions, the consultation and the other states, co-signing
organisations and supports. Each operation checks the rules, writes the rows, appends the
record event (once the proposal is public) and notifies, all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from council import markdown, plain_text, public_paths
from council.domain import permissions
from council.domain.notifications import follows, notifications
from council.domain.permissions import System
from council.domain.proposals import proposal_queries
from council.domain.record import record
from council.domain.record.record import format_at
from council.errors import InvalidState, ValidationError
from council.models.base import utcnow
from council.models.organisation import Zone
from council.models.poll import Poll, PollState
from council.models.proposal import (
    TRANSITIONS,
    FollowTarget,
    Proposal,
    ProposalState,
    ProposalVersion,
    Topic,
)
from council.models.user import User

MAX_TITLE = 200
MIN_TITLE = 3
MAX_BODY = 50_000
MAX_NOTE = 500
MIN_CONSULTATION = timedelta(hours=24)
MAX_CONSULTATION = timedelta(days=180)
EDITABLE = frozenset({ProposalState.DRAFT, ProposalState.CONSULTATION, ProposalState.REFERRED_BACK})
FINAL = frozenset({ProposalState.APPROVED, ProposalState.REJECTED, ProposalState.WITHDRAWN})


def subject(proposal: Proposal) -> str:
    return f"proposal:{proposal.id}"


# --- checking what people type ----------------------------------------------------------------


def clean_title(title: str) -> str:
    title = plain_text.clean(title, one_line=True)
    if len(title) < MIN_TITLE:
        raise ValidationError(
            _("Write a title of at least %(n)d characters.", n=MIN_TITLE), field="title"
        )
    if len(title) > MAX_TITLE:
        raise ValidationError(
            _("The title is too long: at most %(n)d characters.", n=MAX_TITLE), field="title"
        )
    return title


def clean_body(body: str, empty: str | None = None) -> str:
    """A markdown text without control characters, at most MAX_BODY long; `empty` is the
    message when nothing was written (amendments have their own)."""
    body = plain_text.clean(body).strip("\n")
    if not body.strip():
        raise ValidationError(empty or _("Write the text of the proposal."), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(
            _(
                "The text is too long: %(length)d characters, at most %(n)d.",
                length=len(body),
                n=MAX_BODY,
            ),
            field="body",
        )
    markdown.check(body, "body")
    return body


def clean_note(note: str, field: str = "change_note") -> str:
    note = plain_text.clean(note, one_line=True)
    if len(note) > MAX_NOTE:
        raise ValidationError(_("At most %(n)d characters.", n=MAX_NOTE), field=field)
    return note


def check_deadline(deadline: datetime | None, now: datetime | None = None) -> datetime:
    """The end of a consultation: between 24 hours and 180 days from now, an aware datetime."""
    now = now or utcnow()
    if deadline is None or deadline.tzinfo is None:
        raise ValidationError(
            _("Choose the date and time the consultation closes."), field="deadline"
        )
    deadline = deadline.astimezone(UTC).replace(second=0, microsecond=0)
    if deadline < now + MIN_CONSULTATION:
        raise ValidationError(_("The consultation must last at least 24 hours."), field="deadline")
    if deadline > now + MAX_CONSULTATION:
        raise ValidationError(_("The consultation can last at most 180 days."), field="deadline")
    return deadline


# --- helpers ----------------------------------------------------------------------------------


def lock(db: Session, proposal: Proposal) -> None:
    """Re-read the proposal inside this transaction (row-locked on PostgreSQL): the page that
    led here may have seen an older state."""
    db.refresh(proposal, with_for_update=True)


def _zone_ids(zones: Iterable[Zone]) -> list[int]:
    return sorted({z.id for z in zones})


def _followers(db: Session, proposal: Proposal) -> list[User]:
    return notifications.followers(db, FollowTarget.PROPOSAL, proposal.id)


def params(proposal: Proposal, **extra) -> dict:
    return {"title": proposal.title, "proposal": proposal.id, **extra}


def require_editable(proposal: Proposal) -> None:
    if proposal.state == ProposalState.ON_AGENDA:
        raise InvalidState(
            _("The proposal is on the agenda of a meeting: its text can no longer be changed.")
        )
    if proposal.state in FINAL:
        raise InvalidState(_("The proposal is decided or withdrawn: it can no longer be changed."))


def _move(
    db: Session,
    actor: User | System,
    proposal: Proposal,
    to: ProposalState,
    *,
    reason: str = "",
    **data,
) -> None:
    """Apply one transition of the state machine, record it and tell the followers."""
    old = proposal.state
    if to not in TRANSITIONS[old]:
        raise InvalidState(
            _("This is not possible in the proposal's current state (%(state)s).",
              state=proposal_queries.STATE_LABELS[old])
        )  # fmt: skip
    proposal.state = to
    proposal.last_activity_at = utcnow()
    db.flush()
    if not proposal_queries.is_public(proposal):
        return  # a draft discarded before submission stays private
    payload = {"from": str(old), "to": str(to), **data}
    if reason:
        payload["reason"] = reason
    record.append(db, kind="proposal.state_changed", actor=actor, subject=subject(proposal),
                  data=payload)  # fmt: skip
    notifications.notify(
        db, _followers(db, proposal), kind="state_changed", subject=subject(proposal),
        url=public_paths.proposal(proposal), params=params(proposal, state=str(to)), actor=actor,
    )  # fmt: skip


def move(db: Session, actor: User, proposal: Proposal, to: ProposalState, **data) -> None:
    """One transition, recorded and announced as every other: for the operations of other
    modules that check their own rules first (unvoted.py). Never to an outcome: only
    `record_outcome`, from the council's vote, reaches approved or rejected."""
    if to in (ProposalState.APPROVED, ProposalState.REJECTED):
        raise InvalidState(
            _("A proposal is approved or rejected only by the council's vote on it, in a meeting.")
        )
    _move(db, actor, proposal, to, **data)


# --- writing ----------------------------------------------------------------------------------


def create(
    db: Session,
    actor: User,
    *,
    title: str,
    body: str,
    topic: Topic | None = None,
    zones: Iterable[Zone] = (),
) -> Proposal:
    """A new draft (version 1), filed for the author's organisation; private until submitted,
    so nothing is recorded yet. The author follows it. Raises NotAllowed, ValidationError."""
    user = permissions.require(actor, "proposal.create")
    title, body = clean_title(title), clean_body(body)
    moment = utcnow()
    proposal = Proposal(
        title=title,
        state=ProposalState.DRAFT,
        author_id=user.id,
        organisation_id=user.organisation_id,
        topic=topic,
        current_version=1,
        created_at=moment,
        last_activity_at=moment,
    )
    proposal.zones = list({z.id: z for z in zones}.values())
    proposal.versions = [ProposalVersion(number=1, title=title, body=body, author_id=user.id)]
    db.add(proposal)
    db.flush()
    follows.add(db, user, FollowTarget.PROPOSAL, proposal.id)
    return proposal


def edit(
    db: Session,
    actor: User,
    proposal: Proposal,
    *,
    title: str,
    body: str,
    topic: Topic | None,
    zones: Iterable[Zone],
    change_note: str = "",
) -> Proposal:
    """Change a proposal. A draft is changed in place (still version 1); once submitted, a new
    text is a new version, recorded and announced to followers. Raises NotAllowed,
    InvalidState (on the agenda, decided, withdrawn), ValidationError (nothing changed)."""
    user = permissions.require(actor, "proposal.edit", proposal)
    lock(db, proposal)
    require_editable(proposal)
    title, body = clean_title(title), clean_body(body)
    change_note = clean_note(change_note)
    zones = list({z.id: z for z in zones}.values())
    latest = proposal_queries.current(db, proposal)
    meta_changed = (topic.id if topic else None) != proposal.topic_id or _zone_ids(
        zones
    ) != _zone_ids(proposal.zones)
    text_changed = title != latest.title or body != latest.body
    proposal.topic, proposal.zones = topic, zones
    if not proposal_queries.is_public(proposal):
        latest.title, latest.body, proposal.title = title, body, title
        db.flush()
        return proposal
    if not text_changed and not meta_changed:
        raise ValidationError(_("Nothing was changed."), field="body")
    proposal.last_activity_at = utcnow()
    if meta_changed:
        record.append(
            db, kind="proposal.updated", actor=user, subject=subject(proposal),
            data={"topic": topic.id if topic else None, "zones": _zone_ids(zones)},
        )  # fmt: skip
    if text_changed:
        number = proposal.current_version + 1
        db.add(
            ProposalVersion(
                proposal_id=proposal.id, number=number, title=title, body=body,
                change_note=change_note, author_id=user.id,
            )
        )  # fmt: skip
        proposal.current_version, proposal.title = number, title
        db.flush()
        record.append(
            db, kind="proposal.version_added", actor=user, subject=subject(proposal),
            data={"version": number, "title": title, "body_sha256": plain_text.sha256(body),
                  "change_note": change_note},
        )  # fmt: skip
        notifications.notify(
            db, _followers(db, proposal), kind="new_version", subject=subject(proposal),
            url=public_paths.proposal(proposal), params=params(proposal, number=number), actor=user,
        )  # fmt: skip
    db.flush()
    return proposal


def submit(
    db: Session, actor: User, proposal: Proposal, *, deadline: datetime, now: datetime | None = None
) -> Proposal:
    """Open the consultation until `deadline`: a draft becomes public (`proposal.submitted`),
    a proposal referred back is consulted again (`proposal.state_changed`). `now` is the clock
    (demo data and tests). Raises NotAllowed, InvalidState, ValidationError (deadline)."""
    user = permissions.require(actor, "proposal.submit", proposal)
    lock(db, proposal)
    if proposal.state not in (ProposalState.DRAFT, ProposalState.REFERRED_BACK):
        raise InvalidState(_("Only a draft can be submitted for consultation."))
    deadline = check_deadline(deadline, now)
    if proposal.state == ProposalState.REFERRED_BACK:
        proposal.consultation_deadline = deadline
        _move(db, user, proposal, ProposalState.CONSULTATION, deadline=format_at(deadline))
        return proposal
    first = proposal_queries.current(db, proposal)
    moment = now or utcnow()
    proposal.state = ProposalState.CONSULTATION
    proposal.consultation_deadline = deadline
    proposal.submitted_at = proposal.last_activity_at = moment
    db.flush()
    record.append(
        db, kind="proposal.submitted", actor=user, subject=subject(proposal),
        data={
            "version": first.number, "title": first.title,
            "body_sha256": plain_text.sha256(first.body),
            "organisation": proposal.organisation_id,
            "topic": proposal.topic_id, "zones": _zone_ids(proposal.zones),
            "deadline": format_at(deadline),
            "cosigners": [{"organisation": c.organisation_id, "state": str(c.state)}
                          for c in sorted(proposal.cosigners, key=lambda c: c.organisation_id)],
        },
    )  # fmt: skip
    followers = _followers(db, proposal)
    notifications.notify(
        db, followers, kind="state_changed", subject=subject(proposal),
        url=public_paths.proposal(proposal),
        params=params(proposal, state=str(ProposalState.CONSULTATION)), actor=user,
    )  # fmt: skip
    interested: list[User] = []
    for zone in proposal.zones:
        interested += notifications.followers(db, FollowTarget.ZONE, zone.id)
    if proposal.topic_id is not None:
        interested += notifications.followers(db, FollowTarget.TOPIC, proposal.topic_id)
    already = {u.id for u in followers}
    notifications.notify(
        db, [u for u in interested if u.id not in already], kind="new_proposal",
        subject=subject(proposal), url=public_paths.proposal(proposal), params=params(proposal),
        actor=user,
    )  # fmt: skip
    return proposal


def withdraw(db: Session, actor: User, proposal: Proposal, *, reason: str = "") -> Proposal:
    """The author withdraws the proposal, from any state not yet final. Raises NotAllowed,
    InvalidState, ValidationError (reason too long)."""
    user = permissions.require(actor, "proposal.withdraw", proposal)
    lock(db, proposal)
    reason = clean_note(reason, field="reason")
    _move(db, user, proposal, ProposalState.WITHDRAWN, reason=reason)
    return proposal


def schedule(db: Session, actor: User, proposal: Proposal) -> Proposal:
    """Put the proposal on the agenda (the secretary). Raises NotAllowed, InvalidState."""
    user = permissions.require(actor, "proposal.schedule", proposal)
    lock(db, proposal)
    _move(db, user, proposal, ProposalState.ON_AGENDA)
    return proposal


def refer_back(db: Session, actor: User, proposal: Proposal, *, reason: str) -> Proposal:
    """Send a proposal on the agenda back (rinvio), with the reason. Raises NotAllowed,
    InvalidState, ValidationError (no reason)."""
    user = permissions.require(actor, "proposal.refer_back", proposal)
    lock(db, proposal)
    reason = clean_note(reason, field="reason")
    if not reason:
        raise ValidationError(_("Say why the proposal is referred back."), field="reason")
    _move(db, user, proposal, ProposalState.REFERRED_BACK, reason=reason)
    return proposal


def record_outcome(
    db: Session, actor: User | System | None, proposal: Proposal, *, poll: Poll
) -> Proposal:
    """The council's decision on a proposal on the agenda, as `poll` decided it: `actor` is
    SYSTEM when the result of the vote applies it. No proposal is approved or rejected without
    the trail that led there: a closed, valid vote on an agenda item tied to this proposal, in
    a meeting. Raises NotAllowed, InvalidState."""
    actor = permissions.require_unless_system(actor, "proposal.record_outcome", proposal)
    lock(db, proposal)
    if proposal.state != ProposalState.ON_AGENDA:
        raise InvalidState(_("Only a proposal on the agenda can be approved or rejected."))
    if (
        poll is None
        or poll.amendment_id is not None
        or poll.item is None
        or poll.item.proposal_id != proposal.id
    ):
        raise InvalidState(
            _("A proposal is approved or rejected only by the council's vote on it, in a meeting.")
        )
    if poll.state != PollState.CLOSED or not poll.valid:
        raise InvalidState(
            _("The vote on this proposal is not closed with a valid result: nothing is decided.")
        )
    target = ProposalState.APPROVED if poll.approved else ProposalState.REJECTED
    _move(db, actor, proposal, target)
    return proposal
