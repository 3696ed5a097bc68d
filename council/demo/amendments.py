"""Demo amendments on the demo proposals still in consultation: one accepted by the author (a
new version), one left to the council's vote, one waiting, one withdrawn. Everything goes
through the domain operations, so the record and the notifications tell the same story."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain.proposals import amendments
from council.models.proposal import Proposal, ProposalState
from council.models.user import User

# On the first and second open consultation: (who, added paragraph, reason, what happens next)
AMENDMENTS: list[list[tuple[str, str, str, str | None]]] = [
    [
        (
            "consigliere9",
            "Dopo dodici mesi il servizio è valutato con un rapporto pubblico al Consiglio, "
            "che riporti quante persone sono state raggiunte e con quali risultati.",
            "Senza una verifica fissata fin da ora il progetto rischia di proseguire per "
            "inerzia: chiediamo una valutazione pubblica a un anno.",
            "accept",
        ),
        (
            "portatore4",
            "Almeno un terzo delle risorse è riservato alle realtà del quartiere che non hanno "
            "ancora partecipato a progetti finanziati dal Comune.",
            "Per allargare la rete: le stesse associazioni vincono sempre i bandi e le più "
            "piccole restano fuori.",
            "to_vote",
        ),
    ],
    [
        (
            "consigliere12",
            "Le attività si svolgono anche il sabato mattina, per chi lavora durante la settimana.",
            "Molte famiglie non possono partecipare negli orari d'ufficio.",
            None,
        ),
        (
            "portatore7",
            "Il servizio è gestito esclusivamente da volontari.",
            "Proposta ritirata dopo il confronto con le cooperative del quartiere.",
            "withdraw",
        ),
    ],
]


def _person(db: Session, local: str) -> User | None:
    return db.scalar(select(User).where(User.email == f"{local}@example.org"))


def load_amendments(db: Session) -> None:
    """The demo amendments; runs inside the demo's transaction, after load_proposals()."""
    now = datetime.now(UTC)
    open_ones = [
        p
        for p in db.scalars(
            select(Proposal)
            .where(Proposal.state == ProposalState.CONSULTATION)
            .order_by(Proposal.id)
        )
        if amendments.open_for_amendments(p, now)
    ]
    for proposal, specs in zip(open_ones, AMENDMENTS, strict=False):
        for who, paragraph, reason, then in specs:
            person = _person(db, who)
            if person is None or person.id == proposal.author_id:
                continue
            db.refresh(proposal)
            base = next(v for v in proposal.versions if v.number == proposal.current_version)
            current = base.body
            amendment = amendments.propose(
                db, person, proposal, body=f"{current}\n\n{paragraph}", reason=reason
            )
            if then == "accept":
                amendments.accept(db, proposal.author, amendment)
            elif then == "to_vote":
                amendments.send_to_vote(db, proposal.author, amendment)
            elif then == "withdraw":
                amendments.withdraw(db, person, amendment)
    db.flush()
