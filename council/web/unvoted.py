"""Sending a proposal left without a vote back to consultation
(council/domain/proposals/unvoted.py), on the proposals' blueprint: a page to choose the new
deadline, then back where it was asked from (the closed meeting's page or the proposal's). The other
door, onto the next meeting's agenda, is a button of the proposal page
(council/web/proposals.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from council.clock import ROME
from council.domain import permissions
from council.domain.proposals import proposal_queries, unvoted
from council.extensions import db
from council.models.proposal import Proposal
from council.web.common import safe_next
from council.web.doors import act, door, on_form
from council.web.proposal_forms import SubmitForm


def _load(proposal_id: int) -> Proposal:
    return proposal_queries.get_visible(db.session, current_user, proposal_id)


def _back(proposal: Proposal) -> str:
    return safe_next(request.values.get("back"), url_for("proposals.view", proposal_id=proposal.id))


@door()
def consultation(proposal_id: int):
    """GET: the new deadline to choose; POST: send the proposal back to consultation."""
    proposal = _load(proposal_id)
    permissions.require(current_user, "proposal.refer_back", proposal)
    left = unvoted.left_by(db.session, proposal)
    form = SubmitForm()
    status = 200

    def page(status: int):
        return render_template(
            "proposals/unvoted_consultation.html",
            form=form,
            proposal=proposal,
            left=left,
            back=_back(proposal),
        ), status

    if request.method == "GET":
        suggested = datetime.now(ROME) + timedelta(days=30)
        form.deadline_date.data = suggested.date()
        form.deadline_time.data = suggested.replace(hour=18, minute=0).time()
    elif form.validate_on_submit():
        deadline = datetime.combine(form.deadline_date.data, form.deadline_time.data, tzinfo=ROME)
        return act(
            lambda work: unvoted.back_to_consultation(
                work, current_user, proposal, deadline=deadline.astimezone(UTC)
            ),
            done=_("The proposal is back in consultation."),
            to=_back(proposal),
            refused=on_form(form, page, renamed={"deadline": "deadline_date"}),
        )
    else:
        status = 400 if form.csrf_token.errors else 422
    return page(status)
