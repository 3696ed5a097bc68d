"""Demo implementation status (stato di attuazione) of the demo's approved decisions, posted by
the secretary through the domain operation after the meetings, so that the archive shows what
was decided and what was done since: the transport service under way (after a first update
while waiting), the designation completed, the approval of the minutes with nothing reported
yet. The updates are posted on the days after the vote, at the story's time (council/clock.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council import clock
from council.domain.archive import implementation
from council.models.archive import Implementation, ImplementationUpdate
from council.models.poll import Decision, Poll, PollKind
from council.models.user import User

TRANSPORT = [
    (1, "not_started", 0,
     "Il Settore Servizi sociali ha avviato la procedura per affidare il servizio: la "
     "determina di impegno di spesa è attesa per la prossima settimana."),
    (3, "in_progress", 35,
     "Affidato il servizio alle due cooperative della zona sud. Due mezzi attrezzati messi a "
     "disposizione dal Comune; le prime corse verso gli ospedali di Chiari e Manerbio sono "
     "prenotabili dal Punto di comunità di Lamarmora."),
]  # fmt: skip
DESIGNATION = [
    (2, "completed", 100,
     "La designazione è stata comunicata all'Ufficio di Piano; la persona designata ha "
     "partecipato alla prima riunione del Tavolo di sistema."),
]  # fmt: skip


def load_archive(db: Session) -> None:
    """Runs inside the demo's transaction, after the meetings and the minutes."""
    secretary = db.scalar(select(User).where(User.email == "segretario@example.org"))
    approved = list(
        db.scalars(
            select(Decision)
            .join(Poll, Poll.id == Decision.poll_id)
            .where(Poll.approved.is_(True))
            .order_by(Decision.year, Decision.seq)
        )
    )
    if secretary is None or not approved:
        return
    transport = next(
        (d for d in approved if d.proposal and d.proposal.title.startswith("Rete di trasporto")),
        None,
    )
    designation = next((d for d in approved if d.poll.kind == PollKind.SECRET), None)
    for decision, steps in ((transport, TRANSPORT), (designation, DESIGNATION)):
        if decision is None:
            continue
        for days, state, progress, text in steps:
            clock.set_story(_when(decision, days))
            update = implementation.post_update(db, secretary, decision.id, state=state,
                                                progress=progress, text=text)  # fmt: skip
            _date(db, update, decision, days)
    clock.set_story(None)


def _when(decision: Decision, days: int) -> datetime:
    day = decision.decided_on + timedelta(days=days)
    return min(datetime.combine(day, time(9, 30), tzinfo=UTC), datetime.now(UTC))


def _date(db: Session, update: ImplementationUpdate, decision: Decision, days: int) -> None:
    at = _when(decision, days)
    update.created_at = at
    db.get_one(Implementation, decision.id).updated_at = at
    db.flush()
