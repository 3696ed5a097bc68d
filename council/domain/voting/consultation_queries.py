"""Reading online consultations: who sees what, the lists, a person's response, and the
results (totals in one GROUP BY, Borda points for a ranking, places with ties, and when
they may be shown). No row is written here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from council.domain import permissions
from council.errors import NotFound
from council.models.base import utcnow
from council.models.consultation import (
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    ConsultationResponse,
    ConsultationState,
)
from council.models.user import AccountStatus, Role, User, UserRole

AUDIENCE_ROLE = {Audience.MEMBERS: Role.MEMBER, Audience.STAKEHOLDERS: Role.STAKEHOLDER}


def phase(consultation: Consultation, now: datetime | None = None) -> ConsultationState:
    """The state as readers must see it: an open consultation past its closing time is
    closed, even before the scheduler has written so."""
    if consultation.state == ConsultationState.OPEN and consultation.closes_at <= (now or utcnow()):
        return ConsultationState.CLOSED
    return consultation.state


@dataclass(frozen=True)
class OptionResult:
    id: int
    label: str
    count: int  # how many chose it (ranking: how many ranked it, that is everyone)
    points: int | None  # Borda points, ranking only
    share: float  # of the respondents (ranking: of the most points an option could get)
    place: int  # 1 = first; options with the same score share a place
    tied: bool


@dataclass(frozen=True)
class Results:
    kind: ConsultationKind
    respondents: int
    options: list[OptionResult]  # by place, then in the consultation's order


def tally(db: Session, consultation_id: int) -> tuple[int, dict[int, tuple[int, int]]]:
    """Respondents, and for each option chosen: (how many chose it, sum of its ranks)."""
    respondents = db.scalar(
        select(func.count(ConsultationResponse.id)).where(
            ConsultationResponse.consultation_id == consultation_id
        )
    )
    rows = db.execute(
        select(
            ConsultationAnswer.option_id,
            func.count(ConsultationAnswer.id),
            func.coalesce(func.sum(ConsultationAnswer.rank), 0),
        )
        .where(ConsultationAnswer.consultation_id == consultation_id)
        .group_by(ConsultationAnswer.option_id)
    )
    return respondents or 0, {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}


def borda(options: int, count: int, rank_sum: int) -> int:
    """Borda count: with n options, first place earns n-1 points, the last 0."""
    return options * count - rank_sum


def places(scores: list[int]) -> list[int]:
    """Standard competition ranking: scores 9, 7, 7, 3 take places 1, 2, 2, 4."""
    return [1 + sum(other > score for other in scores) for score in scores]


def build(
    consultation: Consultation, respondents: int, totals: dict[int, tuple[int, int | None]]
) -> Results:
    """Results from totals per option id: (count, Borda points or None)."""
    ranking = consultation.kind == ConsultationKind.RANKING
    n = len(consultation.options)
    most = (n - 1) * respondents if ranking else respondents
    rows = []
    for option in consultation.options:
        count, points = totals.get(option.id, (0, 0 if ranking else None))
        rows.append((option, count, points if ranking else None))
    scores = [(points if ranking else count) or 0 for _o, count, points in rows]
    taken = places(scores)
    results = [
        OptionResult(
            id=option.id,
            label=option.label,
            count=count,
            points=points,
            share=(score / most) if most else 0.0,
            place=place,
            tied=respondents > 0 and taken.count(place) > 1,
        )
        for (option, count, points), score, place in zip(rows, scores, taken, strict=True)
    ]
    order = {option.id: option.position for option in consultation.options}
    results.sort(key=lambda r: (r.place, order[r.id]))
    return Results(kind=consultation.kind, respondents=respondents, options=results)


def counted(db: Session, consultation: Consultation) -> Results:
    """Results counted now from the responses."""
    respondents, raw = tally(db, consultation.id)
    n = len(consultation.options)
    totals: dict[int, tuple[int, int | None]] = {
        option_id: (count, borda(n, count, rank_sum))
        for option_id, (count, rank_sum) in raw.items()
    }
    return build(consultation, respondents, totals)


def stored(consultation: Consultation) -> Results:
    """Results as written at the close."""
    totals: dict[int, tuple[int, int | None]] = {
        option.id: (option.count or 0, option.points) for option in consultation.options
    }
    return build(consultation, consultation.respondents or 0, totals)


def visible(consultation: Consultation, now: datetime | None = None) -> bool:
    """Results are public once closed, and while open unless hidden until the close."""
    state = phase(consultation, now)
    if state == ConsultationState.CLOSED:
        return True
    return state == ConsultationState.OPEN and not consultation.results_hidden_until_close


def results(db: Session, consultation: Consultation, now: datetime | None = None) -> Results | None:
    """The results anyone may see now, or None (a draft, or hidden until the close)."""
    if not visible(consultation, now):
        return None
    if consultation.state == ConsultationState.CLOSED and consultation.respondents is not None:
        return stored(consultation)
    return counted(db, consultation)


def response_counts(db: Session, ids: Iterable[int]) -> dict[int, int]:
    """How many have responded, for each of these consultations (one query)."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = db.execute(
        select(ConsultationResponse.consultation_id, func.count(ConsultationResponse.id))
        .where(ConsultationResponse.consultation_id.in_(wanted))
        .group_by(ConsultationResponse.consultation_id)
    )
    counts = dict.fromkeys(wanted, 0)
    counts.update({row[0]: int(row[1]) for row in rows})
    return counts


