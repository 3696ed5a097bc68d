"""Meeting pages: the public list and page, and the secretary's preparation (details, agenda,
documents, convocation). The live session's doors are in meeting_live.py, on this blueprint."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from council import markdown
from council.domain import (
    agenda,
    attendance,
    live_session,
    meetings,
    permissions,
    speakers,
    unvoted,
)
from council.errors import DomainError
from council.extensions import db, login_manager
from council.meeting_mail import invitation
from council.models.meeting import LIVE_STATES, Meeting, MeetingState, SpeakerKind
from council.unit_of_work import unit_of_work
from council.web import meeting_live
from council.web.common import form_error
from council.web.forms import ActionForm, options
from council.web.meeting_forms import DocumentForm, ItemEditForm, ItemForm, MeetingForm, rome

bp = Blueprint("meetings", __name__, url_prefix="/meetings")
meeting_live.register(bp)

STATE_LABELS = {
    MeetingState.SCHEDULED: _l("in preparation"),
    MeetingState.CONVENED: _l("convened"),
    MeetingState.IN_PROGRESS: _l("in progress"),
    MeetingState.SUSPENDED: _l("suspended"),
    MeetingState.CLOSED: _l("closed"),
}
STATE_TONES = {
    MeetingState.SCHEDULED: "neutral",
    MeetingState.CONVENED: "info",
    MeetingState.IN_PROGRESS: "success",
    MeetingState.SUSPENDED: "warning",
    MeetingState.CLOSED: "neutral",
}
KIND_LABELS = {
    SpeakerKind.INTERVENTION: _l("intervention"),
    SpeakerKind.REPLY: _l("reply"),
    SpeakerKind.POINT_OF_ORDER: _l("point of order"),
}


@bp.context_processor
def _helpers():
    return {
        "state_labels": STATE_LABELS,
        "state_tones": STATE_TONES,
        "kind_labels": KIND_LABELS,
        "markdown": markdown.render,
        "live_states": LIVE_STATES,
    }


def _load(meeting_id: int) -> Meeting:
    return meetings.get(db.session, current_user, meeting_id)


def _office(action: str):
    """Anonymous visitors are sent to log in; others without the right get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    permissions.require(current_user, action)
    return None


# --- public pages -------------------------------------------------------------------------------


@bp.get("")
def index():
    lists = meetings.listing(db.session, current_user)
    return render_template("meetings/list.html", **lists)


@bp.get("/<int:meeting_id>")
def view(meeting_id: int):
    meeting = _load(meeting_id)
    snapshot = live_session.state(db.session, meeting)
    closed = meeting.state == MeetingState.CLOSED
    me = permissions.as_user(current_user)
    return render_template(
        "meetings/view.html",
        meeting=meeting,
        snap=snapshot,
        me=me,
        action_form=ActionForm(),
        history=attendance.history(db.session, meeting) if closed else [],
        interventions=speakers.interventions(db.session, meeting) if closed else [],
        members=meetings.members(db.session) if closed else [],
        client_id=meeting_live.new_client_id(),
        **_unvoted(meeting, me),
        **meeting_live.vote_context(meeting, me),
    )


def _unvoted(meeting: Meeting, me) -> dict:
    """For the secretary and the chair, on a closed meeting: the proposals it left without a
    vote, and the next meeting they may go to."""
    if meeting.state != MeetingState.CLOSED or not permissions.can(me, "proposal.refer_back"):
        return {"unvoted": []}
    left = unvoted.left_in(db.session, meeting)
    return {"unvoted": left, "next_meeting": unvoted.next_meeting(db.session) if left else None}


@bp.get("/<int:meeting_id>/calendar.ics")
def calendar(meeting_id: int):
    meeting = _load(meeting_id)
    return Response(
        invitation(meeting),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="seduta-{meeting.id}.ics"'},
    )


# --- preparing ----------------------------------------------------------------------------------


