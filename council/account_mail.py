"""E-mails about one's account: a registration received, or tried with an address that
already has an account (its owner is told, the one who tried learns nothing); the
registration approved or refused (with the reason); a password reset link; a new address
to confirm, and the old one told once it changed. Each is sent after the commit of the
change that asks for it (a listener), in the person's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from council import events, mail
from council.domain.accounts import account_tokens, accounts, password_reset, profile
from council.models.user import User

log = logging.getLogger(__name__)


def compose(user: User, *, new: bool):
    language = mail.language_of(user)
    with force_locale(language):
        if new:
            subject = _("Consiglio: we received your request for an account")
        else:
            subject = _("Consiglio: someone asked for an account with your e-mail address")
        context = {
            "user": user,
            "new": new,
            "title": subject,
            "language": language,
            "login_url": mail.absolute("/login"),
            "home_url": mail.absolute("/"),
        }
        text = render_template("auth/email_registration.txt", **context)
        html = render_template("auth/email_registration.html", **context)
    return mail.build(user.email, subject, text, html, language)


def _letter(user: User, to: str, subject: str, before: list, link: str = "", link_label: str = "",
            after: list | None = None):  # fmt: skip
    """One of the account's plain letters (auth/email_account.*): called inside the
    recipient's language."""
    language = mail.language_of(user)
    context = {
        "title": subject,
        "name": user.name,
        "before": before,
        "link": link,
        "link_label": link_label,
        "after": after or [],
        "language": language,
        "home_url": mail.absolute("/"),
    }
    text = render_template("auth/email_account.txt", **context)
    html = render_template("auth/email_account.html", **context)
    return mail.build(to, subject, text, html, language)


def compose_decision(user: User, *, approved: bool, reason: str = ""):
    with force_locale(mail.language_of(user)):
        if approved:
            return _letter(
                user, user.email, _("Consiglio: your account is active"),
                [_("the council's secretariat approved your request: your account is active.")],
                mail.absolute("/login"), _("Log in"),
            )  # fmt: skip
        return _letter(
            user, user.email, _("Consiglio: your request for an account was not accepted"),
            [_("the council's secretariat did not accept your request for an account. "
               "The reason they gave:"), reason],
            after=[_("If you think this is a mistake, reply to the council's secretariat.")],
        )  # fmt: skip


def compose_reset(user: User, secret: str):
    with force_locale(mail.language_of(user)):
        minutes = int(account_tokens.LIFETIME[account_tokens.PASSWORD_RESET].total_seconds() // 60)
        return _letter(
            user, user.email, _("Consiglio: choose a new password"),
            [_("someone (we hope you) asked to choose a new password for your account.")],
            mail.absolute(f"/password/reset/{secret}"), _("Choose a new password"),
            [_("The link works once, within %(minutes)d minutes. Choosing a new password "
               "logs your account out of every device.", minutes=minutes),
             _("If it was not you, ignore this e-mail: your password has not changed.")],
        )  # fmt: skip


def compose_confirm(user: User, secret: str, address: str):
    with force_locale(mail.language_of(user)):
        return _letter(
            user, address, _("Consiglio: confirm your new e-mail address"),
            [_("you asked to use this address for your account on Consiglio. Nothing changes "
               "until you open this link, within 24 hours.")],
            mail.absolute(f"/account/email/confirm/{secret}"), _("Confirm the new address"),
            [_("If it was not you, ignore this e-mail.")],
        )  # fmt: skip


def compose_changed(user: User, old: str):
    with force_locale(mail.language_of(user)):
        return _letter(
            user, old, _("Consiglio: your e-mail address was changed"),
            [_("the e-mail address of your account on Consiglio is now %(address)s. This "
               "address will receive nothing more from Consiglio.", address=user.email)],
            after=[_("If it was not you, contact the council's secretariat at once.")],
        )  # fmt: skip


def _send(user_id: int, build: Callable[[User], EmailMessage], what: str) -> bool:
    with mail.reading() as session:
        user = session.get(User, user_id)
        if user is None:
            return False
        message = build(user)
    try:
        mail.deliver(message)
    except Exception:
        log.exception("%s e-mail to user %s failed", what, user_id)
        return False
    return True


def send(user_id: int, *, new: bool) -> bool:
    return _send(user_id, lambda user: compose(user, new=new), "registration")


def on_event(event: events.Event) -> None:
    data = event.data
    if event.kind == accounts.REGISTRATION_MAIL:
        mail.after_response(send, data["user"], new=data["new"])
    elif event.kind == accounts.DECISION_MAIL:
        build = lambda u: compose_decision(u, approved=data["approved"],  # noqa: E731
                                           reason=data.get("reason", ""))  # fmt: skip
        mail.after_response(_send, data["user"], build, "decision")
    elif event.kind == password_reset.MAIL:
        build = lambda u: compose_reset(u, data["secret"])  # noqa: E731
        mail.after_response(_send, data["user"], build, "password reset")
    elif event.kind == profile.CONFIRM_MAIL:
        build = lambda u: compose_confirm(u, data["secret"], data["address"])  # noqa: E731
        mail.after_response(_send, data["user"], build, "address confirmation")
    elif event.kind == profile.CHANGED_MAIL:
        build = lambda u: compose_changed(u, data["old"])  # noqa: E731
        mail.after_response(_send, data["user"], build, "address changed")


def init_app(_app: Flask) -> None:
    events.subscribe(on_event)
