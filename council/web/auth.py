"""Logging in and out, stakeholder registration, one's own account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user

from council.domain import accounts, organisations
from council.errors import DomainError
from council.extensions import db
from council.unit_of_work import unit_of_work
from council.web.common import form_error, safe_next
from council.web.forms import ActionForm, LoginForm, PasswordChangeForm, RegistrationForm

bp = Blueprint("auth", __name__)


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
                user = accounts.authenticate(
                    session,
                    email=form.email.data,
                    password=form.password.data,
                    max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                    window=current_app.config["LOGIN_FAILURE_WINDOW"],
                )
            except accounts.LoginRefused as error:
                refused = error  # committed: the failed attempt must be counted
        if refused is None:
            login_user(user, remember=form.remember.data)
            refresh_locale()  # chosen for the visitor; now the person may have their own
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data, url_for("main.home")))
        form.form_errors.append(refused.message)
        form.password.data = ""
        status = 429 if refused.retry_after else 422
        if refused.retry_after:
            headers["Retry-After"] = str(refused.retry_after)
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status, headers


@bp.post("/logout")
def logout():
    form = ActionForm()
    if form.validate_on_submit():
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
    if form.validate_on_submit():
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
                )
        except DomainError as error:
            form_error(form, error)
            status = error.status
        else:
            return render_template("auth/registered.html"), 201
    elif request.method == "POST":
        status = 422
    return render_template("auth/register.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                user = session.merge(current_user._get_current_object())
                accounts.change_password(
                    session, user, current=form.current.data, new=form.password.data
                )
        except DomainError as error:
            form_error(form, error)
            status = error.status
        else:
            login_user(user)  # the session version changed: stay logged in here only
            flash(_("Your password was changed. Other devices were logged out."), "success")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/account.html", form=form), status
