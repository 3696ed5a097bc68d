"""Factories for the online consultation tests: drafts, open ones, responses, time passing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from council.domain.voting import consultations
from council.extensions import db
from council.models.base import utcnow
from council.models.consultation import Consultation
from council.unit_of_work import unit_of_work
from tests.factories import reread

OPTIONS = ["Casa e abitare", "Lavoro e inclusione", "Anziani soli", "Giovani e scuola"]


def fields(**overrides: Any) -> dict[str, Any]:
    """What a secretary fills in: a members' single choice closing in a week."""
    values: dict[str, Any] = {
        "title": "Priorità del Piano welfare 2027",
        "description": "Quali temi mettere **al primo posto**?",
        "audience": "members",
        "binding": False,
        "kind": "single",
        "max_choices": None,
        "options": list(OPTIONS),
        "closes_at": utcnow() + timedelta(days=7),
        "results_hidden_until_close": False,
    }
    return values | overrides


def draft(manager, **overrides: Any) -> Consultation:
    with unit_of_work() as session:
        return consultations.create(session, manager, **fields(**overrides))


def opened(manager, **overrides: Any) -> Consultation:
    consultation = draft(manager, **overrides)
    with unit_of_work() as session:
        return consultations.open_consultation(session, manager, consultation.id)


def respond(person, consultation: Consultation, *positions: int):
    """Respond with the options at these positions (1-based), in this order."""
    ids = option_ids(consultation, *positions)
    with unit_of_work() as session:
        return consultations.respond(session, person, consultation.id, ids)


def option_ids(consultation: Consultation, *positions: int) -> list[int]:
    by_position = {o.position: o.id for o in consultation.options}
    return [by_position[p] for p in positions]


def time_passes(consultation: Consultation, seconds: float = 1) -> None:
    """As if the closing time had come `seconds` ago (the scheduler has not run)."""
    with db.engine.begin() as connection:
        connection.execute(
            update(Consultation)
            .where(Consultation.id == consultation.id)
            .values(closes_at=utcnow() - timedelta(seconds=seconds))
        )
    reread()
