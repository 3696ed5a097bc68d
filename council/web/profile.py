"""One's own details on the account page: name and language, a new e-mail address
(confirmed by the link sent to it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user

from council.domain.accounts import account_tokens, profile
from council.errors import DomainError
from council.extensions import db
from council.unit_of_work import unit_of_work
from council.web.auth import account_page, link_refused
from council.web.common import form_error
from council.web.doors import act, door, retry_after
from council.web.forms import ActionForm, EmailChangeForm, ProfileForm

bp = Blueprint("profile", __name__)


@bp.post("/account/profile")
@door()
def details():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                profile.update_details(
                    work, work.merge(current_user._get_current_object()),
                    name=form.name.data, locale=form.locale.data,
                )  # fmt: skip
        except DomainError as error:
            form_error(form, error)
            return account_page(error.status, profile_form=form)
        session["locale"] = form.locale.data  # the choice of this browser follows
        refresh_locale()
        flash(_("Your details were saved."), "success")
        return redirect(url_for("auth.account", _anchor="profile-title"))
    return account_page(422, profile_form=form)


@bp.post("/account/email")
@door()
def change_email():
    form = EmailChangeForm()
    if form.validate_on_submit():

        def refused(error: DomainError):
            form_error(form, error)
            form.password.data = ""
            page, status = account_page(error.status, email_form=form)
            return page, status, retry_after(error)

        return act(
            lambda work: profile.request_email_change(
                work, work.merge(current_user._get_current_object()),
                email=form.email.data, password=form.password.data,
            ),
            done=_("We sent a link to %(address)s: open it within 24 hours to confirm the new "
                   "address. Until then your address stays the same.",
                   address=form.email.data.strip()),
            to=url_for("auth.account", _anchor="email-title"),
            refused=refused,
        )  # fmt: skip
    form.password.data = ""
    return account_page(422, email_form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """GET shows what will change (mail scanners open links: they must not change it);
    the button confirms."""
    try:
        found = account_tokens.check(db.session, token, account_tokens.EMAIL_CHANGE)
        form = ActionForm()
        if form.validate_on_submit():
            if current_user.is_authenticated:
                back = url_for("auth.account", _anchor="email-title")
            else:
                back = url_for("auth.login")
            return act(lambda work: profile.confirm_email_change(work, token), to=back,
                       done=_("Your e-mail address is now %(address)s.",
                              address=found.new_email))  # fmt: skip
    except account_tokens.LinkRefused as error:
        again = url_for("auth.account", _anchor="email-title")
        return link_refused(error, again=again, again_label=_("Go to your account"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/email_confirm.html", form=form, address=found.new_email, token=token
    ), status
