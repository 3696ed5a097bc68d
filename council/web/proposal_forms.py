"""Forms of the proposal pages: they parse and carry CSRF; the rules live in the domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired

from council.domain.proposals.proposals import MAX_BODY, MAX_NOTE, MAX_TITLE
from council.web.forms import MultiCheckboxField, coerce_optional_int


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Title"),
        description=_l("At most %(n)d characters.", n=MAX_TITLE),
        render_kw={"maxlength": MAX_TITLE},
    )
    body = TextAreaField(
        _l("Text of the proposal"),
        description=_l(
            "Markdown: a blank line starts a new paragraph; **bold**, *italics*, lists with -, "
            "links as [text](https://…). At most %(n)d characters.",
            n=MAX_BODY,
        ),
        render_kw={"rows": 16, "data-editor": "body"},
    )
    topic = SelectField(_l("Topic"), coerce=coerce_optional_int)
    zones = MultiCheckboxField(
        _l("Zones concerned"),
        coerce=int,
        description=_l("None chosen: the whole city."),
    )
    change_note = StringField(
        _l("What changed (optional)"),
        description=_l("A short note shown beside the new version. At most %(n)d characters.",
                       n=MAX_NOTE),
        render_kw={"maxlength": MAX_NOTE},
    )  # fmt: skip


class SubmitForm(FlaskForm):
    deadline_date = DateField(
        _l("Consultation closes on"),
        validators=[InputRequired(message=_l("Choose a date."))],
        description=_l("From 24 hours to 180 days from now, Italian time."),
    )
    deadline_time = TimeField(
        _l("at (time)"), validators=[InputRequired(message=_l("Choose a time."))]
    )


class ReasonForm(FlaskForm):
    reason = StringField(
        _l("Reason (optional)"),
        description=_l("At most %(n)d characters.", n=MAX_NOTE),
        render_kw={"maxlength": MAX_NOTE},
    )


class InviteForm(FlaskForm):
    organisations = MultiCheckboxField(_l("Organisations to invite"), coerce=int)
