"""Language and time zone of the person reading: Italian first, English too."""

from __future__ import annotations

import contextlib

from flask import current_app, has_request_context, request, session
from flask_babel import force_locale
from flask_login import current_user

LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, background tasks: the council's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    user = current_user if current_user and current_user.is_authenticated else None
    if user is not None and getattr(user, "locale", None) in languages:
        return user.locale
    # Italian is the council's language: only an explicit choice switches it.
    if request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def speaking(language: str | None):
    """Messages in this language while it lasts (None: the current one), e.g. a refusal in
    the language of the socket that sent the ballot, made in the writer's thread."""
    return force_locale(language) if language else contextlib.nullcontext()
