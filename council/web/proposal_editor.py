"""The writing side of proposals: the editor (new, edit, preview), submission for consultation,
withdrawal and invitations to co-sign. Registered on the "proposals" blueprint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from council import markdown
from council.clock import ROME
from council.domain import permissions
from council.domain.community import organisations as organisations_domain
from council.domain.community.topics import topics
from council.domain.proposals import proposal_organisations, proposal_queries
from council.domain.proposals import proposals as ops
from council.errors import InvalidState, NotFound, ValidationError
from council.extensions import db
from council.models.organisation import Organisation, Zone
from council.models.proposal import Proposal, ProposalState, Topic
from council.web import preview as preview_view
from council.web.common import form_error
from council.web.doors import act, door, on_form
from council.web.forms import options
from council.web.proposal_forms import InviteForm, ProposalForm, ReasonForm, SubmitForm


def _load(proposal_id: int) -> Proposal:
    return proposal_queries.get_visible(db.session, current_user, proposal_id)


def _view_url(proposal: Proposal, anchor: str | None = None) -> str:
    return url_for("proposals.view", proposal_id=proposal.id, _anchor=anchor)


def _posted(form) -> bool:
    """Validate a POST; a bad CSRF token is said on the form, which stays filled."""
    if form.validate_on_submit():
        return True
    if "csrf_token" in form.errors:
        form.form_errors.append(
            _("The form has expired or did not come from this site. Send it again.")
        )
    return False


def _status(form) -> int:
    return 400 if "csrf_token" in form.errors else 422


# --- the editor -------------------------------------------------------------------------------


def _fill(form: ProposalForm) -> None:
    form.topic.choices = options(((t.id, t.name) for t in topics(db.session)), empty=_("— none —"))
    form.zones.choices = options((z.id, z.name) for z in organisations_domain.zones(db.session))


def _chosen(form: ProposalForm) -> tuple[Topic | None, list[Zone]]:
    topic = db.session.get(Topic, form.topic.data) if form.topic.data else None
    zones = [z for z in (db.session.get(Zone, i) for i in form.zones.data or []) if z]
    return topic, zones


def _editor(form: ProposalForm, proposal: Proposal | None, save):
    """Shared by new and edit: "Preview" re-renders with the text rendered, "Save" saves."""
    preview, status = None, 200

    def page(status: int):
        return render_template(
            "proposals/editor.html", form=form, proposal=proposal, preview=preview,
            public=proposal is not None and proposal_queries.is_public(proposal),
        ), status  # fmt: skip

    if request.method == "POST":
        if not _posted(form):
            status = _status(form)
        elif request.form.get("action") == "preview":
            try:
                preview = markdown.render(ops.clean_body(form.body.data))
            except ValidationError as error:
                form_error(form, error)
                status = error.status
        else:
            return act(save, done=_("Saved."), to=_view_url,
                       refused=on_form(form, page, passes=(NotFound,)))  # fmt: skip
    return page(status)


@door("proposal.create")
def new():
    form = ProposalForm()
    _fill(form)

    def save(session):
        topic, zones = _chosen(form)
        return ops.create(session, current_user, title=form.title.data or "",
                          body=form.body.data or "", topic=topic, zones=zones)  # fmt: skip

    return _editor(form, None, save)


@door()
def edit(proposal_id: int):
    proposal = _load(proposal_id)
    permissions.require(current_user, "proposal.edit", proposal)
    ops.require_editable(proposal)
    form = ProposalForm()
    _fill(form)
    if request.method == "GET":
        latest = proposal_queries.current(db.session, proposal)
        form.title.data, form.body.data = latest.title, latest.body
        form.topic.data = proposal.topic_id
        form.zones.data = [z.id for z in proposal.zones]

    def save(session):
        topic, zones = _chosen(form)
        return ops.edit(session, current_user, proposal, title=form.title.data or "",
                        body=form.body.data or "", topic=topic, zones=zones,
                        change_note=form.change_note.data or "")  # fmt: skip

    return _editor(form, proposal, save)


def preview():
    """The live preview of a proposal's text (the older address of /preview/proposal)."""
    return preview_view.answer("proposal")


# --- submission, withdrawal -------------------------------------------------------------------


@door()
def submit(proposal_id: int):
    proposal = _load(proposal_id)
    permissions.require(current_user, "proposal.submit", proposal)
    if proposal.state not in (ProposalState.DRAFT, ProposalState.REFERRED_BACK):
        raise InvalidState(_("Only a draft can be submitted for consultation."))
    form = SubmitForm()
    status = 200

    def page(status: int):
        return render_template("proposals/submit.html", form=form, proposal=proposal), status

    if request.method == "GET":
        suggested = datetime.now(ROME) + timedelta(days=30)
        form.deadline_date.data = suggested.date()
        form.deadline_time.data = suggested.replace(hour=18, minute=0).time()
    elif _posted(form):
        deadline = datetime.combine(form.deadline_date.data, form.deadline_time.data, tzinfo=ROME)
        return act(
            lambda work: ops.submit(work, current_user, proposal,
                                    deadline=deadline.astimezone(UTC)),
            done=_("The proposal is open for consultation."),
            to=_view_url(proposal),
            refused=on_form(form, page, renamed={"deadline": "deadline_date"}),
        )  # fmt: skip
    else:
        status = _status(form)
    return page(status)


@door()
def withdraw(proposal_id: int):
    proposal = _load(proposal_id)
    permissions.require(current_user, "proposal.withdraw", proposal)
    form = ReasonForm()

    def page(status: int):
        return render_template("proposals/withdraw.html", form=form, proposal=proposal), status

    if request.method == "GET":
        if proposal.state in ops.FINAL:
            raise InvalidState(
                _("The proposal is decided or withdrawn: it can no longer be changed.")
            )
        return page(200)
    if not _posted(form):
        return page(_status(form))
    return act(
        lambda work: ops.withdraw(work, current_user, proposal, reason=form.reason.data or ""),
        done=_("The proposal is withdrawn."),
        to=_view_url(proposal),
        refused=on_form(form, page),
    )


# --- co-signing organisations -------------------------------------------------------------------


@door()
def cosigners(proposal_id: int):
    proposal = _load(proposal_id)
    permissions.require(current_user, "proposal.invite_cosigner", proposal)
    if proposal.state not in proposal_organisations.INVITABLE:
        raise InvalidState(
            _("Organisations can be invited to co-sign only while the proposal is a draft or "
              "in consultation.")
        )  # fmt: skip
    invited = {c.organisation_id for c in proposal.cosigners}
    candidates = [
        o
        for o in organisations_domain.organisations(db.session, only_active=True)
        if o.id != proposal.organisation_id and o.id not in invited
    ]
    form = InviteForm()
    form.organisations.choices = options((o.id, o.name) for o in candidates)

    def page(status: int):
        by_zone: dict[str, list[Organisation]] = {}
        for organisation in candidates:
            by_zone.setdefault(organisation.zone.name, []).append(organisation)
        return render_template(
            "proposals/cosigners.html", form=form, proposal=proposal, by_zone=by_zone,
            chosen=set(form.organisations.data or []),
        ), status  # fmt: skip

    def invite(work):
        chosen = [work.get(Organisation, i) for i in form.organisations.data]
        proposal_organisations.invite_cosigners(work, current_user, proposal,
                                                [o for o in chosen if o])  # fmt: skip

    if request.method == "GET":
        return page(200)
    if not _posted(form):
        return page(_status(form))
    return act(invite, done=_("Invitations sent."), to=_view_url(proposal, "cosigners"),
               refused=on_form(form, page))  # fmt: skip
