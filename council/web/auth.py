"""Logging in and out, stakeholder registration, one's own account and its sessions."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from council.domain.accounts import (
    account_tokens,
    accounts,
    login_sessions,
    logins,
    password_reset,
    two_step,
)
from council.domain.community import organisations
from council.domain.notifications import notifications
from council.domain.notifications.notification_messages import FLAG_LABELS, FREQUENCY_LABELS
from council.errors import DomainError
from council.extensions import db
from council.unit_of_work import unit_of_work
from council.web import clients
from council.web import two_step as two_step_web
from council.web.common import form_error, safe_next
from council.web.doors import door, retry_after
from council.web.forms import (
    ActionForm,
    EmailChangeForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    ProfileForm,
    RegistrationForm,
    options,
)
from council.web.login_state import start_session, welcome

bp = Blueprint("auth", __name__)


def _limits() -> logins.Limits:
    config = current_app.config
    return logins.Limits(
        failures=config["LOGIN_MAX_FAILURES"],
        address_failures=config["LOGIN_ADDRESS_MAX_FAILURES"],
        account_failures=config["LOGIN_ACCOUNT_MAX_FAILURES"],
        window=config["LOGIN_FAILURE_WINDOW"],
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        refused, second_step = None, None
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
                if two_step.enabled(session, user):
                    second_step = "code"
                elif two_step.must_use(session, user):
                    second_step = "set_up"
                else:
                    start_session(session, user, remember=form.remember.data)
        if refused is None and second_step is not None:
            # no session yet: the password alone opens nothing (council/web/two_step.py)
            two_step_web.await_second_step(
                user, remember=form.remember.data, next_url=form.next.data
            )
            return redirect(url_for(f"two_step.login_{second_step}"))
        if refused is None:
            return welcome(user, remember=form.remember.data, next_url=form.next.data)
        form.form_errors.append(refused.message)
        form.password.data = ""
        status = refused.status
        headers = retry_after(refused)
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
    form.organisation.choices = options(
        (
            (o.id, f"{o.name} ({o.zone.name})")
            for o in organisations.organisations(db.session, only_active=True)
        ),
        empty=_("— choose —"),
    )
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
            headers = retry_after(error)
        else:  # the same answer whether the address was free or not
            return render_template("auth/registered.html"), 201
    elif request.method == "POST":
        status = 422
    return render_template("auth/register.html", form=form), status, headers


def account_page(status: int = 200, **forms):
    """The account page, with the forms given (those posted, with their errors) and fresh
    ones for the rest."""
    me = current_user._get_current_object()
    forms.setdefault("form", PasswordChangeForm())
    forms.setdefault(
        "profile_form", ProfileForm(name=me.name, locale=me.locale or get_locale().language)
    )
    forms.setdefault("email_form", EmailChangeForm())
    return render_template(
        "auth/account.html",
        sessions=login_sessions.active(db.session, me),
        this_session=login_sessions.session_id(me.login),
        end_form=ActionForm(),
        two_step_on=two_step.enabled(db.session, me),
        two_step_required=two_step.must_use(db.session, me),
        notification_settings=notifications.preferences(db.session, me.id),
        flag_labels=FLAG_LABELS,
        frequency_labels=FREQUENCY_LABELS,
        **forms,
    ), status


@bp.route("/account", methods=["GET", "POST"])
@door()
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
                start_session(
                    session,
                    user,
                    remember=remember,
                    second_step=here is not None and here.second_step,
                )  # this device stays in
        except DomainError as error:
            form_error(form, error)
            return account_page(error.status, form=form)
        login_user(user, remember=remember)
        flash(_("Your password was changed. Other devices were logged out."), "success")
        return redirect(url_for("auth.account"))
    return account_page(422 if request.method == "POST" else 200, form=form)


@bp.post("/account/sessions/<int:session_id>/end")
@door()
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
@door()
def end_all_sessions():
    with unit_of_work() as session:
        login_sessions.end_all(session, session.merge(current_user._get_current_object()))
    logout_user()
    flash(_("You were logged out of every device, this one included."), "info")
    return redirect(url_for("auth.login"))


# --- a forgotten password ------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        config = current_app.config
        try:
            with unit_of_work() as session:
                password_reset.request_link(
                    session,
                    email=form.email.data,
                    network=clients.network(),
                    most_per_network=config["PASSWORD_RESET_MAX_PER_ADDRESS"],
                    most_per_account=config["PASSWORD_RESET_MAX_PER_ACCOUNT"],
                )
        except DomainError as error:
            form.form_errors.append(error.message)
            status = error.status
            headers = retry_after(error)
        else:  # the same answer whether the address has an account or not
            return render_template("auth/forgot_sent.html", message=password_reset.message_sent())
    elif request.method == "POST":
        status = 422
    return render_template("auth/forgot.html", form=form), status, headers


def link_refused(error: account_tokens.LinkRefused, *, again: str, again_label: str):
    return render_template(
        "auth/link_refused.html", message=error.message, again=again, again_label=again_label
    ), error.status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = NewPasswordForm()
    status = 200
    try:
        password_reset.check_link(db.session, token)
        if form.validate_on_submit():
            try:
                with unit_of_work() as session:
                    password_reset.reset(session, token, new=form.password.data)
            except account_tokens.LinkRefused:
                raise
            except DomainError as error:
                form_error(form, error)
                status = error.status
            else:
                if current_user.is_authenticated:
                    logout_user()
                flash(_("Your password was changed and every device was logged out. "
                        "Log in with the new password."), "success")  # fmt: skip
                return redirect(url_for("auth.login"))
        elif request.method == "POST":
            status = 422
    except account_tokens.LinkRefused as error:
        return link_refused(
            error, again=url_for("auth.forgot_password"), again_label=_("Ask for a new link")
        )
    return render_template("auth/reset.html", form=form, token=token), status
