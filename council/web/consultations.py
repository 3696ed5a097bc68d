"""Online consultations' pages: the public list and page, the response form (plain HTML, no
JavaScript needed), the drafts, opening and closing for the secretariat and the chair; and
the `consultations close-due` command for cron."""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from council import markdown, scheduler
from council.domain import consultation_queries as queries
from council.domain import consultations, permissions
from council.errors import DomainError
from council.extensions import db, login_manager
from council.models.consultation import Consultation, ConsultationKind, ConsultationState
from council.unit_of_work import unit_of_work
from council.web.common import form_error
from council.web.consultation_forms import AUDIENCE_LABELS, KIND_LABELS, ConsultationForm
from council.web.forms import ActionForm

bp = Blueprint("consultations", __name__, url_prefix="/consultations")

STATE_LABELS = {
    ConsultationState.DRAFT: _l("draft"),
    ConsultationState.OPEN: _l("open"),
    ConsultationState.CLOSED: _l("closed"),
}
STATE_TONES = {
    ConsultationState.DRAFT: "neutral",
    ConsultationState.OPEN: "success",
    ConsultationState.CLOSED: "neutral",
}


@bp.context_processor
def _helpers():
    return {
        "state_labels": STATE_LABELS,
        "state_tones": STATE_TONES,
        "audience_labels": AUDIENCE_LABELS,
        "kind_labels": KIND_LABELS,
        "phase": queries.phase,
        "markdown": markdown.render,
    }


def _office():
    """Anonymous visitors are sent to log in; others without the right get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    permissions.require(current_user, "consultation.manage")
    return None


def _load(consultation_id: int) -> Consultation:
    return queries.get(db.session, current_user, consultation_id)


# --- public pages -------------------------------------------------------------------------------


@bp.get("")
def index():
    lists = queries.listing(db.session, current_user)
    everything = [c.id for group in lists.values() for c in group]
    return render_template(
        "consultations/list.html", counts=queries.response_counts(db.session, everything), **lists
    )


def _page(consultation: Consultation, *, sent=None, error: str | None = None, status=200):
    """The consultation's page; `sent` ({option id: place}) keeps a refused form filled."""
    me = permissions.as_user(current_user)
    mine = queries.response_of(db.session, me, consultation) if me else None
    places = (
        {option_id: n for n, option_id in enumerate(mine or [], start=1)} if sent is None else sent
    )
    page = render_template(
        "consultations/view.html",
        consultation=consultation,
        state=queries.phase(consultation),
        results=queries.results(db.session, consultation),
        responses=queries.response_counts(db.session, [consultation.id])[consultation.id],
        me=me,
        eligible=permissions.can(me, "consultation.respond", consultation),
        mine=mine,
        places=places,
        error=error,
        action_form=ActionForm(),
    )
    return page, status


@bp.get("/<int:consultation_id>")
def view(consultation_id: int):
    return _page(_load(consultation_id))


def _sent() -> dict:
    """What the form sent: {option id: place}; the boxes ticked are in places 1, 2, …"""
    places = {
        key.removeprefix("rank-"): value
        for key, value in request.form.items()
        if key.startswith("rank-")
    }
    ticked = request.form.getlist("option")
    return places or {value: n for n, value in enumerate(ticked, start=1)}


@bp.post("/<int:consultation_id>/respond")
def respond(consultation_id: int):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    consultation = _load(consultation_id)
    try:
        if consultation.kind == ConsultationKind.RANKING:
            chosen: list[Any] = consultations.ranking_from_places(consultation, _sent())
        else:
            chosen = request.form.getlist("option")
        with unit_of_work() as work:
            _response, changed = consultations.respond(work, current_user, consultation.id, chosen)
    except DomainError as error:
        db.session.rollback()
        kept = {queries.as_id(key): queries.as_id(place) for key, place in _sent().items()}
        return _page(_load(consultation_id), sent=kept, error=error.message,
                     status=error.status)  # fmt: skip
    if changed:
        flash(_("Your response is changed. You can change it until the close."), "success")
    else:
        flash(_("Your response is recorded. You can change it until the close."), "success")
    return redirect(url_for("consultations.view", consultation_id=consultation.id) + "#mine")


# --- the secretariat and the chair ----------------------------------------------------------


def _on_form(form: ConsultationForm, error: DomainError) -> None:
    if error.field == "closes_at":
        error.field = "day"
    form_error(form, error)


@bp.route("/new", methods=["GET", "POST"])
def new():
    if (refused := _office()) is not None:
        return refused
    form = ConsultationForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                consultation = consultations.create(work, current_user, **form.values())
            flash(_("Draft saved: check it, then open it."), "success")
            return redirect(url_for("consultations.view", consultation_id=consultation.id))
        except DomainError as error:
            _on_form(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("consultations/form.html", form=form, consultation=None), status


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
def edit(consultation_id: int):
    if (refused := _office()) is not None:
        return refused
    consultation = _load(consultation_id)
    if consultation.state != ConsultationState.DRAFT:
        flash(_("Only a draft can be changed: this consultation is already open."), "error")
        return redirect(url_for("consultations.view", consultation_id=consultation.id))
    form = ConsultationForm()
    if request.method == "GET":
        form.fill(consultation)
    elif form.validate_on_submit():
        version = queries.as_id(form.version.data)
        try:
            with unit_of_work() as work:
                consultations.edit(
                    work, current_user, consultation.id, version=version or 0, **form.values()
                )
            flash(_("The draft is saved."), "success")
            return redirect(url_for("consultations.view", consultation_id=consultation.id))
        except DomainError as error:
            _on_form(form, error)
    status = 422 if request.method == "POST" else 200
    return render_template("consultations/form.html", form=form, consultation=consultation), status


def _act(consultation_id: int, operation, done: str):
    if (refused := _office()) is not None:
        return refused
    consultation = _load(consultation_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                operation(work, current_user, consultation.id)
        except DomainError as error:
            db.session.rollback()
            return _page(_load(consultation_id), error=error.message, status=error.status)
        flash(done, "success")
    return redirect(url_for("consultations.view", consultation_id=consultation.id))


@bp.post("/<int:consultation_id>/open", endpoint="open")
def open_(consultation_id: int):
    return _act(
        consultation_id,
        consultations.open_consultation,
        _("The consultation is open: its audience has been notified."),
    )


@bp.post("/<int:consultation_id>/close")
def close(consultation_id: int):
    return _act(
        consultation_id, consultations.close, _("The consultation is closed: results are final.")
    )


@bp.cli.command("close-due")
def close_due_command() -> None:
    """Close the online consultations whose time is up (safe to run from several hosts)."""
    closed = scheduler.close_due_consultations()
    click.echo(f"consultations closed: {len(closed)}")
