"""The minutes' pages (/meetings/<id>/minutes): approved minutes for everyone, as a page, as the
official PDF and as the markdown text whose SHA-256 the record holds; the draft for the office
(and for members once it is on an agenda); the secretary's drafting, editing and agenda forms."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired

from council import markdown, minutes_pdf
from council.domain import permissions
from council.domain.archive import minutes, minutes_text
from council.domain.meetings import meetings as meeting_reads
from council.errors import DomainError, InvalidState, NotFound
from council.extensions import db
from council.models.meeting import Meeting, MeetingState
from council.models.minutes import Minutes
from council.web.common import form_error, render_error
from council.web.doors import act, door, on_form

bp = Blueprint("minutes", __name__, url_prefix="/meetings")


class DraftForm(FlaskForm):
    replace = BooleanField(_l("Replace my edits: draft the text again from the meeting's record"))


class EditForm(FlaskForm):
    body = TextAreaField(
        _l("Text of the minutes"),
        validators=[DataRequired()],
        description=_l("Markdown: ## for a heading, - for a list, **bold**, > for a quotation."),
    )
    revision = HiddenField()


class AgendaForm(FlaskForm):
    target = SelectField(_l("Put to the vote at"), validators=[DataRequired()])


def _official_day(meeting: Meeting) -> str:
    return format_date(meeting.starts_at, "d MMMM y")


def _target_choices(found: Minutes) -> list[SelectChoice]:
    """Optgroups by meeting: a new item, or one of its items that could take the minutes."""
    choices: list[SelectChoice] = []
    for target, items in minutes.agenda_targets(db.session, found):
        group = f"{target.title} ({_official_day(target)})"
        new_item = _("A new item at the end of the agenda")
        choices.append(SelectChoice(str(target.id), new_item, optgroup=group))
        for item in items:
            label_item = _("Item %(n)d: %(title)s", n=item.position + 1, title=item.title)
            choices.append(SelectChoice(f"{target.id}-{item.id}", label_item, optgroup=group))
    return choices


@bp.context_processor
def _helpers():
    return {"official_locale": minutes_text.official_locale(), "markdown_render": markdown.render}


@bp.app_context_processor
def _links():
    """For the meeting page: where its minutes are, and which items approve which minutes."""

    def minutes_link(meeting: Meeting) -> str | None:
        found = minutes.of_meeting(db.session, meeting.id)
        readable = found is not None and minutes.can_read(current_user, found)
        drafting = meeting.state == MeetingState.CLOSED and permissions.can(
            current_user, "minutes.manage"
        )
        return url_for("minutes.view", meeting_id=meeting.id) if readable or drafting else None

    def minutes_on_agenda(meeting: Meeting) -> dict[int, Minutes]:
        """The minutes the items approve, those the reader may open."""
        found = minutes.on_agenda(db.session, meeting)
        return {item: m for item, m in found.items() if minutes.can_read(current_user, m)}

    return {"minutes_link": minutes_link, "minutes_on_agenda": minutes_on_agenda}


def _page(meeting: Meeting, found: Minutes | None, *, draft_form=None, agenda_form=None,
          status: int = 200):  # fmt: skip
    draft_form = draft_form or DraftForm(formdata=None)
    if found is not None and agenda_form is None:
        agenda_form = AgendaForm(formdata=None)
    if agenda_form is not None and found is not None:
        agenda_form.target.choices = _target_choices(found)
    page = render_template(
        "minutes/view.html",
        meeting=meeting,
        minutes=found,
        text=markdown.render(found.body) if found else None,
        trail=minutes.trail(db.session, found) if found else [],
        voting=found is not None and minutes.vote_under_way(db.session, found),
        draft_form=draft_form,
        agenda_form=agenda_form,
        verify_url=minutes_pdf.verify_url(found) if found and found.approved else None,
    )
    return page, status


@bp.get("/<int:meeting_id>/minutes")
def view(meeting_id: int):
    meeting = meeting_reads.get(db.session, current_user, meeting_id)
    found = minutes.of_meeting(db.session, meeting.id)
    if found is not None and minutes.can_read(current_user, found):
        return _page(meeting, found)
    if permissions.can(current_user, "minutes.manage"):
        return _page(meeting, found)  # nothing drafted yet: the page offers to draft it
    raise NotFound(_("The minutes of this meeting are not published yet."))


@bp.post("/<int:meeting_id>/minutes/draft")
@door("minutes.manage")
def draft(meeting_id: int):
    meeting = meeting_reads.get(db.session, current_user, meeting_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return render_error(400)

    def refused(error: DomainError):
        """A state that forbids it is said on the page; other refusals on the error page."""
        if not isinstance(error, InvalidState):
            return None
        form_error(form, error)
        found = minutes.of_meeting(db.session, meeting.id)
        return _page(meeting, found, draft_form=form, status=error.status)

    return act(
        lambda work: minutes.draft(work, current_user, meeting.id,
                                   replace_edits=bool(form.replace.data)),
        done=_("The draft was written from the meeting's record: read it and correct it."),
        to=url_for("minutes.view", meeting_id=meeting.id),
        refused=refused,
    )  # fmt: skip


def _drafted(meeting_id: int) -> tuple[Meeting, Minutes]:
    """The meeting and its minutes, for the secretary's forms. Raises NotFound."""
    meeting = meeting_reads.get(db.session, current_user, meeting_id)
    found = minutes.of_meeting(db.session, meeting.id)
    if found is None:
        raise NotFound(_("The minutes of this meeting have not been drafted yet."))
    return meeting, found


