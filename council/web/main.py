"""Public pages: home, language choice, the readable record."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_login import current_user

from council.domain import record
from council.extensions import db
from council.unit_of_work import unit_of_work
from council.web.common import safe_next
from council.web.forms import LanguageForm

bp = Blueprint("main", __name__)


@bp.app_template_filter("record_time")
def record_time(at: str) -> str:
    """A record timestamp (UTC, ISO 8601) as Europe/Rome local time in the reader's language."""
    moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return format_datetime(moment, "short")


@bp.get("/")
def home():
    return render_template("main/home.html", head=record.head(db.session))


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated and current_user.locale != form.locale.data:
            with unit_of_work() as work:
                work.merge(current_user._get_current_object()).locale = form.locale.data
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.get("/record")
def record_page():
    subject = (request.args.get("subject") or "").strip()[:80] or None
    events = record.latest(db.session, limit=100, subject_prefix=subject)
    return render_template(
        "main/record.html",
        events=events,
        head=record.head(db.session),
        subject=subject,
        loads=json.loads,
    )
