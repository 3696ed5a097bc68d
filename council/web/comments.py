"""The discussion of a proposal over HTTP: post, reply, edit, delete, moderate, threads,
history, and the fragments the live page fetches after a `discussion.changed` message."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from council import public_paths
from council.domain import permissions
from council.domain.discussion import comments, discussion
from council.errors import DomainError, ValidationError
from council.extensions import db
from council.markdown import render
from council.models.comment import Comment
from council.models.proposal import Proposal
from council.web import discussion_view as views
from council.web.comment_forms import (
    STANCE_LABELS,
    STANCE_TONES,
    CommentForm,
    EditCommentForm,
    HideForm,
    optional_int,
)
from council.web.common import form_error, safe_next
from council.web.doors import act, on_form
from council.web.forms import ActionForm

bp = Blueprint("comments", __name__, url_prefix="/proposals/<int:proposal_id>/comments")

HIDDEN_FIELDS = ("parent", "paragraph")


@bp.record_once
def _template_globals(state) -> None:
    """Globals, not a context processor: the comment macros are imported without context."""
    state.app.jinja_env.globals.update(
        discussion=views.for_page,
        paragraph_comments=views.paragraph_comments,
        paragraph_numbers=views.numbers_of,
        paragraph_number=views.paragraph_number,
        comment_html=views.comment_html,
        revision_html=views.revision_html,
        markdown_html=render,
        comment_url=public_paths.comment,
        stance_labels=STANCE_LABELS,
        stance_tones=STANCE_TONES,
    )


def _proposal(proposal_id: int) -> Proposal:
    return discussion.readable_proposal(db.session, current_user, proposal_id)


def _comment(proposal: Proposal, comment_id: int) -> Comment:
    return discussion.get_comment(db.session, proposal, comment_id)


def _error_on(form, error: DomainError) -> None:
    """Errors on hidden fields are shown with the form's own errors."""
    if isinstance(error, ValidationError) and error.field in HIDDEN_FIELDS:
        form.form_errors.append(error.message)
    else:
        form_error(form, error)


def _back(comment: Comment, target: str | None, fallback: str) -> str:
    """Where to land after a change: the page the form came from, at the comment; a deep
    reply lives on its thread page."""
    if comment.depth > views.PAGE_LEVELS:
        return public_paths.comment(comment)
    return safe_next(target, fallback).split("#", 1)[0] + f"#c-{comment.id}"


# --- the discussion and its threads -----------------------------------------------------------


@bp.get("")
def index(proposal_id: int):
    """The whole discussion on its own page (the proposal page shows the same under its text)."""
    proposal = _proposal(proposal_id)
    return render_template("comments/index.html", proposal=proposal, version=None)


@bp.get("/<int:comment_id>")
def thread(proposal_id: int, comment_id: int):
    proposal = _proposal(proposal_id)
    view = views.for_thread(proposal, _comment(proposal, comment_id))
    return render_template("comments/thread.html", proposal=proposal, d=view)


@bp.get("/<int:comment_id>/history")
def history(proposal_id: int, comment_id: int):
    proposal = _proposal(proposal_id)
    comment = _comment(proposal, comment_id)
    view = views.base(proposal)
    revisions = discussion.revisions(db.session, comment)
    return render_template(
        "comments/history.html", proposal=proposal, d=view, comment=comment, revisions=revisions
    )


# --- writing ------------------------------------------------------------------------------------


def _new_form_page(proposal: Proposal, form: CommentForm, status: int = 200):
    view = views.base(proposal)
    parent = paragraph = None
    try:
        parent_id = optional_int(form.parent.data, "parent")
        index = optional_int(form.paragraph.data, "paragraph")
    except ValidationError:
        parent_id = index = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        parent = parent if parent is not None and parent.proposal_id == proposal.id else None
    if index is not None:
        blocks = views.paragraph_texts(view.current)
        numbered = views.paragraph_number(view.current, index) is not None  # not a heading
        paragraph = (index, blocks[index]) if index < len(blocks) and numbered else None
    return render_template(
        "comments/new.html", proposal=proposal, d=view, form=form, parent=parent,
        paragraph=paragraph,
    ), status  # fmt: skip


@bp.get("/new")
def new(proposal_id: int):
    """The comment form on its own page: replying, or commenting one paragraph, without JS."""
    proposal = _proposal(proposal_id)
    form = CommentForm(formdata=None, next=views.proposal_url(proposal))
    form.parent.data = request.args.get("parent", "")[:10]
    form.paragraph.data = request.args.get("paragraph", "")[:10]
    return _new_form_page(proposal, form)


@bp.post("")
def create(proposal_id: int):
    proposal = _proposal(proposal_id)
    form = CommentForm()
    if not form.validate_on_submit():
        form.form_errors.append(_("The form has expired. Try again."))
        return _new_form_page(proposal, form, 400)

    def post(work) -> Comment:
        parent_id = optional_int(form.parent.data, "parent")
        parent = _comment(proposal, parent_id) if parent_id is not None else None
        return comments.post_comment(
            work,
            current_user,
            proposal,
            form.body.data,
            stance=form.stance.data,
            parent=parent,
            paragraph=optional_int(form.paragraph.data, "paragraph"),
        )

    def refused(error: DomainError):
        _error_on(form, error)
        return _new_form_page(proposal, form, error.status)

    return act(post, done=_("Your comment is published."),
               to=lambda comment: _back(comment, form.next.data, views.proposal_url(proposal)),
               refused=refused)  # fmt: skip


