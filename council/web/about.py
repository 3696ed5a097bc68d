"""Pages about the service itself, linked from the footer: the accessibility statement (with
its feedback form), the privacy notice and the open data."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from council.domain import feedback
from council.errors import DomainError
from council.web import clients
from council.web.common import form_error
from council.web.doors import act, retry_after
from council.web.forms import AccessibilityFeedbackForm

bp = Blueprint("about", __name__)

STATEMENT_DATE = date(2026, 12, 7)  # when the statement was written (and the site assessed)


@bp.route("/accessibility", methods=["GET", "POST"])
def accessibility():
    """The accessibility statement (dichiarazione di accessibilità, AgID's model) and the
    feedback form that reaches the secretariat."""
    form = AccessibilityFeedbackForm()

    def page(status: int, headers: dict[str, str] | None = None):
        body = render_template("about/accessibility.html", form=form,
                               statement_date=format_date(STATEMENT_DATE, "long"))  # fmt: skip
        return body, status, headers or {}

    def refused(error: DomainError):
        form_error(form, error)
        return page(error.status, retry_after(error))

    def send(work):
        feedback.send_feedback(
            work,
            name=form.name.data or "",
            email=form.email.data or "",
            page=form.page.data or "",
            message=form.message.data or "",
            network=clients.network(),
            most=current_app.config["FEEDBACK_MAX_PER_ADDRESS"],
        )

    if form.validate_on_submit():
        return act(
            send,
            done=_("Thank you: your message was sent to the council's secretariat."),
            to=url_for("about.accessibility"),
            refused=refused,
        )
    if request.method == "POST":
        return page(400 if form.csrf_token.errors else 422)
    return page(200)


@bp.get("/privacy")
def privacy():
    return render_template("about/privacy.html")


@bp.get("/open-data")
def open_data():
    return render_template("about/open_data.html")
