"""Two-step sign-in over HTTP (council/domain/accounts/two_step.py): the code after the password,
setting it up at login when one's role requires it, and on the account page (turn on, new
recovery codes, turn off).

Between the password and the code the browser is not logged in: the Flask session holds
only who is waiting (for at most ten minutes, and only while the password stays the same);
no login session exists until the second step passes, so nothing, page or socket, can be
reached with the password alone."""

from __future__ import annotations

import hashlib
import time

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from council.domain.accounts import login_sessions, two_step
from council.errors import DomainError
from council.extensions import db
from council.models.user import User
from council.unit_of_work import unit_of_work
from council.web.common import form_error
from council.web.doors import act, door, flash_back, retry_after
from council.web.forms import CodeForm, PasswordConfirmForm
from council.web.login_state import start_session, welcome

bp = Blueprint("two_step", __name__)
PENDING = "two_step"
PENDING_SECONDS = 600


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def await_second_step(user: User, *, remember: bool, next_url: str | None) -> None:
    session[PENDING] = {
        "user": user.id,
        "at": int(time.time()),
        "remember": bool(remember),
        "next": next_url or "",
        "password": _fingerprint(user),
    }


def _waiting(db_session) -> tuple[User, dict] | None:
    """Who passed the password on this browser and waits for the second step, if still
    valid (recent, the account active, its password unchanged)."""
    data = session.get(PENDING)
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    if not 0 <= time.time() - data.get("at", 0) <= PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db_session.get(User, data["user"])
    if user is None or not user.is_active or data.get("password") != _fingerprint(user):
        session.pop(PENDING, None)
        return None
    return user, data


def _expired():
    flash(_("The time to finish logging in ran out. Log in again."), "info")
    return redirect(url_for("auth.login"))


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG (no request leaves the page)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")


def spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _login(session_, user: User, data: dict):
    start_session(session_, user, remember=data["remember"], second_step=True)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    waiting = _waiting(db.session)
    if waiting is None:
        return _expired()
    user, data = waiting
    form = CodeForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        refused, left = None, None
        with unit_of_work() as work:
            user = work.merge(user)
            try:
                how = two_step.verify(work, user, form.code.data)
            except DomainError as error:
                refused = error  # committed: the wrong code must be counted
            else:
                _login(work, user, data)
                if how == "recovery":
                    left = two_step.recovery_codes_left(work, user)
        if refused is None:
            session.pop(PENDING, None)
            if left is not None:
                flash(_("You used a recovery code: %(n)d left. Make new ones from your "
                        "account page if you are running out.", n=left), "warning")  # fmt: skip
            return welcome(user, remember=data["remember"], next_url=data["next"])
        form_error(form, refused)
        form.code.data = ""
        status = refused.status
        headers = retry_after(refused)
    elif request.method == "POST":
        status = 422
    return render_template("auth/two_step_code.html", form=form), status, headers


def _setup_page(user: User, form: CodeForm, action: str, status: int = 200, **extra):
    with unit_of_work() as work:
        row = two_step.begin(work, work.merge(user))
        uri, secret = two_step.provisioning_uri(user, row), row.secret
    return render_template(
        "auth/two_step_setup.html", form=form, qr=qr_svg(uri), secret=spaced(secret),
        action=action, **extra,
    ), status  # fmt: skip


def _codes_page(codes: list[str], next_url: str):
    return render_template("auth/two_step_codes.html", codes=codes, next_url=next_url)


@bp.route("/login/set-up", methods=["GET", "POST"])
def login_set_up():
    """One whose role requires the second step sets it up before reaching anything."""
    waiting = _waiting(db.session)
    if waiting is None:
        return _expired()
    user, data = waiting
    form = CodeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                user = work.merge(user)
                codes = two_step.confirm(work, user, form.code.data)
                _login(work, user, data)
        except DomainError as error:
            form_error(form, error)
            form.code.data = ""
            return _setup_page(user, form, url_for("two_step.login_set_up"), error.status,
                               required=True)  # fmt: skip
        session.pop(PENDING, None)
        login_user(user, remember=data["remember"])
        return _codes_page(codes, data["next"] or url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return _setup_page(user, form, url_for("two_step.login_set_up"), status, required=True)


@bp.route("/account/two-step", methods=["GET", "POST"])
@door()
def account():
    me = current_user._get_current_object()
    form = CodeForm()
    if two_step.enabled(db.session, me):
        return render_template(
            "auth/two_step_on.html",
            left=two_step.recovery_codes_left(db.session, me),
            required=two_step.must_use(db.session, me),
            renew_form=PasswordConfirmForm(prefix="renew"),
            off_form=PasswordConfirmForm(prefix="off"),
        )
    if form.validate_on_submit():
        here = login_sessions.find(db.session, me.login)
        remember = here is not None and here.remember
        try:
            with unit_of_work() as work:
                me = work.merge(me)
                codes = two_step.confirm(work, me, form.code.data)
                _login(work, me, {"remember": remember})
        except DomainError as error:
            form_error(form, error)
            form.code.data = ""
            return _setup_page(me, form, url_for("two_step.account"), error.status)
        login_user(me, remember=remember)
        flash(_("Two-step sign-in is on. Other devices were logged out."), "success")
        return _codes_page(codes, url_for("auth.account"))
    return _setup_page(me, form, url_for("two_step.account"),
                       422 if request.method == "POST" else 200)  # fmt: skip


@bp.post("/account/two-step/codes")
@door()
def renew_codes():
    form = PasswordConfirmForm(prefix="renew")
    if form.validate_on_submit():
        try:
            with unit_of_work() as work:
                codes = two_step.renew_codes(
                    work, work.merge(current_user._get_current_object()),
                    password=form.password.data,
                )  # fmt: skip
        except DomainError as error:
            flash(error.message, "error")
        else:
            return _codes_page(codes, url_for("auth.account"))
    else:
        flash(_("Type your password."), "error")
    return redirect(url_for("two_step.account"))


@bp.post("/account/two-step/off")
@door()
def turn_off():
    form = PasswordConfirmForm(prefix="off")
    back = url_for("two_step.account")
    if not form.validate_on_submit():
        flash(_("Type your password."), "error")
        return redirect(back)
    return act(
        lambda work: two_step.turn_off(work, work.merge(current_user._get_current_object()),
                                       password=form.password.data),
        done=_("Two-step sign-in is off."),
        to=url_for("auth.account"),
        refused=lambda error: flash_back(error, back),
    )  # fmt: skip
