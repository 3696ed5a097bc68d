"""Flask-Login on top of the sessions kept on the server
(council/domain/accounts/login_sessions.py): the loader checks the login against its session row
(one read by primary key), a browser whose session was ended elsewhere has its stale login and
remember cookie cleared, and "last seen" is written after the request, at most once a minute per
session.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import Session

from council.domain.accounts import login_sessions
from council.extensions import db, login_manager
from council.models.user import User
from council.web import clients
from council.web.common import safe_next

log = logging.getLogger(__name__)


def load(login: str) -> User | None:
    row = login_sessions.find(db.session, login)
    if row is None:
        return None
    if login_sessions.due(row):
        g.login_seen = (row.id, clients.address())
    return row.user


def _forget_ended_login() -> None:
    """A session ended on the server (logout elsewhere, a password change…) but still named
    by this browser's cookie: forget it, and the remember cookie with it, so that the browser
    is anonymous again (public pages come from the page cache)."""
    if request.endpoint == "static":
        return
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" not in session and remember not in request.cookies:
        return
    if not current_user.is_authenticated:
        logout_user()


def _touch(_error: BaseException | None = None) -> None:
    """Write "last seen" in a short transaction of its own, after the request's work: never
    inside a unit of work (on SQLite it would wait for the lock that very request holds)."""
    seen = g.pop("login_seen", None)
    if seen is None:
        return
    try:
        with Session(db.engine) as own:
            login_sessions.touch(own, *seen)
            own.commit()
    except Exception:  # "last seen" can wait for the next request
        log.exception("could not note when session %s was last seen", seen[0])


def start_session(db_session, user, *, remember: bool, second_step: bool = False) -> None:
    login_sessions.start(
        db_session,
        user,
        address=clients.address(),
        device=clients.this_device_name(),
        remember=remember,
        second_step=second_step,
    )


def welcome(user, *, remember: bool, next_url: str | None):
    """After the session was started and committed: the browser logged in."""
    login_user(user, remember=remember)
    refresh_locale()  # chosen for the visitor; now the person may have their own
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    response = redirect(safe_next(next_url, url_for("main.home")))
    clients.remember_device(response, user)
    return response


def init_app(app: Flask) -> None:
    login_manager.user_loader(load)
    app.before_request(_forget_ended_login)
    app.teardown_request(_touch)
