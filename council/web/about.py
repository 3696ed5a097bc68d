"""Pages about the service itself, linked from the footer: the accessibility statement (with
its feedback form), the privacy notice and the open data."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from council.domain import feedback
from council.errors import DomainError
from council.unit_of_work import unit_of_work
from council.web import clients
from council.web.common import form_error
from council.web.forms import AccessibilityFeedbackForm

bp = Blueprint("about", __name__)

STATEMENT_DATE = date(2026, 12, 7)  # when the statement was written (and the site assessed)


@bp.route("/accessibility", methods=["GET", "POST"])
def accessibility():
    """The accessibility statement (dichiarazione di accessibilità, AgID's model) and the
    feedback form that reaches the secretariat."""
    form = AccessibilityFeedbackForm()
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            with unit_of_work() as session:
                feedback.send_feedback(
                    session,
                    name=form.name.data or "",
                    email=form.email.data or "",
                    page=form.page.data or "",
                    message=form.message.data or "",
                    network=clients.network(),
                    most=current_app.config["FEEDBACK_MAX_PER_ADDRESS"],
                )
        except DomainError as error:
            form_error(form, error)
            status = error.status
            if getattr(error, "retry_after", 0):
                headers["Retry-After"] = str(error.retry_after)
        else:
            flash(_("Thank you: your message was sent to the council's secretariat."), "success")
            return redirect(url_for("about.accessibility"))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
    return (
        render_template(
            "about/accessibility.html",
            form=form,
            statement_date=format_date(STATEMENT_DATE, "long"),
        ),
        status,
        headers,
    )


@bp.get("/privacy")
def privacy():
    return render_template("about/privacy.html")


@bp.get("/open-data")
def open_data():
    return render_template("about/open_data.html")
