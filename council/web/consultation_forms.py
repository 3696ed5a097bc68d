"""The form of an online consultation's draft: it parses and carries CSRF; the rules (and
their messages) live in council/domain/voting/consultations.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired

from council.models.consultation import MAX_OPTIONS, Consultation
from council.web.meeting_forms import rome, to_utc

AUDIENCE_LABELS = {
    "members": _l("Council members"),
    "stakeholders": _l("Stakeholders"),
}
KIND_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "ranking": _l("Ranking"),
}


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    description = TextAreaField(
        _l("Description"),
        description=_l("Markdown. What is asked, and why. Optional."),
        render_kw={"rows": 6},
    )
    audience = SelectField(
        _l("Who is asked"),
        choices=[SelectChoice(value, label) for value, label in AUDIENCE_LABELS.items()],
        description=_l("A consultation of the stakeholders is always advisory."),
    )
    binding = BooleanField(_l("Binding: the council has ruled to follow its result"))
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("single", _l("Single choice: one option")),
            SelectChoice("multiple", _l("Multiple choice: up to a number of options")),
            SelectChoice("ranking", _l("Ranking: every option put in order")),
        ],
    )
    max_choices = StringField(
        _l("How many options one may choose"),
        description=_l("Multiple choice only: from 2 to the number of options."),
        render_kw={"inputmode": "numeric", "maxlength": 2},
    )
    options = TextAreaField(
        _l("Options"),
        description=_l("One per line, in the order they are shown: from 2 to %(n)d.",
                       n=MAX_OPTIONS),
        render_kw={"rows": 6},
    )  # fmt: skip
    day = DateField(_l("Closing date"), validators=[InputRequired(message=_l("Choose a date."))])
    time = TimeField(
        _l("Closing time"),
        validators=[InputRequired(message=_l("Choose a time."))],
        description=_l("Italian time. The consultation closes by itself at that moment."),
    )
    results_hidden_until_close = BooleanField(_l("Hide the results until the close"))
    version = HiddenField()

    def fill(self, consultation: Consultation) -> None:
        closes = rome(consultation.closes_at)
        self.title.data, self.description.data = consultation.title, consultation.description
        self.audience.data, self.kind.data = str(consultation.audience), str(consultation.kind)
        self.binding.data = consultation.binding
        self.max_choices.data = str(consultation.max_choices or "")
        self.options.data = "\n".join(o.label for o in consultation.options)
        self.day.data, self.time.data = closes.date(), closes.time().replace(second=0)
        self.results_hidden_until_close.data = consultation.results_hidden_until_close
        self.version.data = str(consultation.version)

    def values(self) -> dict:
        """The fields as the domain operations take them."""
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "audience": self.audience.data,
            "binding": bool(self.binding.data),
            "kind": self.kind.data,
            "max_choices": (self.max_choices.data or "").strip() or None,
            "options": (self.options.data or "").splitlines(),
            "closes_at": to_utc(self.day.data, self.time.data),
            "results_hidden_until_close": bool(self.results_hidden_until_close.data),
        }
