"""Decisions (deliberazioni), public, no account and no script needed: the archive (full-text
search and filters as GET parameters), the implementation list (what was decided and what was
done since), and a decision's page with the whole trail that led to it and its implementation
status, where the secretariat posts dated updates."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from council import markdown, record_text
from council.domain import permissions
from council.domain.archive import archive, decision_trail, decisions, implementation
from council.domain.archive.archive import ArchiveFilters
from council.domain.community import organisations as organisations_domain
from council.domain.community.topics import topics
from council.domain.proposals import amendments
from council.errors import DomainError, NotAllowed, NotFound
from council.extensions import db
from council.models.archive import ImplementationState
from council.models.poll import Decision
from council.web.comment_forms import STANCE_LABELS, STANCE_TONES
from council.web.common import IdConverter, choice_arg, int_arg
from council.web.doors import act, on_form
from council.web.meetings import KIND_LABELS as SPEAKER_KINDS

bp = Blueprint("decisions", __name__, url_prefix="/decisions")

IMPLEMENTATION_LABELS = {
    ImplementationState.NOT_STARTED: _l("not yet started"),
    ImplementationState.IN_PROGRESS: _l("in progress"),
    ImplementationState.COMPLETED: _l("completed"),
    ImplementationState.SUSPENDED: _l("suspended"),
}
IMPLEMENTATION_TONES = {
    ImplementationState.NOT_STARTED: "neutral",
    ImplementationState.IN_PROGRESS: "info",
    ImplementationState.COMPLETED: "success",
    ImplementationState.SUSPENDED: "warning",
}
OUTCOME_LABELS = {"approved": _l("Approved"), "rejected": _l("Rejected")}
SORT_LABELS = {
    "relevance": _l("Most relevant first"),
    "newest": _l("Newest first"),
    "updated": _l("Latest implementation updates first"),
}


@lru_cache(maxsize=4096)
def excerpt(text: str) -> str:
    """A plain-text start of a decision or an update, for lists (cached: texts never change)."""
    return markdown.plain(text, 200)


class SeqConverter(IdConverter):
    """`<seq:...>`: a decision's number within its year, written with three digits:
    /decisions/2026/014 (/decisions/2026/14 is the same decision)."""

    def to_url(self, value) -> str:
        return f"{int(value):03d}"


class ImplementationForm(FlaskForm):
    state = SelectField(
        _l("State"),
        choices=[SelectChoice(s.value, IMPLEMENTATION_LABELS[s]) for s in ImplementationState],
    )
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("From 0 to 100: 0 when not yet started, 100 when completed."),
    )
    text = TextAreaField(
        _l("What was done"),
        validators=[InputRequired(), Length(min=implementation.MIN_TEXT,
                                            max=implementation.MAX_TEXT)],
        description=_l("Facts and dates, for the public. Markdown is allowed."),
    )  # fmt: skip


@bp.app_context_processor
def _helpers():
    """For the proposal page's link to its decision, and the implementation badges."""
    return {
        "decision_of": lambda proposal: decisions.of_proposal(db.session, proposal),
        "implementation_labels": IMPLEMENTATION_LABELS,
        "implementation_tones": IMPLEMENTATION_TONES,
    }


# --- the archive ------------------------------------------------------------------------------


def _filters(**fixed) -> ArchiveFilters:
    status = choice_arg("status", {s.value for s in ImplementationState})
    values: dict[str, Any] = dict(
        words=archive.clean(request.args.get("q", "")),
        year=int_arg("year"),
        zone_id=int_arg("zone"),
        topic_id=int_arg("topic"),
        organisation_id=int_arg("organisation"),
        community_point_id=int_arg("point"),
        outcome=choice_arg("outcome", archive.OUTCOMES),
        meeting_id=int_arg("meeting"),
        status=ImplementationState(status) if status else None,
        sort=choice_arg("sort", archive.SORTS),
        page=int_arg("page") or 1,
    )
    values.update(fixed)
    return ArchiveFilters(**values)


ARG_OF = {"words": "q", "year": "year", "zone_id": "zone", "topic_id": "topic",
          "organisation_id": "organisation", "community_point_id": "point",
          "outcome": "outcome", "meeting_id": "meeting", "status": "status",
          "sort": "sort"}  # fmt: skip


def _args(filters: ArchiveFilters, *fixed: str) -> dict[str, str]:
    """The filters as query parameters (without the page, nor those a page fixes)."""
    found = {}
    for name, arg in ARG_OF.items():
        value = getattr(filters, name)
        if value not in (None, "") and arg not in fixed:
            found[arg] = str(value)
    return found


