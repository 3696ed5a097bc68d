"""Decisions (deliberazioni), public: the list, newest first, and a decision's page with the
trail that led to it (proposal and version voted, amendments and their votes, the poll,
attendance, the record's events). Issue 6 adds search and filters to the list."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from council import markdown
from council.domain import amendments, decisions
from council.errors import ValidationError
from council.extensions import db
from council.web.common import IdConverter

bp = Blueprint("decisions", __name__, url_prefix="/decisions")


class SeqConverter(IdConverter):
    """`<seq:...>`: a decision's number within its year, written with three digits:
    /decisions/2026/014 (/decisions/2026/14 is the same decision)."""

    def to_url(self, value) -> str:
        return f"{int(value):03d}"


@bp.app_context_processor
def _helpers():
    """For the proposal page's link to its decision."""
    return {"decision_of": lambda proposal: decisions.of_proposal(db.session, proposal)}


def _page_arg() -> int:
    value = request.args.get("page", "")
    if value == "":
        return 1
    if not value.isdigit() or len(value) > 9:
        raise ValidationError(_("The filter %(name)s is not valid.", name="page"), field="page")
    return int(value)


@bp.get("")
def index():
    results = decisions.listing(db.session, _page_arg())
    return render_template("decisions/list.html", results=results)


@bp.get("/<int:year>/<seq:seq>")
def view(year: int, seq: int):
    decision = decisions.by_number(db.session, current_user, year, seq)
    poll = decision.poll
    proposal = decision.proposal
    return render_template(
        "decisions/view.html",
        decision=decision,
        poll=poll,
        meeting=poll.meeting,
        item=poll.item,
        proposal=proposal,
        version=decisions.voted_version(db.session, decision),
        amendments=amendments.of_proposal(db.session, proposal) if proposal else [],
        amendment_polls=decisions.amendment_polls(db.session, proposal) if proposal else {},
        trail=decisions.trail(db.session, decision),
        text=markdown.render(decision.text),
    )
