"""Online consultations' pages: the public list and page, the response form (plain HTML, no
JavaScript needed), the drafts, opening and closing for the secretariat and the chair; and
the `consultations close-due` command for cron."""

from __future__ import annotations

import functools
from typing import Any

import click
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from council import markdown, scheduler
from council.domain import permissions
from council.domain.voting import consultation_queries as queries
from council.domain.voting import consultations
from council.errors import DomainError
from council.extensions import db
from council.models.consultation import Consultation, ConsultationKind, ConsultationState
from council.web.consultation_forms import AUDIENCE_LABELS, KIND_LABELS, ConsultationForm
from council.web.doors import act, door, on_form
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
@door()
def respond(consultation_id: int):
    consultation = _load(consultation_id)

    def answer(work) -> bool:
        if consultation.kind == ConsultationKind.RANKING:
            chosen: list[Any] = consultations.ranking_from_places(consultation, _sent())
        else:
            chosen = request.form.getlist("option")
        _response, changed = consultations.respond(work, current_user, consultation.id, chosen)
        return changed

    def done(_work, changed: bool) -> str:
        if changed:
            return _("Your response is changed. You can change it until the close.")
        return _("Your response is recorded. You can change it until the close.")

    def refused(error: DomainError):
        kept = {queries.as_id(key): queries.as_id(place) for key, place in _sent().items()}
        return _page(_load(consultation_id), sent=kept, error=error.message,
                     status=error.status)  # fmt: skip

    page = url_for("consultations.view", consultation_id=consultation.id) + "#mine"
    return act(answer, done=done, to=page, refused=refused)


# --- the secretariat and the chair ----------------------------------------------------------


def _form_page(form: ConsultationForm, consultation: Consultation | None, status: int):
    return render_template("consultations/form.html", form=form, consultation=consultation), status


def _on_form(form: ConsultationForm, consultation: Consultation | None):
    """A refusal: the form again (422), the error on its field (the domain's closes_at is the
    form's day)."""
    page = functools.partial(_form_page, form, consultation)
    return on_form(form, page, status=422, renamed={"closes_at": "day"})


def _view_url(consultation: Consultation) -> str:
    return url_for("consultations.view", consultation_id=consultation.id)


@bp.route("/new", methods=["GET", "POST"])
@door("consultation.manage")
def new():
    form = ConsultationForm()
    if form.validate_on_submit():
        return act(lambda work: consultations.create(work, current_user, **form.values()),
                   done=_("Draft saved: check it, then open it."), to=_view_url,
                   refused=_on_form(form, None))  # fmt: skip
    return _form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@door("consultation.manage")
def edit(consultation_id: int):
    consultation = _load(consultation_id)
    if consultation.state != ConsultationState.DRAFT:
        flash(_("Only a draft can be changed: this consultation is already open."), "error")
        return redirect(_view_url(consultation))
    form = ConsultationForm()
    if request.method == "GET":
        form.fill(consultation)
    elif form.validate_on_submit():
        version = queries.as_id(form.version.data) or 0
        return act(
            lambda work: consultations.edit(
                work, current_user, consultation.id, version=version, **form.values()
            ),
            done=_("The draft is saved."),
            to=_view_url(consultation),
            refused=_on_form(form, consultation),
        )
    return _form_page(form, consultation, 422 if request.method == "POST" else 200)


def _button(consultation_id: int, operation, done: str):
    """A button of the office on the consultation's page; a refusal shows the page again."""
    consultation = _load(consultation_id)
    return act(
        lambda work: operation(work, current_user, consultation.id),
        done=done,
        to=_view_url(consultation),
        refused=lambda error: _page(_load(consultation_id), error=error.message,
                                    status=error.status),
    )  # fmt: skip


@bp.post("/<int:consultation_id>/open", endpoint="open")
@door("consultation.manage")
def open_(consultation_id: int):
    return _button(
        consultation_id,
        consultations.open_consultation,
        _("The consultation is open: its audience has been notified."),
    )


@bp.post("/<int:consultation_id>/close")
@door("consultation.manage")
def close(consultation_id: int):
    return _button(
        consultation_id, consultations.close, _("The consultation is closed: results are final.")
    )


@bp.cli.command("close-due")
def close_due_command() -> None:
    """Close the online consultations whose time is up (safe to run from several hosts)."""
    closed = scheduler.close_due_consultations()
    click.echo(f"consultations closed: {len(closed)}")