def _active(args: dict[str, str], endpoint: str, choices: dict[str, list]) -> list[tuple]:
    """Each active filter: (what, value, the same search without it)."""
    names = {
        "zone": ({z.id: z.name for z in choices["zones"]}, _("Zone")),
        "topic": ({t.id: t.name for t in choices["topics"]}, _("Topic")),
        "organisation": ({o.id: o.name for o in choices["organisations"]}, _("Organisation")),
        "point": ({p.id: p.name for p in choices["points"]}, _("Community point")),
    }
    found = []
    for arg, value in args.items():
        if arg == "q":
            label, shown = _("Words"), value
        elif arg == "year":
            label, shown = _("Year"), value
        elif arg in names:
            label, shown = names[arg][1], names[arg][0].get(int(value), value)
        elif arg == "outcome":
            label, shown = _("Outcome"), OUTCOME_LABELS[value]
        elif arg == "meeting":
            label = _("Meeting")
            shown = archive.meeting_title(db.session, current_user, int(value)) or value
        elif arg == "status":
            label, shown = _("Implementation"), IMPLEMENTATION_LABELS[ImplementationState(value)]
        else:
            continue
        rest: dict[str, Any] = {k: v for k, v in args.items() if k != arg}
        found.append((label, shown, url_for(endpoint, **rest)))
    return found


def _listing(template: str, endpoint: str, filters: ArchiveFilters, *fixed: str,
             default_sort: str | None = None):  # fmt: skip
    searched = replace(filters, sort=filters.sort or default_sort)
    results = archive.search(db.session, current_user, searched)
    args = _args(filters, *fixed)
    choices: dict[str, Any] = {
        "zones": organisations_domain.zones(db.session),
        "topics": topics(db.session),
        "organisations": organisations_domain.organisations(db.session),
        "points": organisations_domain.community_points(db.session),
    }
    updates = list(
        implementation.latest_updates(db.session, [d.id for d in results.rows]).values()
        if "outcome" in fixed
        else ()
    )
    markdown.prefetch(db.session, [d.text for d in results.rows] + [u.text for u in updates])
    return render_template(
        template,
        results=results,
        filters=filters,
        args=args,
        active=_active(args, endpoint, choices),
        endpoint=endpoint,
        fixed_args=fixed,
        years=archive.years(db.session, current_user),
        **choices,
        outcome_labels=OUTCOME_LABELS,
        sort_labels=SORT_LABELS,
        excerpts={d.id: excerpt(d.text) for d in results.rows},
        latest={u.decision_id: excerpt(u.text) for u in updates},
    )  # fmt: skip


@bp.get("")
def index():
    return _listing("decisions/list.html", "decisions.index", _filters())


@bp.get("/implementation")
def implementation_list():
    """What was decided and what was done since: approved decisions, latest updates first."""
    return _listing("decisions/implementation.html", "decisions.implementation_list",
                    _filters(outcome="approved"), "outcome", default_sort="updated")  # fmt: skip


# --- one decision -----------------------------------------------------------------------------


def _page(decision: Decision, form: ImplementationForm | None = None, status: int = 200):
    poll = decision.poll
    proposal = decision.proposal
    trail = decision_trail.read(db.session, current_user, decision)
    events = decisions.trail(db.session, decision)
    names = record_text.people(db.session, events)
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
        trail=events,
        describe=lambda event: record_text.describe(event, names),
        text=markdown.render(decision.text),
        path=trail,
        minutes_extract=markdown.render(trail.minutes_extract) if trail.minutes_extract else None,
        implementable=implementation.can_have(decision),
        stance_labels=STANCE_LABELS,
        stance_tones=STANCE_TONES,
        speaker_kinds=SPEAKER_KINDS,
        markdown_render=markdown.render,
        plain_text=markdown.plain,
        form=form or _form(trail),
    ), status


def _form(trail: decision_trail.Trail) -> ImplementationForm:
    current = trail.implementation
    state = current.state if current else ImplementationState.NOT_STARTED
    return ImplementationForm(data={"state": str(state), "progress": current.progress if current
                                    else 0})  # fmt: skip


@bp.get("/<int:year>/<seq:seq>")
def view(year: int, seq: int):
    return _page(decisions.by_number(db.session, current_user, year, seq))


@bp.post("/<int:year>/<seq:seq>/implementation")
def post_update(year: int, seq: int):
    decision = decisions.by_number(db.session, current_user, year, seq)
    permissions.require(current_user, "implementation.update")
    form = ImplementationForm()
    if not form.validate_on_submit():
        return _page(decision, form, 400 if form.csrf_token.errors else 422)

    def refused(error: DomainError):
        if not implementation.can_have(decision):
            return None
        return on_form(form, lambda status: _page(decision, form, status),
                       passes=(NotAllowed, NotFound))(error)  # fmt: skip

    return act(
        lambda work: implementation.post_update(work, current_user, decision.id,
                                                state=form.state.data,
                                                progress=form.progress.data,
                                                text=form.text.data),
        done=_("The implementation status is updated."),
        to=url_for("decisions.view", year=year, seq=seq) + "#implementation",
        refused=refused,
    )  # fmt: skip
