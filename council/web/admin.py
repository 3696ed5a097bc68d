"""Administration: accounts and roles, registrations to approve, zones, Punti, organisations."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from council.domain import permissions
from council.domain.accounts import accounts, two_step
from council.domain.community import organisations, topics
from council.errors import DomainError
from council.extensions import db
from council.models.organisation import CommunityPoint, Organisation, Zone
from council.models.proposal import Topic
from council.models.user import AccountStatus, CouncilGroup, Role, User, UserRole
from council.web.common import form_error
from council.web.doors import act, door, flash_back, on_form
from council.web.forms import (
    ActionForm,
    CommunityPointForm,
    NewUserForm,
    OrganisationForm,
    PasswordResetForm,
    RejectForm,
    StatusForm,
    TopicForm,
    UserForm,
    ZoneForm,
    options,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {
    Role.STAKEHOLDER: _l("Stakeholder"),
    Role.MEMBER: _l("Council member"),
    Role.SECRETARY: _l("Secretary"),
    Role.CHAIR: _l("Chair"),
    Role.ADMIN: _l("Administrator"),
}
STATUS_LABELS = {
    AccountStatus.PENDING: _l("Waiting for approval"),
    AccountStatus.ACTIVE: _l("Active"),
    AccountStatus.DISABLED: _l("Disabled"),
}
GROUP_LABELS = {
    CouncilGroup.ADMINISTRATION: _l("City administration"),
    CouncilGroup.THIRD_SECTOR: _l("Third sector"),
}
PAGE_SIZE = 50
MAX_PAGE = 100_000  # keeps the OFFSET within what the databases accept


@bp.context_processor
def _labels():
    return {
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "group_labels": GROUP_LABELS,
    }


@bp.get("/")
@door("admin.enter")
def dashboard():
    return render_template(
        "admin/dashboard.html",
        pending=accounts.pending_count(db.session),
        users=db.session.scalar(select(func.count()).select_from(User)),
        organisations=db.session.scalar(select(func.count()).select_from(Organisation)),
        two_step_required=two_step.required(db.session),
        action_form=ActionForm(),
    )


@bp.post("/two-step")
@door("settings.manage")
def two_step_requirement():
    on = request.form.get("required") == "1"
    if on:
        done = _("Two-step sign-in is now required for the chair, the secretary and the "
                 "administrators.")  # fmt: skip
    else:
        done = _("Two-step sign-in is no longer required.")
    return act(
        lambda work: two_step.set_required(
            work, work.merge(current_user._get_current_object()), on
        ),
        done=done,
        to=url_for("admin.dashboard"),
    )


# --- accounts ------------------------------------------------------------------------------


@bp.get("/users")
@door("account.list")
def users():
    query = select(User).order_by(User.name)
    words = (request.args.get("q") or "").strip()[:100]
    if words:
        like = f"%{words}%"
        query = query.where(or_(User.name.ilike(like), User.email.ilike(like)))
    role = request.args.get("role")
    if role in set(Role):
        query = query.where(User.role_rows.any(UserRole.role == Role(role)))
    status = request.args.get("status")
    if status in set(AccountStatus):
        query = query.where(User.status == AccountStatus(status))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return render_template(
        "admin/users.html",
        rows=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        q=words,
        role=role,
        status=status,
        action_form=ActionForm(),
    )


def _fill_user_choices(form: UserForm) -> None:
    form.organisation.choices = options(
        ((o.id, o.name) for o in organisations.organisations(db.session)), empty=_("— none —")
    )
    form.council_group.choices = options(GROUP_LABELS.items(), empty=_("— none —"))
    form.roles.choices = options(ROLE_LABELS.items())


def _chosen(form: UserForm):
    organisation = (
        organisations.get(db.session, Organisation, form.organisation.data)
        if form.organisation.data
        else None
    )
    group = CouncilGroup(form.council_group.data) if form.council_group.data else None
    roles = {Role(r) for r in form.roles.data or [] if r in set(Role)}
    return organisation, group, roles


@bp.route("/users/new", methods=["GET", "POST"])
@door("account.manage")
def new_user():
    form = NewUserForm()
    _fill_user_choices(form)

    def page(status: int):
        return render_template("admin/user_new.html", form=form), status

    def create(work):
        organisation, group, roles = _chosen(form)
        return accounts.create_user(
            work,
            current_user,
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            roles=roles,
            organisation=organisation,
            council_group=group,
        )

    if form.validate_on_submit():
        return act(create, done=_("Account created."),
                   to=lambda user: url_for("admin.user", user_id=user.id),
                   refused=on_form(form, page))  # fmt: skip
    return page(422 if request.method == "POST" else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@door("account.list")
def user(user_id: int, reject_form: RejectForm | None = None, status: int = 200):
    person = accounts.get_user(db.session, user_id)
    editing = request.method == "POST" and reject_form is None
    form = UserForm() if editing else UserForm(formdata=None, obj=person)
    _fill_user_choices(form)
    if not editing:
        form.organisation.data = person.organisation_id
        form.council_group.data = str(person.council_group) if person.council_group else ""
        form.roles.data = sorted(str(r) for r in person.roles)

    def page(status: int):
        status_form = StatusForm(status=str(person.status))
        status_form.status.choices = options(STATUS_LABELS.items())
        return render_template(
            "admin/user.html",
            person=person,
            form=form,
            status_form=status_form,
            reset_form=PasswordResetForm(),
            action_form=ActionForm(),
            reject_form=reject_form or RejectForm(),
            has_second_step=two_step.enabled(db.session, person),
        ), status

    if editing:
        permissions.require(current_user, "account.manage")
        if not form.validate_on_submit():
            return page(422)

        def update(work):
            organisation, group, roles = _chosen(form)
            accounts.update_account(
                work,
                current_user,
                person,
                name=form.name.data,
                email=form.email.data,
                organisation=organisation,
                council_group=group,
                roles=roles,
            )

        def refused(error: DomainError):
            db.session.refresh(person)
            return on_form(form, page)(error)

        return act(update, done=_("Changes saved."),
                   to=url_for("admin.user", user_id=person.id), refused=refused)  # fmt: skip
    return page(status)


def _button(user_id: int, operation: Callable, message: str):
    """A button on the account's page: back to it, or to the list of registrations."""
    if request.form.get("back") == "list":
        back = url_for("admin.users", status="pending")
    else:
        back = url_for("admin.user", user_id=user_id)
    return act(lambda work: operation(work, current_user, accounts.get_user(work, user_id)),
               done=message, to=back)  # fmt: skip


