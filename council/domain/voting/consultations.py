"""Online consultations (consultazioni online): drafts, opening, responses, the close (by
hand, or on time by the scheduler through `close_due`). See docs/voting.md.

Every operation that changes an open consultation locks its row first (FOR UPDATE on
PostgreSQL; SQLite's unit of work already holds the write lock), so a response is either
counted before the close or refused after it, and the stored totals equal the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from council import plain_text, public_paths
from council.db import rowcount
from council.domain import permissions
from council.domain.meetings import meetings
from council.domain.notifications import notifications
from council.domain.permissions import SYSTEM, System
from council.domain.record import record
from council.domain.voting import consultation_queries as queries
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.models.base import utcnow
from council.models.consultation import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationKind,
    ConsultationOption,
    ConsultationResponse,
    ConsultationState,
)
from council.models.user import User

MAX_DURATION = timedelta(days=366)
MAX_LABEL = 200


def subject(consultation: Consultation) -> str:
    return f"consultation:{consultation.id}"


# --- validation -----------------------------------------------------------------------------


def _enum(enum_class: type, value: Any, field: str) -> Any:
    try:
        return enum_class(value)
    except ValueError:
        raise ValidationError(_("Choose one of the values offered."), field=field) from None


def clean_options(labels: Any) -> list[str]:
    """2 to 20 labels, whitespace collapsed, blank lines dropped, no repetition."""
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise ValidationError(_("Give the options, one per line."), field="options")
    cleaned = [" ".join(str(label or "").split()) for label in labels]
    cleaned = [label for label in cleaned if label]
    if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
        raise ValidationError(
            _("Give from %(least)d to %(most)d options, one per line.",
              least=MIN_OPTIONS, most=MAX_OPTIONS), field="options",
        )  # fmt: skip
    if any(len(label) > MAX_LABEL for label in cleaned):
        raise ValidationError(
            _("Each option can be at most %(n)d characters long.", n=MAX_LABEL), field="options"
        )
    seen: set[str] = set()
    for label in cleaned:
        if label.casefold() in seen:
            raise ValidationError(
                _("The option “%(label)s” is given twice.", label=label), field="options"
            )
        seen.add(label.casefold())
    return cleaned


def _clean_closes_at(value: Any, now: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(_("Enter the closing date and time."), field="closes_at")
    if value <= now:
        raise ValidationError(_("The closing time must be in the future."), field="closes_at")
    if value > now + MAX_DURATION:
        raise ValidationError(
            _("A consultation can stay open for one year at most."), field="closes_at"
        )
    return value


def _clean(fields: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": meetings.clean_line(fields.get("title"), "title", minimum=3, maximum=200),
        "description": meetings.clean_text(fields.get("description"), "description"),
        "audience": _enum(Audience, fields.get("audience"), "audience"),
        "kind": _enum(ConsultationKind, fields.get("kind"), "kind"),
        "binding": bool(fields.get("binding")),
        "results_hidden_until_close": bool(fields.get("results_hidden_until_close")),
        "closes_at": _clean_closes_at(fields.get("closes_at"), now),
    }
    labels = clean_options(fields.get("options"))
    if values["binding"] and values["audience"] != Audience.MEMBERS:
        raise ValidationError(
            _("A consultation of the stakeholders is advisory: it cannot be binding."),
            field="binding",
        )
    values["max_choices"] = None
    if values["kind"] == ConsultationKind.MULTIPLE:
        most = queries.as_id(fields.get("max_choices"))
        if most is None or not 2 <= most <= len(labels):
            raise ValidationError(
                _("For a multiple choice, allow from 2 to %(n)d choices (the number of options).",
                  n=len(labels)), field="max_choices",
            )  # fmt: skip
        values["max_choices"] = most
    return values | {"options": labels}


# --- preparing ------------------------------------------------------------------------------


def lock(db: Session, consultation_id: Any) -> Consultation:
    """The consultation, re-read and row-locked for this transaction. Raises NotFound."""
    key = queries.as_id(consultation_id)
    consultation = (
        db.get(Consultation, key, with_for_update=True, populate_existing=True) if key else None
    )
    if consultation is None:
        raise NotFound(_("This consultation does not exist."))
    return consultation


def create(db: Session, actor: Any, **fields: Any) -> Consultation:
    """A new draft: title, description (markdown), audience, binding, kind, max_choices,
    options (labels, in order), closes_at, results_hidden_until_close. Nothing is recorded
    while it is a draft. Raises NotAllowed, ValidationError."""
    user = permissions.require(actor, "consultation.manage")
    values = _clean(fields, utcnow())
    labels = values.pop("options")
    consultation = Consultation(**values, created_by_id=user.id)
    consultation.options = [
        ConsultationOption(position=n, label=label) for n, label in enumerate(labels, start=1)
    ]
    db.add(consultation)
    db.flush()
    return consultation


def edit(
    db: Session, actor: Any, consultation_id: Any, *, version: int | None = None, **fields: Any
) -> Consultation:
    """Change a draft (the same fields as `create`). `version`, when given, must be the one
    the editor started from. Raises NotAllowed, NotFound, InvalidState, ValidationError."""
    permissions.require(actor, "consultation.manage")
    consultation = lock(db, consultation_id)
    if consultation.state != ConsultationState.DRAFT:
        raise InvalidState(_("Only a draft can be changed: this consultation is already open."))
    if version is not None and version != consultation.version:
        raise InvalidState(
            _("Someone changed this consultation meanwhile: reload the page and try again.")
        )
    values = _clean(fields, utcnow())
    labels = values.pop("options")
    for name, value in values.items():
        setattr(consultation, name, value)
    options = consultation.options
    for option, label in zip(options, labels, strict=False):
        option.label = label
    for n, label in enumerate(labels[len(options) :], start=len(options) + 1):
        options.append(ConsultationOption(position=n, label=label))
    del options[len(labels) :]
    consultation.version += 1
    db.flush()
    return consultation


def open_consultation(db: Session, actor: Any, consultation_id: Any) -> Consultation:
    """Open a draft for responses and notify its audience. Raises NotAllowed, NotFound,
    InvalidState."""
    user = permissions.require(actor, "consultation.manage")
    consultation = lock(db, consultation_id)
    if consultation.state != ConsultationState.DRAFT:
        raise InvalidState(_("This consultation has already been opened."))
    now = utcnow()
    if consultation.closes_at <= now:
        raise InvalidState(_("The closing time is past: change it before opening."))
    consultation.state = ConsultationState.OPEN
    consultation.opens_at = now
    consultation.version += 1
    record.append(db, kind="consultation.opened", actor=user, subject=subject(consultation),
                  data=_opened_data(consultation))  # fmt: skip
    notifications.notify(
        db, queries.audience(db, consultation.audience), kind="consultation_opened",
        subject=subject(consultation), url=public_paths.consultation(consultation),
        params={"title": consultation.title, "consultation": consultation.id}, actor=user,
    )  # fmt: skip
    return consultation


def _opened_data(consultation: Consultation) -> dict[str, Any]:
    return {
        "title": consultation.title,
        "description_sha256": plain_text.sha256(consultation.description),
        "audience": str(consultation.audience),
        "binding": consultation.binding,
        "kind": str(consultation.kind),
        "max_choices": consultation.max_choices,
        "options": [{"option": o.id, "label": o.label} for o in consultation.options],
        "closes_at": record.format_at(consultation.closes_at),
        "results_hidden_until_close": consultation.results_hidden_until_close,
    }


# --- responding -----------------------------------------------------------------------------


def _refuse_unless_open(consultation: Consultation, now: datetime) -> None:
    if consultation.state == ConsultationState.DRAFT:
        raise InvalidState(_("This consultation is not open yet."))
    if queries.phase(consultation, now) == ConsultationState.CLOSED:
        raise InvalidState(_("This consultation is closed: your response was not counted."))


def _refuse_outside_audience(user: User | None, consultation: Consultation) -> User:
    if user is None:
        raise NotAllowed(_("Log in to respond."))
    if not permissions.can(user, "consultation.respond", consultation):
        if consultation.audience == Audience.MEMBERS:
            raise NotAllowed(_("This consultation is for the council's members."))
        raise NotAllowed(_("This consultation is for the stakeholders."))
    return user


def ranking_from_places(consultation: Consultation, places: Mapping[Any, Any]) -> list[int]:
    """A ranking given as {option id: place} (as a form sends it) → option ids, first place
    first. Raises ValidationError: a place missing, out of range or given twice."""
    n = len(consultation.options)
    by_place: dict[int, Any] = {}
    for option_id, place in places.items():
        number = queries.as_id(place)
        if number is None or number > n:
            raise ValidationError(
                _("Give every option a place, from 1 to %(n)d.", n=n), field="options"
            )
        if number in by_place:
            raise ValidationError(
                _("Place %(place)d is given to more than one option.", place=number),
                field="options",
            )
        by_place[number] = option_id
    return [by_place[place] for place in sorted(by_place)]


def _clean_choices(consultation: Consultation, choices: Any) -> list[int]:
    """Option ids of this consultation, each once, as many as its kind allows."""
    if isinstance(choices, str | bytes) or not isinstance(choices, Sequence):
        raise ValidationError(_("Choose among the options offered."), field="options")
    known = {option.id for option in consultation.options}
    chosen = [queries.as_id(choice) for choice in choices]
    if any(choice not in known for choice in chosen):
        raise ValidationError(
            _("One of the options chosen is not part of this consultation."), field="options"
        )
    if len(set(chosen)) != len(chosen):
        raise ValidationError(_("An option was chosen more than once."), field="options")
    count, kind = len(chosen), consultation.kind
    if kind == ConsultationKind.SINGLE and count != 1:
        raise ValidationError(_("Choose one option."), field="options")
    if kind == ConsultationKind.MULTIPLE:
        most = consultation.max_choices or len(known)
        if count == 0:
            raise ValidationError(_("Choose at least one option."), field="options")
        if count > most:
            raise ValidationError(
                ngettext("Choose at most %(num)d option.", "Choose at most %(num)d options.",
                         most), field="options",
            )  # fmt: skip
    if kind == ConsultationKind.RANKING and count != len(known):
        raise ValidationError(
            _("Put every option in order: give each one a place, from 1 to %(n)d.",
              n=len(known)), field="options",
        )  # fmt: skip
    return chosen  # type: ignore[return-value]  # a None is not known: refused above


def respond(
    db: Session, actor: Any, consultation_id: Any, choices: Any
) -> tuple[ConsultationResponse, bool]:
    """Record (or replace, until the close) the actor's response: option ids, the first
    preferred first for a ranking. Returns the response and whether it replaced an earlier
    one. Raises NotAllowed, NotFound, InvalidState, ValidationError."""
    user = permissions.as_user(actor)
    consultation = lock(db, consultation_id)
    if not queries.is_visible(user, consultation):
        raise NotFound(_("This consultation does not exist."))
    now = utcnow()
    _refuse_unless_open(consultation, now)
    user = _refuse_outside_audience(user, consultation)
    chosen = _clean_choices(consultation, choices)
    response = db.scalar(
        select(ConsultationResponse).where(
            ConsultationResponse.consultation_id == consultation.id,
            ConsultationResponse.user_id == user.id,
        )
    )
    changed = response is not None
    if response is None:
        response = ConsultationResponse(consultation_id=consultation.id, user_id=user.id)
        db.add(response)
        db.flush()
    else:
        db.execute(delete(ConsultationAnswer).where(ConsultationAnswer.response_id == response.id))
        db.expire(response, ["answers"])
        response.changed_at = now
    ranking = consultation.kind == ConsultationKind.RANKING
    for place, option_id in enumerate(chosen, start=1):
        rank = place if ranking else None
        db.add(ConsultationAnswer(response_id=response.id, consultation_id=consultation.id,
                                  option_id=option_id, rank=rank))  # fmt: skip
    db.flush()
    db.expire(response, ["answers"])
    if not changed:
        count = queries.response_counts(db, [consultation.id])[consultation.id]
        record.append(db, kind="consultation.responded", actor=None,
                      subject=subject(consultation), data={"count": count})  # fmt: skip
    return response, changed


# --- closing --------------------------------------------------------------------------------


def _claim(db: Session, consultation_id: int, now: datetime, *, due_only: bool) -> bool:
    """Mark an open consultation closed with a conditional UPDATE: of two closers (threads,
    processes), exactly one gets True."""
    condition = [Consultation.id == consultation_id, Consultation.state == ConsultationState.OPEN]
    if due_only:
        condition.append(Consultation.closes_at <= now)
    result = db.execute(
        update(Consultation)
        .where(*condition)
        .values(state=ConsultationState.CLOSED, version=Consultation.version + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _finish(db: Session, consultation_id: int, actor: User | System, now: datetime) -> Consultation:
    """After the claim: store the totals, record the close with them."""
    consultation = db.get(Consultation, consultation_id, populate_existing=True)
    assert consultation is not None
    early = now < consultation.closes_at
    consultation.closed_at = now if early else consultation.closes_at
    consultation.closed_by_id = actor.id if isinstance(actor, User) else None
    results = queries.counted(db, consultation)
    by_id = {row.id: row for row in results.options}
    for option in consultation.options:
        option.count, option.points = by_id[option.id].count, by_id[option.id].points
    consultation.respondents = results.respondents
    participants = db.scalars(
        select(User.public_id)
        .join(ConsultationResponse, ConsultationResponse.user_id == User.id)
        .where(ConsultationResponse.consultation_id == consultation.id)
        .order_by(User.public_id)
    )
    ranking = consultation.kind == ConsultationKind.RANKING
    totals = [
        {"option": o.id, "count": o.count or 0} | ({"points": o.points or 0} if ranking else {})
        for o in consultation.options
    ]
    record.append(db, kind="consultation.closed", actor=actor, subject=subject(consultation),
                  data={"respondents": results.respondents, "results": totals,
                        "participants": list(participants), "early": early,
                        "closed_at": record.format_at(consultation.closed_at)})  # fmt: skip
    db.flush()
    return consultation


def close(db: Session, actor: Any, consultation_id: Any) -> Consultation:
    """Close now, by hand (the secretary or the chair), before the closing time or when
    the scheduler has not run yet. Raises NotAllowed, NotFound, InvalidState."""
    user = permissions.require(actor, "consultation.manage")
    consultation = lock(db, consultation_id)
    if consultation.state == ConsultationState.DRAFT:
        raise InvalidState(_("This consultation is not open."))
    if consultation.state == ConsultationState.CLOSED or not _claim(
        db, consultation.id, utcnow(), due_only=False
    ):
        raise InvalidState(_("This consultation is already closed."))
    return _finish(db, consultation.id, user, utcnow())


def close_due(db: Session, now: datetime | None = None) -> list[Consultation]:
    """Close every open consultation whose time is up (actor: the system). Safe to run from
    several processes at once: rows another closer holds are skipped (PostgreSQL), and each
    close is claimed by a conditional UPDATE, so each is closed and recorded once."""
    now = now or utcnow()
    due = db.scalars(
        select(Consultation.id)
        .where(Consultation.state == ConsultationState.OPEN, Consultation.closes_at <= now)
        .order_by(Consultation.id)
        .with_for_update(skip_locked=True)
    ).all()
    return [_finish(db, key, SYSTEM, now) for key in due if _claim(db, key, now, due_only=True)]
