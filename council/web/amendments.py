"""Amendment pages: a proposal's amendments, proposing one, an amendment with its differences,
and the buttons that decide it (accept, send to the vote, withdraw)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from council import markdown
from council.domain import permissions
from council.domain.proposals import amendments, proposal_queries
from council.errors import NotAllowed, NotFound
from council.extensions import db
from council.models.proposal import Amendment, AmendmentState, Proposal
from council.web.common import render_error
from council.web.doors import act, door, on_form
from council.web.forms import ActionForm

bp = Blueprint("amendments", __name__, url_prefix="/proposals/<int:proposal_id>/amendments")

STATE_LABELS = {
    AmendmentState.PROPOSED: _l("Proposed"),
    AmendmentState.ACCEPTED: _l("Accepted by the author"),
    AmendmentState.TO_VOTE: _l("To the council's vote"),
    AmendmentState.APPROVED: _l("Approved by the council"),
    AmendmentState.REJECTED: _l("Rejected by the council"),
    AmendmentState.WITHDRAWN: _l("Withdrawn by its author"),
}
STATE_TONES = {
    AmendmentState.PROPOSED: "info",
    AmendmentState.ACCEPTED: "success",
    AmendmentState.TO_VOTE: "warning",
    AmendmentState.APPROVED: "success",
    AmendmentState.REJECTED: "danger",
    AmendmentState.WITHDRAWN: "neutral",
}


class AmendmentForm(FlaskForm):
    body = TextAreaField(
        _l("Amended text"),
        description=_l(
            "The whole text of the proposal as you would have it (markdown), at most %(n)d "
            "characters. Change only what the amendment is about.",
            n=amendments.MAX_BODY,
        ),
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l(
            "Why the text should change: %(a)d to %(b)d characters.",
            a=amendments.MIN_REASON,
            b=amendments.MAX_REASON,
        ),
    )


@bp.app_context_processor
def _helpers():
    """For the proposal page's amendments section (templates/proposals/_amendments.html)."""
    return {
        "amendments_of": lambda proposal: amendments.of_proposal(db.session, proposal),
        "amendments_open": amendments.open_for_amendments,
        "amendment_state_labels": STATE_LABELS,
        "amendment_state_tones": STATE_TONES,
    }


def _proposal(proposal_id: int) -> Proposal:
    return proposal_queries.get_visible(db.session, current_user, proposal_id)


@bp.get("")
def index(proposal_id: int):
    proposal = _proposal(proposal_id)
    items = amendments.of_proposal(db.session, proposal)
    return render_template("amendments/index.html", proposal=proposal, items=items)


@bp.route("/new", methods=["GET", "POST"])
@door()
def new(proposal_id: int):
    proposal = _proposal(proposal_id)
    permissions.require(current_user, "amendment.create", proposal)
    if request.method == "GET" and not amendments.open_for_amendments(proposal):
        return render_error(
            409, _("Amendments can be proposed only while the proposal is in consultation.")
        )
    current = proposal_queries.current(db.session, proposal)
    form = AmendmentForm(data={"body": current.body})

    def page(status: int):
        return render_template(
            "amendments/new.html", proposal=proposal, version=current, form=form
        ), status

    if form.validate_on_submit():
        return act(
            lambda work: amendments.propose(
                work, current_user, proposal, body=form.body.data, reason=form.reason.data
            ),
            done=lambda _work, amendment: _(
                "Your amendment no. %(n)d is proposed.", n=amendment.number
            ),
            to=lambda amendment: url_for(
                "amendments.view", proposal_id=proposal.id, number=amendment.number
            ),
            refused=on_form(form, page, passes=(NotAllowed, NotFound)),
        )
    return page(400 if form.is_submitted() else 200)


def _page(amendment: Amendment, *, status: int = 200, error: str | None = None):
    proposal = amendment.proposal
    base = amendment.base_version
    resulting = db.session.get(type(base), amendment.resulting_version_id) if (
        amendment.resulting_version_id
    ) else None  # fmt: skip
    return render_template(
        "amendments/view.html",
        proposal=proposal,
        amendment=amendment,
        base=base,
        resulting=resulting,
        pieces=proposal_queries.word_diff(base.body, amendment.body),
        reason=markdown.render(amendment.reason),
        amended=markdown.render(amendment.body),
        stale=amendments.is_stale(amendment),
        action_form=ActionForm(),
        error=error,
    ), status


@bp.get("/<int:number>")
def view(proposal_id: int, number: int):
    return _page(amendments.get(db.session, current_user, proposal_id, number))


def _button(proposal_id: int, number: int, operation, message: str):
    """A button on the amendment page, back to the page. A refusal shows the page again with
    the reason and the error's status."""
    amendment = amendments.get(db.session, current_user, proposal_id, number)

    def refused(error):
        return None if error.status == 404 else _page(amendment, status=error.status,
                                                      error=error.message)  # fmt: skip

    return act(lambda work: operation(work, current_user, amendment), done=message,
               to=url_for("amendments.view", proposal_id=proposal_id, number=number),
               refused=refused)  # fmt: skip


@bp.post("/<int:number>/accept")
@door()
def accept(proposal_id: int, number: int):
    return _button(
        proposal_id, number, amendments.accept,
        _("The amendment is accepted: its text is the new version of the proposal."),
    )  # fmt: skip


@bp.post("/<int:number>/to-vote")
@door()
def to_vote(proposal_id: int, number: int):
    return _button(
        proposal_id, number, amendments.send_to_vote,
        _("The amendment will be put to the council's vote."),
    )  # fmt: skip


@bp.post("/<int:number>/withdraw")
@door()
def withdraw(proposal_id: int, number: int):
    return _button(proposal_id, number, amendments.withdraw, _("The amendment is withdrawn."))
