"""Forms of the meeting pages: they parse and carry CSRF; the rules live in the domain."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField, URLField
from wtforms.validators import InputRequired, Optional

from council.clock import ROME
from council.web.forms import coerce_optional_int


def to_utc(day, at: time | None) -> datetime | None:
    """A date and a time as read on a clock in Brescia, as an aware UTC datetime."""
    if day is None or at is None:
        return None
    return datetime.combine(day, at, tzinfo=ROME).astimezone(UTC)


def rome(moment: datetime) -> datetime:
    return moment.astimezone(ROME)


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"maxlength": 200})
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Choose a date."))])
    starts = TimeField(
        _l("Starts at"),
        validators=[InputRequired(message=_l("Choose a time."))],
        description=_l("Italian time."),
    )
    ends = TimeField(_l("Ends at"), validators=[Optional()], description=_l("Optional."))
    place = StringField(
        _l("Place"), render_kw={"maxlength": 200}, description=_l("Address and room.")
    )
    link = URLField(
        _l("Link to join remotely"),
        validators=[Optional()],
        render_kw={"maxlength": 300},
        description=_l("Optional: https://…"),
    )
    description = TextAreaField(
        _l("Notes for the members"),
        description=_l("Markdown. Optional."),
        render_kw={"rows": 5},
    )

    def times(self) -> tuple[datetime | None, datetime | None]:
        starts_at = to_utc(self.day.data, self.starts.data)
        ends_at = to_utc(self.day.data, self.ends.data) if self.ends.data else None
        return starts_at, ends_at


class ItemForm(FlaskForm):
    title = StringField(_l("Title of the item"), render_kw={"maxlength": 200})
    description = TextAreaField(
        _l("Description"), description=_l("Markdown. Optional."), render_kw={"rows": 4}
    )
    proposal = SelectField(
        _l("Proposal discussed"),
        coerce=coerce_optional_int,
        description=_l("Only proposals in consultation (or already on an agenda) are listed."),
    )


class ItemEditForm(ItemForm):
    outcome = StringField(
        _l("Outcome"),
        render_kw={"maxlength": 500},
        description=_l("After the discussion: what the council decided."),
    )


class DocumentForm(FlaskForm):
    title = StringField(_l("Title of the document"), render_kw={"maxlength": 200})
    link = URLField(_l("Link"), render_kw={"maxlength": 500}, description=_l("https://…"))
    item = SelectField(_l("Agenda item"), coerce=coerce_optional_int)
