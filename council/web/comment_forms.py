"""Forms of the discussion: they parse and carry the CSRF token; the domain checks the rules."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField

from council.domain.discussion.comment_rules import MAX_BODY, REASON_MAX
from council.errors import ValidationError
from council.models.comment import Stance
from council.web.forms import options

STANCE_LABELS = {
    Stance.IN_FAVOUR: _l("In favour"),
    Stance.AGAINST: _l("Against"),
    Stance.NEUTRAL: _l("Neutral"),
}
STANCE_TONES = {Stance.IN_FAVOUR: "success", Stance.AGAINST: "danger", Stance.NEUTRAL: "neutral"}


def stance_choices() -> list[SelectChoice]:
    return options(STANCE_LABELS.items(), empty=_("No position"))


def optional_int(value: str | None, field: str) -> int | None:
    """A hidden id or index field: empty, or a non-negative integer of sane size."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationError(
            _("The form was altered: reload the page and try again."), field=field
        )
    return int(value)


def _body(id: str) -> TextAreaField:
    # No length validators here: the domain gives the one message for every door.
    return TextAreaField(
        _l("Your comment"),
        id=id,
        description=_l(
            "You can use Markdown: **bold**, *italic*, lists, links. At most %(n)d characters.",
            n=MAX_BODY,
        ),
        render_kw={"rows": 5, "maxlength": MAX_BODY},
    )


def _stance(id: str) -> SelectField:
    return SelectField(_l("Your position on the proposal"), id=id, validate_choice=False)


class CommentForm(FlaskForm):
    """Ids are prefixed: the form sits inside the proposal page, next to its other forms."""

    body = _body("comment-body")
    stance = _stance("comment-stance")
    parent = HiddenField(id="comment-parent")
    paragraph = HiddenField(id="comment-paragraph")
    next = HiddenField(id="comment-next")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stance.choices = stance_choices()


class EditCommentForm(FlaskForm):
    body = _body("body")
    stance = _stance("stance")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stance.choices = stance_choices()


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason, shown publicly in place of the comment"),
        description=_l("Between 5 and %(n)d characters.", n=REASON_MAX),
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )
