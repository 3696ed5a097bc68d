"""Logging in and out, stakeholder registration, one's own account and its sessions."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user

from council.domain import accounts, login_sessions, logins, organisations
from council.errors import DomainError
from council.extensions import db
from council.unit_of_work import unit_of_work
from council.web import clients
from council.web.common import form_error, safe_next
from council.web.forms import ActionForm, LoginForm, PasswordChangeForm, RegistrationForm

bp = Blueprint("auth", __name__)


def _limits() -> logins.Limits:
    config = current_app.config
    return logins.Limits(
        failures=config["LOGIN_MAX_FAILURES"],
        address_failures=config["LOGIN_ADDRESS_MAX_FAILURES"],
        account_failures=config["LOGIN_ACCOUNT_MAX_FAILURES"],
        window=config["LOGIN_FAILURE_WINDOW"],
    )


def _start_session(session, user, *, remember: bool) -> None:
    login_sessions.start(
        session,
        user,
        address=clients.address(),
        device=clients.this_device_name(),
        remember=remember,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        refused = None
        with unit_of_work() as session:
            try:
                user = logins.authenticate(
                    session,
                    email=form.email.data,
                    password=form.password.data,
                    client=clients.client(),
                    limits=_limits(),
                )
            except logins.LoginRefused as error:
                refused = error  # committed: the failed attempt must be counted
            else:
                _start_session(session, user, remember=form.remember.data)
        if refused is None:
            login_user(user, remember=form.remember.data)
            refresh_locale()  # chosen for the visitor; now the person may have their own
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            response = redirect(safe_next(form.next.data, url_for("main.home")))
            clients.remember_device(response, user)
            return response
        form.form_errors.append(refused.message)
        form.password.data = ""
        status = refused.status
        if refused.retry_after:
            headers["Retry-After"] = str(refused.retry_after)
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            with unit_of_work() as session:
                login_sessions.end(session, current_user.login)
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    form.organisation.choices = [(None, _("— choose —"))] + [
        (o.id, f"{o.name} ({o.zone.name})")
        for o in organisations.organisations(db.session, only_active=True)
    ]
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        config = current_app.config
        try:
            with unit_of_work() as session:
                organisation = (
                    organisations.get(session, organisations.Organisation, form.organisation.data)
                    if form.organisation.data
                    else None
                )
                accounts.register_stakeholder(
                    session,
                    email=form.email.data,
                    name=form.name.data,
                    password=form.password.data,
                    organisation=organisation,
                    network=clients.network(),
                    most=config["REGISTRATION_MAX_PER_ADDRESS"],
                    window=config["REGISTRATION_WINDOW"],
                )
        except DomainError as error:
            form_error(form, error)
            status = error.status
            if getattr(error, "retry_after", 0):
                headers["Retry-After"] = str(error.retry_after)
        else:  # the same answer whether the address was free or not
            return render_template("auth/registered.html"), 201
    elif request.method == "POST":
        status = 422
    return render_template("auth/register.html", form=form), status, headers


def _account_page(form: PasswordChangeForm, status: int = 200):
    sessions = login_sessions.active(db.session, current_user)
    return render_template(
        "auth/account.html",
        form=form,
        sessions=sessions,
        this_session=login_sessions.session_id(current_user.login),
        end_form=ActionForm(),
    ), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                here = login_sessions.find(session, current_user.login)
                remember = here is not None and here.remember
                user = session.merge(current_user._get_current_object())
                accounts.change_password(
                    session, user, current=form.current.data, new=form.password.data
                )
                _start_session(session, user, remember=remember)  # this device stays in
        except DomainError as error:
            form_error(form, error)
            return _account_page(form, error.status)
        login_user(user, remember=remember)
        flash(_("Your password was changed. Other devices were logged out."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(form, 422 if request.method == "POST" else 200)


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    """End one device's session (CSRF is checked for every POST by CSRFProtect)."""
    here = login_sessions.session_id(current_user.login)
    with unit_of_work() as session:
        login_sessions.end_one(session, current_user._get_current_object(), session_id)
    if session_id == here:
        logout_user()
        flash(_("You are logged out."), "info")
        return redirect(url_for("main.home"))
    flash(_("That device was logged out."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/end-all")
@login_required
def end_all_sessions():
    with unit_of_work() as session:
        login_sessions.end_all(session, session.merge(current_user._get_current_object()))
    logout_user()
    flash(_("You were logged out of every device, this one included."), "info")
    return redirect(url_for("auth.login"))