@bp.post("/users/<int:user_id>/approve")
@door("account.approve")
def approve(user_id: int):
    return _button(user_id, accounts.approve, _("Registration approved."))


@bp.post("/users/<int:user_id>/reject")
@door("account.approve")
def reject(user_id: int):
    form = RejectForm()
    if not form.validate_on_submit():
        return user(user_id, reject_form=form, status=422)

    def refused(error: DomainError):
        if error.field != "reason":
            return None
        form_error(form, error)
        return user(user_id, reject_form=form, status=error.status)

    return act(
        lambda work: accounts.reject(work, current_user, accounts.get_user(work, user_id),
                                     reason=form.reason.data),
        done=_("Registration refused. The applicant was told the reason by e-mail."),
        to=url_for("admin.users", status="pending"),
        refused=refused,
    )  # fmt: skip


@bp.post("/users/<int:user_id>/two-step/reset")
@door("account.manage")
def reset_two_step(user_id: int):
    return _button(user_id, two_step.reset_for, _("Two-step sign-in is off for this account."))


@bp.post("/users/<int:user_id>/status")
@door("account.manage")
def set_status(user_id: int):
    form = StatusForm()
    form.status.choices = options(STATUS_LABELS.items())
    back = url_for("admin.user", user_id=user_id)
    if not form.validate_on_submit():
        flash(_("Choose a valid status."), "error")
        return redirect(back)
    return act(
        lambda work: accounts.set_status(work, current_user, accounts.get_user(work, user_id),
                                         AccountStatus(form.status.data)),
        done=_("Status changed."),
        to=back,
    )  # fmt: skip


