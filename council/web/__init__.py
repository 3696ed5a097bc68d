"""Blueprints and the cross-cutting web concerns: security headers, errors, template helpers."""

from __future__ import annotations

import logging

from flask import Flask, abort, request
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from council.domain import permissions
from council.domain.meetings import attendance
from council.errors import DomainError
from council.extensions import db, login_manager
from council.i18n import LANGUAGE_NAMES
from council.web import (
    about,
    admin,
    amendments,
    api,
    auth,
    comments,
    community,
    consultations,
    decisions,
    login_state,
    main,
    meetings,
    minutes,
    notifications,
    open_data,
    polls,
    preview,
    profile,
    proposals,
    two_step,
)
from council.web.common import IdConverter, error_message, render_error
from council.web.page_cache import PageCache

log = logging.getLogger(__name__)

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["seq"] = decisions.SeqConverter
    for blueprint in (main.bp, auth.bp, admin.bp, api.bp, proposals.bp, comments.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(about.bp)
    app.register_blueprint(two_step.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(amendments.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(consultations.bp)
    app.register_blueprint(polls.bp)
    app.register_blueprint(decisions.bp)
    app.register_blueprint(minutes.bp)
    app.register_blueprint(open_data.bp)
    app.register_blueprint(open_data.feeds)
    app.register_blueprint(preview.bp)
    app.register_blueprint(community.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_state.init_app(app)

    @app.before_request
    def _refuse_nul_characters():
        """Nobody types a NUL and PostgreSQL cannot store one: refuse it here, not with a 500."""
        for values in (request.args, request.form):
            if any("\x00" in key + value for key, value in values.items(multi=True)):
                abort(400)

    PageCache(app.config.get("PAGE_CACHE_ENTRIES", 256)).init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        # Static files never touch the login session: with "strong" session protection,
        # loading the user there could rewrite the cookie of a request that ran meanwhile.
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.context_processor
    def _helpers():
        return {
            "can": lambda action, obj=None: permissions.can(current_user, action, obj),
            "language_names": LANGUAGE_NAMES,
            "get_locale": get_locale,
            "attendance_open": attendance.is_open,
        }

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        if request.path.startswith("/api/"):
            return {"error": error.code, "message": error.message}, error.status
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError):
        message = _(
            "The form has expired or did not come from this site. Reload the page and try again."
        )
        if request.endpoint in preview.ENDPOINTS:
            return {"error": "csrf", "message": message}, 400
        return render_error(400, message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        if request.path.startswith("/api/"):
            return {"error": error.name, "message": error_message(status)}, status
        return render_error(status)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if request.path.startswith("/api/"):
            return {"error": "Internal Server Error", "message": error_message(500)}, 500
        return render_error(500)
