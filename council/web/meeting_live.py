"""The live session's HTML doors: the public live view, the chair's console, and the forms
that work without JavaScript (the same operations the socket events call)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from council.domain import attendance, live_session, meetings, permissions, proxies, speakers
from council.errors import NotAllowed, ValidationError
from council.extensions import db, login_manager
from council.models.meeting import Meeting
from council.unit_of_work import unit_of_work
from council.web.common import render_error, safe_next
from council.web.forms import ActionForm

SESSION_ACTIONS: dict[str, Callable] = {
    "open": live_session.open_session,
    "suspend": live_session.suspend,
    "resume": live_session.resume,
    "close": live_session.close,
}


def new_client_id() -> str:
    """The id of one request to speak, carried by its form: a form sent twice is one request."""
    return "f-" + secrets.token_urlsafe(12)


def bad_form():
    return render_error(400)


def _load(meeting_id: int) -> Meeting:
    return meetings.get(db.session, current_user, meeting_id)


def _posted_int(name: str, *, required: bool = True) -> int | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationError(_("The request is malformed (%(field)s).", field=name), field=name)
    return int(value)


def _posted_str(name: str) -> str | None:
    value = request.form.get(name, "").strip()
    return value[:64] or None


def _act(meeting_id: int, operation: Callable, done: str):
    """A live action from a form: log in first, CSRF, the operation, back where it came from.
    Refusals (403/404/409/422) are error pages saying why; nothing is changed."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not ActionForm().validate_on_submit():
        return bad_form()
    with unit_of_work() as work:
        operation(work, current_user._get_current_object())
    flash(done, "success")
    back = url_for("meetings.view", meeting_id=meeting_id)
    return redirect(safe_next(request.form.get("next"), back))


def live(meeting_id: int):
    """The public live view, for a projector or a phone: no account needed."""
    meeting = _load(meeting_id)
    return render_template(
        "meetings/live.html", meeting=meeting, snap=live_session.state(db.session, meeting)
    )


def console(meeting_id: int):
    """The chair's console (the secretary uses it for the attendance)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not (
        permissions.can(current_user, "session.run")
        or permissions.can(current_user, "attendance.manage")
    ):
        raise NotAllowed(_("You are not allowed to do this."))
    meeting = _load(meeting_id)
    return render_template(
        "meetings/console.html",
        meeting=meeting,
        snap=live_session.state(db.session, meeting),
        members=meetings.members(db.session),
        action_form=ActionForm(),
        runs=permissions.can(current_user, "session.run"),
        default_limit=speakers.speaking_limit(),
    )


def session_action(meeting_id: int, action: str):
    operation = SESSION_ACTIONS.get(action)
    if operation is None:
        return render_error(404)
    labels = {
        "open": _("The session is open."),
        "suspend": _("The session is suspended."),
        "resume": _("The session has resumed."),
        "close": _("The session is closed."),
    }
    return _act(meeting_id, lambda w, u: operation(w, u, meeting_id), labels[action])


def move_to(meeting_id: int):
    return _act(meeting_id,
                lambda w, u: live_session.move_to(w, u, meeting_id, _posted_int("item")),
                _("The item is now under discussion."))  # fmt: skip


def check_in(meeting_id: int):
    return _act(meeting_id,
                lambda w, u: attendance.check_in(w, u, meeting_id, _posted_str("member")),
                _("Marked present."))  # fmt: skip


def check_out(meeting_id: int):
    return _act(meeting_id,
                lambda w, u: attendance.check_out(w, u, meeting_id, _posted_str("member")),
                _("Marked as gone."))  # fmt: skip


def ask(meeting_id: int):
    kind, client_id = request.form.get("kind", ""), request.form.get("client_id", "")
    return _act(
        meeting_id,
        lambda w, u: speakers.request(w, u, meeting_id, kind=kind, client_id=client_id),
        _("You are on the list of speakers."),
    )


def withdraw(meeting_id: int, request_id: int):
    return _act(meeting_id, lambda w, u: speakers.withdraw(w, u, meeting_id, request_id),
                _("The request was withdrawn."))  # fmt: skip


def give_floor(meeting_id: int, request_id: int):
    def give(work, user):
        minutes = _posted_int("minutes", required=False)
        limit = minutes * 60 if minutes is not None else None
        return speakers.give_floor(work, user, meeting_id, request_id, limit_s=limit)

    return _act(meeting_id, give, _("The floor is given."))


def end_floor(meeting_id: int, request_id: int):
    return _act(meeting_id, lambda w, u: speakers.end_floor(w, u, meeting_id, request_id),
                _("The intervention ended."))  # fmt: skip


def reorder(meeting_id: int, request_id: int):
    return _act(
        meeting_id,
        lambda w, u: speakers.reorder(w, u, meeting_id, request_id, _posted_int("position")),
        _("The list of speakers was reordered."),
    )


def grant_proxy(meeting_id: int):
    return _act(meeting_id, lambda w, u: proxies.grant(w, u, meeting_id, _posted_str("to")),
                _("Your vote is delegated for this meeting."))  # fmt: skip


def revoke_proxy(meeting_id: int):
    return _act(meeting_id, lambda w, u: proxies.revoke(w, u, meeting_id),
                _("Your proxy is revoked."))  # fmt: skip


def register(bp: Blueprint) -> None:
    for rule, view, methods in (
        ("/<int:meeting_id>/live", live, ["GET"]),
        ("/<int:meeting_id>/console", console, ["GET"]),
        ("/<int:meeting_id>/session/<action>", session_action, ["POST"]),
        ("/<int:meeting_id>/current-item", move_to, ["POST"]),
        ("/<int:meeting_id>/attendance/check-in", check_in, ["POST"]),
        ("/<int:meeting_id>/attendance/check-out", check_out, ["POST"]),
        ("/<int:meeting_id>/speakers", ask, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/withdraw", withdraw, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/floor", give_floor, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/end", end_floor, ["POST"]),
        ("/<int:meeting_id>/speakers/<int:request_id>/move", reorder, ["POST"]),
        ("/<int:meeting_id>/proxy", grant_proxy, ["POST"]),
        ("/<int:meeting_id>/proxy/revoke", revoke_proxy, ["POST"]),
    ):
        bp.add_url_rule(rule, view_func=view, methods=methods)