@bp.post("/users/<int:user_id>/password")
@door("account.manage")
def reset_password(user_id: int):
    form = PasswordResetForm()
    back = url_for("admin.user", user_id=user_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(back)
    return act(
        lambda work: accounts.reset_password(work, current_user, accounts.get_user(work, user_id),
                                             new=form.password.data),
        done=_("Password reset. Tell the person the new password privately."),
        to=back,
        refused=lambda error: flash_back(error, back),
    )  # fmt: skip


# --- zones, Punti di comunità, organisations -----------------------------------------------


def _zone_choices() -> list:
    return options(((z.id, z.name) for z in organisations.zones(db.session)), empty=_("— choose —"))


def _edit(kind: str, model, form_class, object_id: int | None, setup, save):
    """The create/edit page shared by zones, Punti di comunità and organisations."""
    obj = organisations.get(db.session, model, object_id) if object_id else None
    form = form_class(obj=obj if request.method == "GET" else None)
    setup(form, obj)

    def page(status: int):
        return render_template("admin/edit.html", form=form, obj=obj, kind=kind), status

    def refused(error: DomainError):
        if obj is not None:
            db.session.refresh(obj)
        return on_form(form, page)(error)

    if form.validate_on_submit():
        return act(lambda work: save(work, obj, form), done=_("Saved."),
                   to=lambda saved: url_for(f"admin.{kind}_list", _anchor=f"{kind}-{saved.id}"),
                   refused=refused)  # fmt: skip
    return page(422 if request.method == "POST" else 200)


@bp.get("/zones")
@door("zone.manage")
def zone_list():
    return render_template("admin/zones.html", rows=organisations.zones(db.session))


@bp.route("/zones/new", methods=["GET", "POST"], defaults={"zone_id": None})
@bp.route("/zones/<int:zone_id>", methods=["GET", "POST"])
@door("zone.manage")
def zone(zone_id: int | None):
    def save(session, obj, form):
        return organisations.save_zone(
            session, current_user, obj, name=form.name.data, description=form.description.data
        )

    return _edit("zone", Zone, ZoneForm, zone_id, lambda form, obj: None, save)


@bp.get("/topics")
@door("topic.manage")
def topic_list():
    return render_template("admin/topics.html", rows=topics.topics(db.session))


@bp.route("/topics/new", methods=["GET", "POST"], defaults={"topic_id": None})
@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@door("topic.manage")
def topic(topic_id: int | None):
    def save(session, obj, form):
        return topics.save_topic(session, current_user, obj, name=form.name.data)

    return _edit("topic", Topic, TopicForm, topic_id, lambda form, obj: None, save)


@bp.get("/community-points")
@door("community_point.manage")
def community_point_list():
    return render_template(
        "admin/community_points.html", rows=organisations.community_points(db.session)
    )


@bp.route("/community-points/new", methods=["GET", "POST"], defaults={"point_id": None})
@bp.route("/community-points/<int:point_id>", methods=["GET", "POST"])
@door("community_point.manage")
def community_point(point_id: int | None):
    def setup(form, obj):
        form.zone.choices = _zone_choices()
        if obj is not None and request.method == "GET":
            form.zone.data = obj.zone_id

    def save(session, obj, form):
        return organisations.save_community_point(
            session,
            current_user,
            obj,
            name=form.name.data,
            zone=organisations.get(session, Zone, form.zone.data),
            address=form.address.data,
        )

    return _edit("community_point", CommunityPoint, CommunityPointForm, point_id, setup, save)


@bp.get("/organisations")
@door("organisation.manage")
def organisation_list():
    return render_template("admin/organisations.html", rows=organisations.organisations(db.session))


@bp.route("/organisations/new", methods=["GET", "POST"], defaults={"organisation_id": None})
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@door("organisation.manage")
def organisation(organisation_id: int | None):
    def setup(form, obj):
        form.zone.choices = _zone_choices()
        form.community_point.choices = options(
            ((p.id, p.name) for p in organisations.community_points(db.session)),
            empty=_("— none —"),
        )
        if obj is not None and request.method == "GET":
            form.zone.data = obj.zone_id
            form.community_point.data = obj.community_point_id

    def save(session, obj, form):
        point = form.community_point.data
        return organisations.save_organisation(
            session,
            current_user,
            obj,
            name=form.name.data,
            kind=form.kind.data,
            zone=organisations.get(session, Zone, form.zone.data),
            community_point=organisations.get(session, CommunityPoint, point) if point else None,
            website=form.website.data or "",
            active=form.active.data,
        )

    return _edit("organisation", Organisation, OrganisationForm, organisation_id, setup, save)