def _confirm_and_apply(
    proposal_id: int, comment_id: int, *, template: str, make_form, check, apply, done
):
    """A GET page that asks, a POST that does: editing, deleting, hiding (no script needed)."""
    proposal = _proposal(proposal_id)
    comment = _comment(proposal, comment_id)
    view = views.base(proposal)
    if request.method == "GET":
        check(comment)
    form = make_form(comment)

    def page(status: int):
        return render_template(
            template, proposal=proposal, d=view, comment=comment, form=form
        ), status

    def refused(error: DomainError):
        db.session.refresh(comment)
        return on_form(form, page)(error)

    if request.method == "GET":
        return page(200)
    if not form.validate_on_submit():
        form.form_errors.append(_("The form has expired. Try again."))
        return page(400)
    return act(lambda work: apply(work, comment, form), done=done,
               to=lambda _none: public_paths.comment(comment), refused=refused)  # fmt: skip


@bp.route("/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(proposal_id: int, comment_id: int):
    return _confirm_and_apply(
        proposal_id, comment_id, template="comments/edit.html",
        make_form=lambda comment: EditCommentForm(
            formdata=request.form if request.method == "POST" else None,
            data={"body": comment.body, "stance": str(comment.stance or "")},
        ),
        check=lambda comment: comments.check_changeable(
            db.session, current_user, comment, "comment.edit"
        ),
        apply=lambda session, comment, form: comments.edit_comment(
            session, current_user, comment, form.body.data, form.stance.data
        ),
        done=_("Your comment is updated."),
    )  # fmt: skip


@bp.route("/<int:comment_id>/delete", methods=["GET", "POST"])
def delete(proposal_id: int, comment_id: int):
    return _confirm_and_apply(
        proposal_id, comment_id, template="comments/delete.html",
        make_form=lambda _comment: ActionForm(),
        check=lambda comment: comments.check_changeable(
            db.session, current_user, comment, "comment.delete"
        ),
        apply=lambda session, comment, _form: comments.delete_comment(
            session, current_user, comment
        ),
        done=_("Your comment is deleted."),
    )  # fmt: skip


@bp.route("/<int:comment_id>/hide", methods=["GET", "POST"])
def hide(proposal_id: int, comment_id: int):
    return _confirm_and_apply(
        proposal_id, comment_id, template="comments/hide.html",
        make_form=lambda _comment: HideForm(),
        check=lambda comment: permissions.require(current_user, "comment.moderate", comment),
        apply=lambda session, comment, form: comments.hide_comment(
            session, current_user, comment, form.reason.data
        ),
        done=_("The comment is hidden; the reason is shown in its place."),
    )  # fmt: skip


@bp.post("/<int:comment_id>/unhide")
def unhide(proposal_id: int, comment_id: int):
    proposal = _proposal(proposal_id)
    comment = _comment(proposal, comment_id)
    return act(
        lambda work: comments.unhide_comment(work, current_user, comment),
        done=_("The comment is visible again."),
        to=lambda _none: public_paths.comment(comment),
    )


# --- fragments for the live page ----------------------------------------------------------------


def _level(value: str | None, most: int) -> int:
    return int(value) if value and value.isdigit() and int(value) <= most else 0


@bp.get("/<int:comment_id>/fragment")
def fragment(proposal_id: int, comment_id: int):
    """One comment rendered by the page's own partial: as a thread item at `level` (its
    replies below, folded as on the page), or compact (in a paragraph's list)."""
    proposal = _proposal(proposal_id)
    comment = _comment(proposal, comment_id)
    view = views.for_thread(proposal, comment)
    view.max_level = _level(request.args.get("max"), views.THREAD_LEVELS) or views.PAGE_LEVELS
    if request.args.get("thread") != "1":
        view.focus = None  # as on the proposal page: folded replies open the whole thread
    compact = request.args.get("view") == "compact"
    return render_template(
        "comments/fragment.html", d=view, comment=comment, compact=compact,
        level=_level(request.args.get("level"), view.max_level),
    )  # fmt: skip


def _version(proposal: Proposal):
    number = request.args.get("version", "")
    view = views.base(proposal)
    if number.isdigit() and len(number) < 7:
        for version in proposal.versions:
            if version.number == int(number):
                view.version = version
                return view
        abort(404)
    return view


@bp.get("/tally")
def tally(proposal_id: int):
    view = _version(_proposal(proposal_id))
    view.tally = discussion.tally(db.session, view.version.id)
    return render_template("comments/_tally.html", d=view)


@bp.get("/paragraphs/<int:index>")
def paragraph(proposal_id: int, index: int):
    proposal = _proposal(proposal_id)
    view = _version(proposal)
    if index >= len(views.paragraph_texts(view.version)):
        abort(404)
    return render_template(
        "proposals/_paragraph_tools.html", proposal=proposal, version=view.version, index=index
    )


@bp.get("/counts")
def counts(proposal_id: int):
    proposal = _proposal(proposal_id)
    return {"comments": proposal.comment_count, "supports": proposal.support_count}
