"""Helpers shared by the blueprints: safe redirects, error pages, domain errors on forms, filters
read from the query string."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.routing import IntegerConverter

from council.errors import DomainError, ValidationError

ERROR_TITLES = {
    400: lazy_gettext("The request could not be understood"),
    403: lazy_gettext("Not allowed"),
    404: lazy_gettext("Page not found"),
    405: lazy_gettext("Not allowed"),
    409: lazy_gettext("Not possible right now"),
    413: lazy_gettext("Too large"),
    422: lazy_gettext("Something is not right"),
    429: lazy_gettext("Too many requests"),
    500: lazy_gettext("Something went wrong"),
}


def error_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page or do this."),
        404: _("The page you asked for does not exist or was moved."),
        405: _("This action is not available here."),
        409: _("The action conflicts with the current state."),
        413: _("What you sent is too large."),
        422: _("The data sent could not be accepted."),
        429: _("Too many requests: wait a moment and try again."),
        500: _("An unexpected error occurred. Nothing was changed; please try again later."),
    }
    return messages.get(status, _("An error occurred."))


# Ids and record sequence numbers are 32-bit INTEGER columns on PostgreSQL.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in our URLs names a row: past the largest id nothing exists (404, not 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site relative paths may be redirect targets."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


def render_error(status: int, message: str | None = None):
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    body = render_template(
        "errors/error.html", status=status, title=title, message=message or error_message(status)
    )
    return body, status


def form_error(form, error: DomainError) -> None:
    """Attach a domain error to the form field it names, or to the form as a whole."""
    name = error.field if isinstance(error, ValidationError) else None
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def int_arg(name: str) -> int | None:
    """A whole number filter from the query string; None when absent, ValidationError else."""
    value = request.args.get(name, "")
    if value == "":
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationError(_("The filter %(name)s is not valid.", name=name), field=name)
    return int(value)


def choice_arg(name: str, allowed) -> str | None:
    """A filter from the query string, one of allowed; None when absent, ValidationError else."""
    value = request.args.get(name, "")
    if value == "":
        return None
    if value not in allowed:
        raise ValidationError(_("The filter %(name)s is not valid.", name=name), field=name)
    return value