# --- consultations and responses ---------------------------------------------------------


def is_visible(actor: Any, consultation: Consultation) -> bool:
    """Drafts are seen by those who manage consultations only."""
    return consultation.state != ConsultationState.DRAFT or permissions.can(
        actor, "consultation.manage"
    )


def as_id(value: Any) -> int | None:
    """A row id from hostile input (an int or a string of digits), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**31 else None
    text = str(value).strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() and len(text) <= 10 and 0 < int(text) < 2**31 else None


def get(db: Session, actor: Any, consultation_id: Any) -> Consultation:
    """A consultation the actor may see. Raises NotFound."""
    key = as_id(consultation_id)
    consultation = db.get(Consultation, key) if key else None
    if consultation is None or not is_visible(actor, consultation):
        raise NotFound(_("This consultation does not exist."))
    return consultation


def listing(db: Session, actor: Any, now: datetime | None = None) -> dict[str, list]:
    """Open ones (closing soonest first), closed ones (newest first), drafts for managers."""
    now = now or utcnow()
    c = Consultation
    is_open = (c.state == ConsultationState.OPEN) & (c.closes_at > now)
    lists: dict[str, list] = {
        "open": list(db.scalars(select(c).where(is_open).order_by(c.closes_at, c.id))),
        "closed": list(
            db.scalars(
                select(c)
                .where(
                    or_(
                        c.state == ConsultationState.CLOSED,
                        (c.state == ConsultationState.OPEN) & (c.closes_at <= now),
                    )
                )
                .order_by(c.closes_at.desc(), c.id.desc())
                .limit(100)
            )
        ),
        "drafts": [],
    }
    if permissions.can(actor, "consultation.manage"):
        drafts = select(c).where(c.state == ConsultationState.DRAFT).order_by(c.id.desc())
        lists["drafts"] = list(db.scalars(drafts))
    return lists


def response_of(db: Session, user: Any, consultation: Consultation) -> list[int] | None:
    """The option ids this person chose, in order of preference for a ranking; or None."""
    person = permissions.as_user(user)
    if person is None:
        return None
    response = db.scalar(
        select(ConsultationResponse).where(
            ConsultationResponse.consultation_id == consultation.id,
            ConsultationResponse.user_id == person.id,
        )
    )
    if response is None:
        return None
    answers = sorted(response.answers, key=lambda a: (a.rank or 0, a.id))
    return [answer.option_id for answer in answers]


def audience(db: Session, who: Audience) -> list[User]:
    """The active accounts a consultation for `who` asks to respond."""
    role = AUDIENCE_ROLE[Audience(who)]
    return list(
        db.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.status == AccountStatus.ACTIVE)
            .order_by(User.id)
        )
    )
