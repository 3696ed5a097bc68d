"""The bell: one's notifications, marking them read, the preferences (kinds, e-mail, zones and
topics followed); and the `notifications send-digests` command."""

from __future__ import annotations

import click
from flask import Blueprint, has_request_context, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField

from council import mail
from council.domain import permissions
from council.domain.community import organisations, topics
from council.domain.notifications import follows, notifications
from council.domain.notifications.notification_messages import (
    FLAG_LABELS,
    FREQUENCY_LABELS,
    actor_names,
    message,
    settled,
)
from council.extensions import db
from council.models.proposal import FollowTarget
from council.web.common import safe_next
from council.web.doors import act, door, on_form
from council.web.forms import MultiCheckboxField

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
MAX_PAGE = 10_000


class BackForm(FlaskForm):
    """A button that changes state, and where to go back to."""

    back = HiddenField()


class SettingsForm(FlaskForm):
    replies = BooleanField(FLAG_LABELS["replies"])
    new_versions = BooleanField(FLAG_LABELS["new_versions"])
    state_changes = BooleanField(FLAG_LABELS["state_changes"])
    new_comments = BooleanField(FLAG_LABELS["new_comments"])
    new_proposals = BooleanField(FLAG_LABELS["new_proposals"])
    email = SelectField(
        _l("E-mail"),
        choices=[SelectChoice(str(value), label) for value, label in FREQUENCY_LABELS.items()],
        description=_l("Whatever you choose, every notification is also listed here."),
    )
    zones = MultiCheckboxField(_l("Zones I follow"), coerce=int)
    topics = MultiCheckboxField(_l("Topics I follow"), coerce=int)


@bp.app_context_processor
def _bell():
    """The unread count for the header: one COUNT, and only for a logged-in person."""
    user = permissions.as_user(current_user) if has_request_context() else None
    if user is None:
        return {"unread_notifications": None}
    return {"unread_notifications": notifications.unread_count(db.session, user.id)}


def _me():
    return current_user._get_current_object()


def _back(default: str) -> str:
    return safe_next(request.form.get("back"), default)


@bp.get("")
@door("notifications.read")
def index():
    number = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_PAGE)
    rows, more = notifications.page(db.session, _me(), number)
    names = actor_names(db.session, rows)
    done = settled(db.session, _me(), rows)
    return render_template(
        "notifications/index.html",
        items=[(note, message(note, names, done.get(note.id))) for note in rows],
        settled=done,
        page=number,
        more=more,
        form=BackForm(back=request.full_path.rstrip("?")),
    )


@bp.post("/<int:note_id>/open", endpoint="open")
@door("notifications.read")
def open_(note_id: int):
    """Mark read, then go where the notification points (a same-site path only)."""
    return act(lambda work: notifications.mark_read(work, _me(), note_id), done=None,
               to=lambda note: safe_next(note.url, url_for("notifications.index")))  # fmt: skip


@bp.post("/<int:note_id>/read")
@door("notifications.read")
def mark_read(note_id: int):
    return act(lambda work: notifications.mark_read(work, _me(), note_id), done=None,
               to=_back(url_for("notifications.index")))  # fmt: skip


@bp.post("/read-all")
@door("notifications.read")
def mark_all_read():
    return act(
        lambda work: notifications.mark_all_read(work, _me()),
        done=lambda _work, count: _("All notifications are marked as read.") if count else None,
        to=_back(url_for("notifications.index")),
    )


@bp.route("/settings", methods=["GET", "POST"])
@door("notifications.read")
def settings():
    user = _me()
    zones, topic_list = organisations.zones(db.session), topics.topics(db.session)
    if request.method == "GET":
        stored = notifications.preferences(db.session, user.id)
        form = SettingsForm(
            data={name: getattr(stored, name) for name in notifications.FLAGS}
            | {
                "email": str(stored.email),
                "zones": sorted(follows.followed_ids(db.session, user, FollowTarget.ZONE)),
                "topics": sorted(follows.followed_ids(db.session, user, FollowTarget.TOPIC)),
            }
        )
    else:
        form = SettingsForm()
    form.zones.choices = [SelectChoice(z.id, z.name) for z in zones]
    form.topics.choices = [SelectChoice(t.id, t.name) for t in topic_list]

    def page(status: int):
        return render_template("notifications/settings.html", form=form), status

    def save(work):
        flags = {name: getattr(form, name).data for name in notifications.FLAGS}
        notifications.update_settings(work, user, email=form.email.data, **flags)
        follows.set_followed(work, user, FollowTarget.ZONE, form.zones.data, field="zones")
        follows.set_followed(work, user, FollowTarget.TOPIC, form.topics.data, field="topics")

    if form.validate_on_submit():
        return act(save, done=_("Your preferences are saved."),
                   to=url_for("notifications.settings"),
                   refused=on_form(form, page, status=422))  # fmt: skip
    return page(422 if request.method == "POST" else 200)


@bp.cli.command("send-digests")
def send_digests_command() -> None:
    """E-mail the daily and weekly digests that are due (safe to run from several hosts)."""
    stats = mail.send_digests()
    click.echo(
        f"digests sent: {stats['digests']}, retried: {stats['retries']}, failed: {stats['failed']}"
    )