def _details(form: MeetingForm) -> dict:
    starts_at, ends_at = form.times()
    return {
        "title": form.title.data or "",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": form.place.data or "",
        "link": form.link.data or "",
        "description": form.description.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
def new():
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                meeting = meetings.create(work, current_user, **_details(form))
            flash(_("Meeting created: now prepare its agenda."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id))
        except DomainError as error:
            form_error(form, _field_of(error))
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/form.html", form=form, meeting=None), status


def _field_of(error: DomainError) -> DomainError:
    """The domain names starts_at/ends_at; the form has day, starts and ends."""
    mapping = {"starts_at": "starts", "ends_at": "ends"}
    if error.field in mapping:
        error.field = mapping[error.field]
    return error


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    meeting = _load(meeting_id)
    meetings.require_editable(meeting)
    form = MeetingForm()
    if request.method == "GET":
        start, end = rome(meeting.starts_at), rome(meeting.ends_at)
        form.title.data, form.place.data, form.link.data = (
            meeting.title,
            meeting.place,
            meeting.link,
        )
        form.description.data = meeting.description
        form.day.data, form.starts.data, form.ends.data = start.date(), start.time(), end.time()
    elif form.validate_on_submit():
        try:
            with unit_of_work() as work:
                meetings.update(work, current_user, meeting.id, **_details(form))
            flash(_("The meeting was updated."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id))
        except DomainError as error:
            form_error(form, _field_of(error))
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/form.html", form=form, meeting=meeting), status


def _item_choices(form, meeting: Meeting) -> None:
    form.proposal.choices = options(
        ((p.id, p.title) for p in meetings.schedulable_proposals(db.session)), empty=_("None")
    )


def _document_choices(form: DocumentForm, meeting: Meeting) -> None:
    form.item.choices = options(
        ((item.id, f"{n}. {item.title}") for n, item in enumerate(meeting.items, start=1)),
        empty=_("The whole meeting"),
    )


def _prepare_page(meeting: Meeting, item_form=None, document_form=None, status: int = 200):
    item_form = item_form or ItemForm(formdata=None, prefix="item")
    document_form = document_form or DocumentForm(formdata=None, prefix="document")
    _item_choices(item_form, meeting)
    _document_choices(document_form, meeting)
    page = render_template(
        "meetings/prepare.html",
        meeting=meeting,
        item_form=item_form,
        document_form=document_form,
        action_form=ActionForm(),
        member_count=meetings.member_count(db.session),
    )
    return page, status


@bp.get("/<int:meeting_id>/prepare")
def prepare(meeting_id: int):
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    return _prepare_page(_load(meeting_id))


@bp.post("/<int:meeting_id>/items")
def add_item(meeting_id: int):
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    meeting = _load(meeting_id)
    form = ItemForm(prefix="item")
    _item_choices(form, meeting)
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                agenda.add_item(work, current_user, meeting.id, title=form.title.data or "",
                                description=form.description.data or "",
                                proposal_id=form.proposal.data)  # fmt: skip
            flash(_("Item added to the agenda."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda")
        except DomainError as error:
            form_error(form, error)
    return _prepare_page(meeting, item_form=form, status=422)


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(meeting_id: int, item_id: int):
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    meeting = _load(meeting_id)
    item = meetings.item_of(meeting, item_id)
    form = ItemEditForm()
    _item_choices(form, meeting)
    if item.proposal is not None and str(item.proposal_id) not in {
        c.value for c in form.proposal.choices
    }:
        form.proposal.choices += options([(item.proposal_id, item.proposal.title)])
    if request.method == "GET":
        form.title.data, form.description.data = item.title, item.description
        form.proposal.data, form.outcome.data = item.proposal_id, item.outcome
    elif form.validate_on_submit():
        fields = {"outcome": form.outcome.data or ""}
        if meeting.state != MeetingState.CLOSED:  # afterwards only the outcome changes
            fields |= {"title": form.title.data or "", "description": form.description.data or "",
                       "proposal_id": form.proposal.data}  # fmt: skip
        try:
            with unit_of_work() as work:
                agenda.update_item(work, current_user, meeting.id, item.id, **fields)
            flash(_("The item was updated."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda")
        except DomainError as error:
            form_error(form, error)
    status = 422 if request.method == "POST" else 200
    page = render_template("meetings/item.html", form=form, meeting=meeting, item=item)
    return page, status


def _posted_int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _button(meeting_id: int, operation, done: str, anchor: str = "agenda"):
    """A POST button on the preparation page: CSRF, the operation, back to the page."""
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    form = ActionForm()
    if not form.validate_on_submit():
        return meeting_live.bad_form()
    with unit_of_work() as work:
        operation(work)
    flash(done, "success")
    return redirect(url_for("meetings.prepare", meeting_id=meeting_id) + f"#{anchor}")


@bp.post("/<int:meeting_id>/items/<int:item_id>/move")
def move_item(meeting_id: int, item_id: int):
    position = _posted_int("position")
    return _button(
        meeting_id,
        lambda work: agenda.move_item(work, current_user, meeting_id, item_id, position),
        _("The agenda was reordered."),
    )


@bp.post("/<int:meeting_id>/items/<int:item_id>/remove")
def remove_item(meeting_id: int, item_id: int):
    return _button(
        meeting_id,
        lambda work: agenda.remove_item(work, current_user, meeting_id, item_id),
        _("The item was removed from the agenda."),
    )


@bp.post("/<int:meeting_id>/documents")
def add_document(meeting_id: int):
    if (refused := _office("meeting.prepare")) is not None:
        return refused
    meeting = _load(meeting_id)
    form = DocumentForm(prefix="document")
    _document_choices(form, meeting)
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                agenda.add_document(work, current_user, meeting.id, title=form.title.data or "",
                                    link=form.link.data or "", item_id=form.item.data)  # fmt: skip
            flash(_("Document added."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#documents")
        except DomainError as error:
            form_error(form, error)
    return _prepare_page(meeting, document_form=form, status=422)


@bp.post("/<int:meeting_id>/documents/<int:document_id>/remove")
def remove_document(meeting_id: int, document_id: int):
    return _button(
        meeting_id,
        lambda work: agenda.remove_document(work, current_user, meeting_id, document_id),
        _("Document removed."),
        "documents",
    )


@bp.post("/<int:meeting_id>/convene")
def convene(meeting_id: int):
    if (refused := _office("meeting.convene")) is not None:
        return refused
    if not ActionForm().validate_on_submit():
        return meeting_live.bad_form()
    with unit_of_work() as work:
        meetings.convene(work, current_user, meeting_id)
    flash(_("The convocation was sent to every member."), "success")
    return redirect(url_for("meetings.view", meeting_id=meeting_id))
