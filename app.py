"""Composition root: create_app() builds Flask and wires the council and the realtime layer.

`python app.py` serves the app with Socket.IO; `flask --app app ...` runs the CLI.
"""

from __future__ import annotations

import os

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from council import (
    account_mail,
    feedback_mail,
    logs,
    mail,
    meeting_mail,
    rendered_texts,
    scheduler,
    serving,
    web,
)
from council import config as settings
from council.cli import register_cli
from council.domain.accounts import login_sessions
from council.domain.accounts.accounts import configure_hashing
from council.extensions import babel, csrf, db, login_manager, socketio
from council.i18n import select_locale, select_timezone
from realtime import init_realtime


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="templates",
        static_folder="static",
        instance_path=str(settings.INSTANCE),
    )
    app.config.update(settings.load(overrides))

    logs.configure(app)  # before anything logs
    configure_hashing(fast=app.config.get("PASSWORD_HASH_FAST", False))
    login_sessions.configure(idle=int(app.config["SESSION_IDLE_DAYS"] * 86400))
    db.init_app(app)
    rendered_texts.listen()  # markdown fields rendered when written (council/markdown.py)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories="council/translations",
    )
    login_manager.init_app(app)
    web.init_app(app)
    mail.init_app(app)  # "at once" notification e-mails, after commit
    meeting_mail.init_app(app)  # convocations with their .ics, after commit
    account_mail.init_app(app)  # registrations received or tried with a taken address
    feedback_mail.init_app(app)  # accessibility feedback, to the secretariat
    register_cli(app)
    if not app.config["SECRET_KEY"]:  # a command without a key: no request is served unsigned
        app.before_request(_refuse_without_secret)
    init_realtime(app)
    scheduler.init_app(app)  # its jobs; the server starts it below, the CLI never does
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:  # outermost, so that sockets see the forwarded address too
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's way to wrap it
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app


def _refuse_without_secret() -> Response:
    """Without a SECRET_KEY no page is served (sessions and forms would go unsigned): the
    operator reads why, plainly; `serving.start` refuses to start at all."""
    current_app.logger.error(settings.MISSING_SECRET)
    return Response(settings.MISSING_SECRET + "\n", status=500, mimetype="text/plain")


if __name__ == "__main__":
    application = create_app()
    serving.start(application)
    socketio.run(
        application,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
        debug=False,
    )
