"""What many tests make and read: a proposal with its versions, a comment, a row read again as
the database holds it, the record's events, a person's notifications. Each in a real
transaction, as the app would."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from council.domain.discussion import comments
from council.extensions import db
from council.models.comment import Comment
from council.models.notification import Notification
from council.models.proposal import Proposal, ProposalState, ProposalVersion
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work

BODY = (
    "Proponiamo di aprire un **punto di ascolto** per gli anziani soli in ogni quartiere.\n\n"
    "Il punto sarà gestito dalle associazioni di volontariato della zona.\n\n"
    "Il Comune mette a disposizione i locali e copre le spese di apertura."
)
PLAIN_BODY = (  # two paragraphs without markup: what an amendment or a mail quotes as is
    "Proponiamo di aprire un punto di ascolto per gli anziani soli in ogni quartiere.\n\n"
    "Il punto sarà gestito dalle associazioni di volontariato della zona."
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
    """Another version, as an edit by the author would make it (`proposal` follows)."""
    with unit_of_work() as session:
        current = session.get(Proposal, proposal.id, populate_existing=True)
        number = current.current_version + 1
        version = ProposalVersion(
            proposal_id=proposal.id, number=number, title=current.title, body=body,
            author_id=author.id,
        )  # fmt: skip
        session.add(version)
        current.current_version = number
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
    """A comment on the proposal, through the domain."""
    body = body or f"Osservazione numero {next(_numbers)}: sono d'accordo in parte."
    with unit_of_work() as session:
        return comments.post_comment(session, actor, proposal, body, **kwargs)


def reread() -> None:
    """End the test's read transaction and forget loaded rows: see what others committed
    (the live server's threads), as a new request would."""
    db.session.rollback()
    db.session.expire_all()


def fresh(row, row_id=None):
    """The row as the database holds it now: fresh(meeting), or fresh(User, user_id)."""
    reread()
    if row_id is None:
        return db.session.get(type(row), row.id)
    return db.session.get(row, row_id)


def events_of(kind: str) -> list[RecordEvent]:
    """The record's events of this kind, or of every kind it begins when it ends with a dot
    ("comment."), in the record's order (without ORDER BY, PostgreSQL returns rows in any)."""
    match = RecordEvent.kind.startswith(kind) if kind.endswith(".") else RecordEvent.kind == kind
    return list(db.session.scalars(select(RecordEvent).where(match).order_by(RecordEvent.seq)))


def notes_of(user, kind: str | None = None) -> list[Notification]:
    """A person's notifications (of one kind), oldest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))
