"""Meeting pages: the public list and page, and the secretary's preparation (details, agenda,
documents, convocation). The live session's doors are in meeting_live.py, on this blueprint."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from council import markdown
from council.domain import permissions
from council.domain.meetings import agenda, attendance, live_session, meetings, speakers
from council.domain.proposals import unvoted
from council.extensions import db
from council.meeting_mail import invitation
from council.models.meeting import LIVE_STATES, Meeting, MeetingState, SpeakerKind
from council.web import meeting_live
from council.web.doors import act, door, on_form
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


def _form_page(form: MeetingForm, meeting: Meeting | None, status: int):
    return render_template("meetings/form.html", form=form, meeting=meeting), status


def _on_form(form: MeetingForm, meeting: Meeting | None):
    """A refusal: the form again (422), the error on its field (the domain names
    starts_at/ends_at; the form has day, starts and ends)."""
    page = functools.partial(_form_page, form, meeting)
    return on_form(form, page, status=422, renamed={"starts_at": "starts", "ends_at": "ends"})


@bp.route("/new", methods=["GET", "POST"])
@door("meeting.prepare")
def new():
    form = MeetingForm()
    if form.validate_on_submit():
        return act(lambda work: meetings.create(work, current_user, **_details(form)),
                   done=_("Meeting created: now prepare its agenda."),
                   to=lambda meeting: url_for("meetings.prepare", meeting_id=meeting.id),
                   refused=_on_form(form, None))  # fmt: skip
    return _form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@door("meeting.prepare")
def edit(meeting_id: int):
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
        return act(lambda work: meetings.update(work, current_user, meeting.id, **_details(form)),
                   done=_("The meeting was updated."),
                   to=url_for("meetings.prepare", meeting_id=meeting.id),
                   refused=_on_form(form, meeting))  # fmt: skip
    return _form_page(form, meeting, 422 if request.method == "POST" else 200)


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
@door("meeting.prepare")
def prepare(meeting_id: int):
    return _prepare_page(_load(meeting_id))


@bp.post("/<int:meeting_id>/items")
@door("meeting.prepare")
def add_item(meeting_id: int):
    meeting = _load(meeting_id)
    form = ItemForm(prefix="item")
    _item_choices(form, meeting)
    if form.validate_on_submit():
        return act(
            lambda work: agenda.add_item(work, current_user, meeting.id,
                                         title=form.title.data or "",
                                         description=form.description.data or "",
                                         proposal_id=form.proposal.data),
            done=_("Item added to the agenda."),
            to=url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda",
            refused=on_form(form, lambda status: _prepare_page(meeting, item_form=form,
                                                               status=status), status=422),
        )  # fmt: skip
    return _prepare_page(meeting, item_form=form, status=422)


@bp.route("/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
@door("meeting.prepare")
def edit_item(meeting_id: int, item_id: int):
    meeting = _load(meeting_id)
    item = meetings.item_of(meeting, item_id)
    form = ItemEditForm()
    _item_choices(form, meeting)
    if item.proposal is not None and str(item.proposal_id) not in {
        c.value for c in form.proposal.choices
    }:
        form.proposal.choices += options([(item.proposal_id, item.proposal.title)])

    def page(status: int):
        return render_template("meetings/item.html", form=form, meeting=meeting, item=item), status

    if request.method == "GET":
        form.title.data, form.description.data = item.title, item.description
        form.proposal.data, form.outcome.data = item.proposal_id, item.outcome
    elif form.validate_on_submit():
        fields = {"outcome": form.outcome.data or ""}
        if meeting.state != MeetingState.CLOSED:  # afterwards only the outcome changes
            fields |= {"title": form.title.data or "", "description": form.description.data or "",
                       "proposal_id": form.proposal.data}  # fmt: skip
        return act(
            lambda work: agenda.update_item(work, current_user, meeting.id, item.id, **fields),
            done=_("The item was updated."),
            to=url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda",
            refused=on_form(form, page, status=422),
        )
    return page(422 if request.method == "POST" else 200)


def _posted_int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _button(meeting_id: int, operation, done: str, anchor: str = "agenda"):
    """A button on the preparation page, back to the page."""
    return act(operation, done=done,
               to=url_for("meetings.prepare", meeting_id=meeting_id) + f"#{anchor}")  # fmt: skip


@bp.post("/<int:meeting_id>/items/<int:item_id>/move")
@door("meeting.prepare")
def move_item(meeting_id: int, item_id: int):
    position = _posted_int("position")
    return _button(
        meeting_id,
        lambda work: agenda.move_item(work, current_user, meeting_id, item_id, position),
        _("The agenda was reordered."),
    )


@bp.post("/<int:meeting_id>/items/<int:item_id>/remove")
@door("meeting.prepare")
def remove_item(meeting_id: int, item_id: int):
    return _button(
        meeting_id,
        lambda work: agenda.remove_item(work, current_user, meeting_id, item_id),
        _("The item was removed from the agenda."),
    )


@bp.post("/<int:meeting_id>/documents")
@door("meeting.prepare")
def add_document(meeting_id: int):
    meeting = _load(meeting_id)
    form = DocumentForm(prefix="document")
    _document_choices(form, meeting)
    if form.validate_on_submit():
        return act(
            lambda work: agenda.add_document(work, current_user, meeting.id,
                                             title=form.title.data or "",
                                             link=form.link.data or "", item_id=form.item.data),
            done=_("Document added."),
            to=url_for("meetings.prepare", meeting_id=meeting.id) + "#documents",
            refused=on_form(form, lambda status: _prepare_page(meeting, document_form=form,
                                                               status=status), status=422),
        )  # fmt: skip
    return _prepare_page(meeting, document_form=form, status=422)


@bp.post("/<int:meeting_id>/documents/<int:document_id>/remove")
@door("meeting.prepare")
def remove_document(meeting_id: int, document_id: int):
    return _button(
        meeting_id,
        lambda work: agenda.remove_document(work, current_user, meeting_id, document_id),
        _("Document removed."),
        "documents",
    )


@bp.post("/<int:meeting_id>/convene")
@door("meeting.convene")
def convene(meeting_id: int):
    return act(lambda work: meetings.convene(work, current_user, meeting_id),
               done=_("The convocation was sent to every member."),
               to=url_for("meetings.view", meeting_id=meeting_id))  # fmt: skip
