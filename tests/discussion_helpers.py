"""Factories for the discussion tests: proposals with a text, comments, in real transactions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from council.domain import comments
from council.extensions import db
from council.models.comment import Comment
from council.models.proposal import Proposal, ProposalState, ProposalVersion
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work

BODY = (
    "Proponiamo di aprire un **punto di ascolto** per gli anziani soli in ogni quartiere.\n\n"
    "Il punto sarà gestito dalle associazioni di volontariato della zona.\n\n"
    "Il Comune mette a disposizione i locali e copre le spese di apertura."
)


def make_proposal(
    author,
    *,
    state: ProposalState = ProposalState.CONSULTATION,
    deadline: datetime | None = None,
    body: str = BODY,
    title: str = "Punti di ascolto per gli anziani",
    published: bool = True,
) -> Proposal:
    """A proposal straight from the models (version 1), in consultation for a week unless told."""
    now = datetime.now(UTC)
    with unit_of_work() as session:
        proposal = Proposal(
            title=title,
            state=state,
            author_id=author.id,
            organisation_id=author.organisation_id,
            consultation_deadline=deadline or now + timedelta(days=7),
            current_version=1,
            submitted_at=now if published else None,
            created_at=now,
            last_activity_at=now,
        )
        session.add(proposal)
        session.flush()
        session.add(
            ProposalVersion(
                proposal_id=proposal.id, number=1, title=title, body=body, author_id=author.id
            )
        )
    return proposal


def add_version(proposal: Proposal, author, body: str) -> ProposalVersion:
    with unit_of_work() as session:
        number = proposal.current_version + 1
        version = ProposalVersion(
            proposal_id=proposal.id, number=number, title=proposal.title, body=body,
            author_id=author.id,
        )  # fmt: skip
        session.add(version)
        session.merge(proposal).current_version = number
    proposal.current_version = number
    return version


def version_of(proposal: Proposal, number: int = 1) -> ProposalVersion:
    return db.session.scalar(
        select(ProposalVersion).where(
            ProposalVersion.proposal_id == proposal.id, ProposalVersion.number == number
        )
    )


_numbers = itertools.count(1)


def post(actor, proposal, body: str | None = None, **kwargs) -> Comment:
    body = body or f"Osservazione numero {next(_numbers)}: sono d'accordo in parte."
    with unit_of_work() as session:
        return comments.post_comment(session, actor, proposal, body, **kwargs)


def refreshed(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def events_of(kind_prefix: str = "comment.") -> list[RecordEvent]:
    return list(
        db.session.scalars(
            select(RecordEvent)
            .where(RecordEvent.kind.startswith(kind_prefix))
            .order_by(RecordEvent.seq)
        )
    )


def backdate(comment: Comment, minutes: int) -> None:
    """Pretend a comment was written some minutes ago (rate-limit windows)."""
    with unit_of_work() as session:
        row = session.get(Comment, comment.id)
        row.created_at = datetime.now(UTC) - timedelta(minutes=minutes)
