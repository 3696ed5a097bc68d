"""The door of every state-changing view: who may come in, the operation in one unit of work,
what a refusal shows, the success message and the redirect. CSRF is checked before any view
runs, for every POST, by CSRFProtect (council/extensions.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, redirect
from flask_login import current_user
from sqlalchemy.orm import Session

from council.domain import permissions
from council.errors import DomainError
from council.extensions import login_manager
from council.unit_of_work import unit_of_work
from council.web.common import form_error

T = TypeVar("T")


def admit(permission: str | None = None, obj: Any = None):
    """None when the visitor may go on; flask-login's redirect to the login page (with
    `next`) for the anonymous. Raises NotAllowed (403) to one logged in without
    `permission` (on `obj`, when the rule looks at it)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if permission is not None:
        permissions.require(current_user, permission, obj)
    return None


def door(permission: str | None = None) -> Callable:
    """The view is for those logged in and, when named, allowed `permission`: see admit."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if (refused := admit(permission)) is not None:
                return refused
            return view(*args, **kwargs)

        return wrapped

    return decorator


def act(
    operation: Callable[[Session], T],
    *,
    done: str | Callable[[Session, T], str] | None,
    to: str | Callable[[T], str],
    refused: Callable[[DomainError], Any] | None = None,
):
    """Run `operation` in one unit of work (committed once; rolled back whole on an error),
    then flash `done` (a message, or made from the result inside the transaction) and
    redirect `to` (an address, or made from the result).

    A domain error is answered by `refused` (the view's own page again, saying why, or a
    flash and a redirect); when it returns None, or without it, the app's error page says
    why with the error's status (403, 404, 409, 422)."""
    try:
        with unit_of_work() as work:
            result = operation(work)
            message = done(work, result) if callable(done) else done
    except DomainError as error:
        answer = refused(error) if refused is not None else None
        if answer is None:
            raise
        return answer
    if message:
        flash(message, "success")
    return redirect(to(result) if callable(to) else to)


def on_form(
    form,
    page: Callable[[int], Any],
    *,
    passes: tuple[type[DomainError], ...] = (),
    status: int | None = None,
    renamed: dict[str, str] | None = None,
):
    """`refused` for a view with a form: the error on the field it names (`renamed` maps the
    domain's names to the form's) or on the form, the page again with the error's status (or
    `status`). Errors of the kinds in `passes` go to the error page instead."""

    def refused(error: DomainError):
        if isinstance(error, passes):
            return None
        if renamed and error.field in renamed:
            error.field = renamed[error.field]
        form_error(form, error)
        return page(status or error.status)

    return refused


def flash_back(error: DomainError, to: str):
    """`refused` that says why in a flash message and goes back `to`."""
    flash(error.message, "error")
    return redirect(to)


def retry_after(error: DomainError) -> dict[str, str]:
    """The Retry-After header of a refusal that says when to try again (RateLimited)."""
    seconds = getattr(error, "retry_after", 0)
    return {"Retry-After": str(seconds)} if seconds else {}
