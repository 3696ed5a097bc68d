"""Demo online consultations: the members' ranking of priorities for the 2027 welfare plan
(open, results hidden until the close), the stakeholders' multiple choice on the Punti di
comunità (closed, with its results) and the members' single choice on the date of the public
assembly (closed early by the secretary). Everything goes through the domain operations, so
the record tells their story; then the closed ones' dates are moved back, for realism (the
record keeps the times the operations really ran)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from council.domain.voting import consultation_queries, consultations
from council.models.base import utcnow
from council.models.consultation import Audience, Consultation, ConsultationResponse
from council.models.user import Role, User, UserRole

PRIORITIES = [
    "Casa: affitti sostenibili e housing sociale",
    "Anziani soli e domiciliarità",
    "Lavoro e inclusione delle persone fragili",
    "Giovani: scuola, doposcuola e spazi di aggregazione",
    "Salute mentale e dipendenze",
    "Famiglie con minori in povertà educativa",
]
SERVICES = [
    "Sportello casa e bollette",
    "Doposcuola e compiti",
    "Spesa solidale e recupero alimentare",
    "Orientamento al lavoro",
    "Corsi di italiano per adulti",
    "Compagnia e trasporto per anziani",
    "Consulenza legale di base",
]
DATES = ["Sabato 13 marzo 2027", "Sabato 20 marzo 2027", "Sabato 27 marzo 2027"]


def _first(db: Session, role: Role) -> User:
    return db.scalars(select(User).join(UserRole).where(UserRole.role == role).limit(1)).one()


def load_consultations(db: Session) -> None:
    """Runs inside the demo's transaction, after the people."""
    secretary, chair = _first(db, Role.SECRETARY), _first(db, Role.CHAIR)
    members = consultation_queries.audience(db, Audience.MEMBERS)
    stakeholders = consultation_queries.audience(db, Audience.STAKEHOLDERS)
    _welfare_plan(db, chair, members)
    _community_points(db, secretary, stakeholders)
    _assembly_date(db, secretary, members)


def _welfare_plan(db: Session, chair: User, members: list[User]) -> None:
    consultation = consultations.create(
        db, chair, title="Priorità del Piano welfare 2027",
        description=(
            "Il Piano di Zona 2027-2029 si prepara ora. Mettete in ordine i sei temi, dal più "
            "urgente per la città: il risultato orienta la bozza che la giunta porterà al "
            "Consiglio.\n\nI risultati si vedono alla chiusura."
        ),
        audience="members", binding=False, kind="ranking", options=PRIORITIES,
        closes_at=utcnow() + timedelta(days=12), results_hidden_until_close=True,
    )  # fmt: skip
    consultations.open_consultation(db, chair, consultation.id)
    ids = [o.id for o in consultation.options]
    for n, member in enumerate(members[2:11]):
        order = ids[n % 3 :] + ids[: n % 3]
        if n % 2:
            order[0], order[1] = order[1], order[0]
        consultations.respond(db, member, consultation.id, order)


def _community_points(db: Session, secretary: User, stakeholders: list[User]) -> None:
    consultation = consultations.create(
        db, secretary, title="Quali servizi nei Punti di comunità?",
        description=(
            "Le realtà del terzo settore indicano fino a **tre** servizi da offrire per primi "
            "nei Punti di comunità dei quartieri. La consultazione è consultiva."
        ),
        audience="stakeholders", binding=False, kind="multiple", max_choices=3,
        options=SERVICES, closes_at=utcnow() + timedelta(days=1),
    )  # fmt: skip
    consultations.open_consultation(db, secretary, consultation.id)
    ids = [o.id for o in consultation.options]
    picks = [(0, 1, 2), (0, 2, 5), (1, 2), (0, 3, 4), (2, 5, 6), (0, 2), (1, 4, 5), (0, 5),
             (2, 3, 5)]  # fmt: skip
    for person, chosen in zip(stakeholders, picks, strict=False):
        consultations.respond(db, person, consultation.id, [ids[k] for k in chosen])
    _move_back(db, consultation, closed_days_ago=9, length=timedelta(days=14))
    consultations.close_due(db, utcnow())


def _assembly_date(db: Session, secretary: User, members: list[User]) -> None:
    consultation = consultations.create(
        db, secretary, title="Data dell'assemblea pubblica di primavera",
        description="Scegliete la data dell'assemblea pubblica sul welfare di comunità.",
        audience="members", binding=True, kind="single", options=DATES,
        closes_at=utcnow() + timedelta(days=3),
    )  # fmt: skip
    consultations.open_consultation(db, secretary, consultation.id)
    ids = [o.id for o in consultation.options]
    for n, member in enumerate(members[:20]):
        consultations.respond(db, member, consultation.id, [ids[(0, 1, 0, 2, 0, 1, 1, 0)[n % 8]]])
    consultations.close(db, secretary, consultation.id)
    _move_back(db, consultation, closed_days_ago=30, length=timedelta(days=7))


def _move_back(
    db: Session, consultation: Consultation, *, closed_days_ago: int, length: timedelta
) -> None:
    """Set the consultation's dates in the past: its closing time `closed_days_ago` days ago,
    after `length` open; one closed early by hand closed a day before its time."""
    closes_at = utcnow() - timedelta(days=closed_days_ago)
    opened = closes_at - length
    consultation.created_at = opened - timedelta(days=2)
    consultation.opens_at, consultation.closes_at = opened, closes_at
    if consultation.closed_at is not None:
        consultation.closed_at = closes_at - timedelta(days=1)
    answered = db.scalars(
        select(ConsultationResponse)
        .where(ConsultationResponse.consultation_id == consultation.id)
        .order_by(ConsultationResponse.id)
    )
    for n, response in enumerate(answered):
        response.created_at = opened + timedelta(hours=3 + 7 * n)
    db.flush()