def _revision(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@bp.route("/<int:meeting_id>/minutes/edit", methods=["GET", "POST"])
@door("minutes.manage")
def edit(meeting_id: int):
    meeting, found = _drafted(meeting_id)
    if found.approved:
        raise InvalidState(_("These minutes are approved: they can no longer change."))
    form = EditForm()
    preview, status = None, 200

    def page(status: int, saved: Minutes | None = None):
        return render_template("minutes/edit.html", meeting=meeting, minutes=found, form=form,
                               preview=preview, saved=saved), status  # fmt: skip

    if request.method == "GET":
        form.body.data, form.revision.data = found.body, str(found.revision)
    elif not form.validate_on_submit():
        status = 400 if "csrf_token" in form.errors else 422
    elif request.form.get("action") == "preview":
        try:
            preview = markdown.render(minutes.clean_body(form.body.data))
        except DomainError as error:
            form_error(form, error)
            status = error.status
    else:

        def refused(error: DomainError):
            db.session.expire_all()
            saved = minutes.of_meeting(db.session, meeting.id)
            assert saved is not None  # it was just being edited
            form.revision.data = str(saved.revision)  # the next save compares with this one
            return on_form(form, lambda status: page(status, saved))(error)

        return act(
            lambda work: minutes.edit(work, current_user, meeting.id, body=form.body.data,
                                      revision=_revision(form.revision.data)),
            done=lambda _work, changed: _("The minutes were saved.") if changed
            else _("Nothing was changed."),
            to=url_for("minutes.view", meeting_id=meeting.id),
            refused=refused,
        )  # fmt: skip
    return page(status)


@bp.post("/<int:meeting_id>/minutes/agenda")
@door("minutes.manage")
def agenda(meeting_id: int):
    meeting, found = _drafted(meeting_id)
    form = AgendaForm()
    form.target.choices = _target_choices(found)
    if not form.validate_on_submit():
        return _page(meeting, found, agenda_form=form, status=422)
    target, _sep, item = form.target.data.partition("-")

    def page(status: int):
        db.session.expire_all()
        return _page(meeting, minutes.of_meeting(db.session, meeting.id), agenda_form=form,
                     status=status)  # fmt: skip

    return act(
        lambda work: minutes.put_on_agenda(work, current_user, meeting.id,
                                           target_meeting_id=int(target),
                                           item_id=int(item) if item else None),
        done=_("The minutes are on the agenda: the council's vote on that item approves them."),
        to=url_for("minutes.view", meeting_id=meeting.id),
        refused=on_form(form, page),
    )  # fmt: skip


def _text_url(meeting: Meeting) -> str:
    return current_app.config["PUBLIC_URL"] + url_for("minutes.text", meeting_id=meeting.id)


@bp.get("/<int:meeting_id>/minutes.pdf")
def pdf(meeting_id: int):
    meeting, found = minutes.readable(db.session, current_user, meeting_id)
    data = minutes_pdf.render(found, text_url=_text_url(meeting))
    name = f"verbale-seduta-{meeting.starts_at:%Y-%m-%d}-{meeting.id}"
    if not found.approved:
        name += "-bozza"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})  # fmt: skip


@bp.get("/<int:meeting_id>/minutes.md")
def text(meeting_id: int):
    """The text exactly as stored: its SHA-256 is the one in the record and on the PDF."""
    _meeting, found = minutes.readable(db.session, current_user, meeting_id)
    return Response(found.body.encode("utf-8"), mimetype="text/markdown",
                    headers={"Content-Disposition": "inline"})  # fmt: skip
