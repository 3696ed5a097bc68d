"""Proposal pages: the public list, a proposal with its versions and supports, the editor,
submission, co-signing, and the buttons that change a proposal's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from council import markdown
from council.domain import permissions
from council.domain.community import organisations as organisations_domain
from council.domain.community.topics import topics
from council.domain.notifications import follows
from council.domain.proposals import proposal_organisations, proposal_queries
from council.domain.proposals import proposals as ops
from council.domain.proposals import unvoted as unvoted_ops
from council.domain.proposals.proposal_queries import STATE_LABELS, Filters
from council.extensions import db
from council.models.proposal import CosignState, FollowTarget, Proposal, ProposalState
from council.models.user import User
from council.web import proposal_editor, unvoted
from council.web.common import choice_arg, int_arg, render_error, safe_next
from council.web.doors import act, door
from council.web.forms import ActionForm

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
# The writing side lives in proposal_editor.py, on this same blueprint.
for rule, editor_view, methods in (
    ("/new", proposal_editor.new, ["GET", "POST"]),
    ("/preview", proposal_editor.preview, ["POST"]),
    ("/<int:proposal_id>/edit", proposal_editor.edit, ["GET", "POST"]),
    ("/<int:proposal_id>/submit", proposal_editor.submit, ["GET", "POST"]),
    ("/<int:proposal_id>/withdraw", proposal_editor.withdraw, ["GET", "POST"]),
    ("/<int:proposal_id>/cosigners", proposal_editor.cosigners, ["GET", "POST"]),
    ("/<int:proposal_id>/unvoted/consultation", unvoted.consultation, ["GET", "POST"]),
):
    bp.add_url_rule(rule, view_func=editor_view, methods=methods)

STATE_TONES = {
    ProposalState.DRAFT: "neutral",
    ProposalState.CONSULTATION: "info",
    ProposalState.ON_AGENDA: "warning",
    ProposalState.APPROVED: "success",
    ProposalState.REJECTED: "danger",
    ProposalState.WITHDRAWN: "neutral",
    ProposalState.REFERRED_BACK: "warning",
}


@bp.context_processor
def _helpers():
    return {
        "state_labels": STATE_LABELS,
        "state_tones": STATE_TONES,
        "markdown": markdown.render,
        "deadline_note": deadline_note,
    }


def deadline_note(deadline: datetime | None) -> str:
    """ "closes in 3 days", "closes within a day", "closed"."""
    if deadline is None:
        return ""
    left = deadline - datetime.now(UTC)
    if left <= timedelta(0):
        return _("closed")
    if left < timedelta(days=1):
        return _("closes within a day")
    return ngettext("closes in %(num)d day", "closes in %(num)d days", left.days)


def _load(proposal_id: int) -> Proposal:
    return proposal_queries.get_visible(db.session, current_user, proposal_id)


# --- the list ----------------------------------------------------------------------------------


def _filters() -> Filters:
    state = choice_arg("state", set(ProposalState))
    sort = choice_arg("sort", proposal_queries.SORTS) or "newest"
    return Filters(
        words=(request.args.get("q") or "").strip()[:200],
        state=ProposalState(state) if state else None,
        zone_id=int_arg("zone"),
        topic_id=int_arg("topic"),
        organisation_id=int_arg("organisation"),
        community_point_id=int_arg("point"),
        author=(request.args.get("author") or "").strip()[:16] or None,
        sort=sort,
        page=int_arg("page") or 1,
    )


@bp.get("")
def index():
    filters = _filters()
    results = proposal_queries.search(db.session, current_user, filters)
    author = (
        db.session.scalar(select(User).where(User.public_id == filters.author))
        if filters.author
        else None
    )
    args = {
        "q": filters.words or None,
        "state": str(filters.state) if filters.state else None,
        "zone": filters.zone_id,
        "topic": filters.topic_id,
        "organisation": filters.organisation_id,
        "point": filters.community_point_id,
        "author": filters.author,
        "sort": filters.sort if filters.sort != "newest" else None,
    }
    return render_template(
        "proposals/list.html",
        results=results,
        excerpts=proposal_queries.excerpts(db.session, results.rows),
        filters=filters,
        args={k: v for k, v in args.items() if v is not None},
        author=author,
        zones=organisations_domain.zones(db.session),
        topics=topics(db.session),
        organisations=organisations_domain.organisations(db.session),
        points=organisations_domain.community_points(db.session),
    )


# --- one proposal ----------------------------------------------------------------------------


def _page(proposal: Proposal, *, status: int = 200, error: str | None = None):
    user = permissions.as_user(current_user)
    version = proposal_queries.current(db.session, proposal)
    invitation = proposal_organisations.invitation_for(proposal, user)
    own_support = proposal_queries.support_of(
        db.session, proposal, user.organisation_id if user else None
    )
    is_author = user is not None and user.id == proposal.author_id
    cosigners = sorted(proposal.cosigners, key=lambda c: c.organisation.name)
    supports = sorted(proposal.supports, key=lambda s: s.organisation.name)
    blocks = markdown.paragraphs(version.body)
    markdown.prefetch(db.session, blocks)
    left = unvoted_ops.left_by(db.session, proposal)
    return render_template(
        "proposals/view.html",
        proposal=proposal,
        version=version,
        blocks=blocks,
        is_author=is_author,
        cosigners=[c for c in cosigners if is_author or c.state == CosignState.ACCEPTED],
        invitation=invitation if invitation and invitation.state == CosignState.INVITED else None,
        supports=supports,
        own_support=own_support,
        can_support=(
            user is not None
            and user.organisation is not None
            and proposal.state in proposal_organisations.SUPPORTABLE
            and permissions.can(user, "proposal.support", proposal)
            and not proposal_organisations.signs(proposal, user.organisation_id)
        ),
        following=follows.is_following(db.session, user, FollowTarget.PROPOSAL, proposal.id),
        action_form=ActionForm(),
        error=error,
        editable=proposal.state in ops.EDITABLE,
        invitable=proposal.state in proposal_organisations.INVITABLE,
        left=left,
        next_meeting=unvoted_ops.next_meeting(db.session)
        if left and permissions.can(user, "proposal.refer_back")
        else None,
    ), status


@bp.get("/<int:proposal_id>")
def view(proposal_id: int):
    return _page(_load(proposal_id))


def _button(proposal_id: int, operation, message: str, anchor: str | None = None):
    """A button on the proposal page, back to the page (or to the page named by the form's
    `back`: the closed meeting's). A refusal shows the proposal page again with the reason
    and the error's status."""
    proposal = _load(proposal_id)
    page = url_for("proposals.view", proposal_id=proposal.id, _anchor=anchor)

    def refused(error):
        return None if error.status == 404 else _page(proposal, status=error.status,
                                                      error=error.message)  # fmt: skip

    return act(lambda work: operation(work, current_user, proposal), done=message,
               to=safe_next(request.form.get("back"), page), refused=refused)  # fmt: skip


@bp.post("/<int:proposal_id>/support")
@door()
def support(proposal_id: int):
    return _button(proposal_id, proposal_organisations.support,
                   _("Your organisation now supports this proposal."), "supports")  # fmt: skip


@bp.post("/<int:proposal_id>/support/withdraw")
@door()
def withdraw_support(proposal_id: int):
    return _button(
        proposal_id,
        proposal_organisations.withdraw_support,
        _("Your organisation no longer supports this proposal."),
        "supports",
    )


@bp.post("/<int:proposal_id>/follow")
@door()
def follow(proposal_id: int):
    return _button(
        proposal_id,
        lambda s, actor, p: follows.follow(s, actor, FollowTarget.PROPOSAL, p.id),
        _("You follow this proposal: you will be notified of its changes."),
    )


@bp.post("/<int:proposal_id>/unfollow")
@door()
def unfollow(proposal_id: int):
    return _button(
        proposal_id,
        lambda s, actor, p: follows.unfollow(s, actor, FollowTarget.PROPOSAL, p.id),
        _("You no longer follow this proposal."),
    )


@bp.post("/<int:proposal_id>/cosign/accept")
@door()
def cosign_accept(proposal_id: int):
    return _button(
        proposal_id,
        lambda s, actor, p: proposal_organisations.answer_cosign(s, actor, p, accept=True),
        _("Your organisation co-signs this proposal."),
    )


@bp.post("/<int:proposal_id>/cosign/decline")
@door()
def cosign_decline(proposal_id: int):
    return _button(
        proposal_id,
        lambda s, actor, p: proposal_organisations.answer_cosign(s, actor, p, accept=False),
        _("You declined the invitation to co-sign."),
    )


@bp.post("/<int:proposal_id>/schedule")
@door()
def schedule(proposal_id: int):
    return _button(proposal_id, ops.schedule, _("The proposal is on the agenda."))


@bp.post("/<int:proposal_id>/unvoted/next-agenda")
@door()
def next_agenda(proposal_id: int):
    """A proposal left without a vote, onto the agenda of the next meeting."""
    return _button(proposal_id, unvoted_ops.onto_next_agenda,
                   _("The proposal is on the agenda of the next meeting."), "unvoted")  # fmt: skip


@bp.get("/<int:proposal_id>/versions/<int:number>")
def version_page(proposal_id: int, number: int):
    proposal = _load(proposal_id)
    version = proposal_queries.version(db.session, proposal, number)
    return render_template(
        "proposals/version.html",
        proposal=proposal,
        version=version,
        blocks=markdown.paragraphs(version.body),
    )


@bp.get("/<int:proposal_id>/diff")
def diff(proposal_id: int):
    proposal = _load(proposal_id)
    numbers = []
    for name, default in (("from", max(1, proposal.current_version - 1)),
                          ("to", proposal.current_version)):  # fmt: skip
        value = request.args.get(name, "")
        if value and (not value.isdigit() or len(value) > 6):
            return render_error(422, _("Choose two versions of the proposal."))
        numbers.append(int(value) if value else default)
    old = proposal_queries.version(db.session, proposal, numbers[0])
    new = proposal_queries.version(db.session, proposal, numbers[1])
    between = [v for v in proposal.versions if min(old.number, new.number) < v.number <= max(
        old.number, new.number)]  # fmt: skip
    return render_template(
        "proposals/diff.html",
        proposal=proposal,
        old=old,
        new=new,
        title_pieces=proposal_queries.word_diff(old.title, new.title),
        pieces=proposal_queries.word_diff(old.body, new.body),
        notes=[v for v in between if v.change_note],
    )
