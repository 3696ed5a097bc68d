"""Flask-WTF forms: parsing and CSRF; the rules themselves live in the domain."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from council.domain.accounts.accounts import MAX_PASSWORD, MIN_PASSWORD


def coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def options(
    pairs: Iterable[tuple[object, object]], *, empty: str | None = None
) -> list[SelectChoice]:
    """A select's choices from (value, label) pairs, first an empty one labelled `empty` if
    given: WTForms takes SelectChoice objects (tuples are deprecated since 3.3)."""
    head = [SelectChoice("", empty)] if empty is not None else []
    return head + [SelectChoice(str(value), str(label)) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    organisation = SelectField(
        _l("Organisation you represent"), coerce=coerce_optional_int, validators=[DataRequired()]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    consent = BooleanField(
        _l("I understand that my name and organisation are shown with what I publish here."),
        validators=[DataRequired()],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")]
    )
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token is needed."""


class UserForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    organisation = SelectField(
        _l("Organisation"), coerce=coerce_optional_int, validators=[Optional()]
    )
    council_group = SelectField(_l("Council group"), validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)]
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"))


class TopicForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=80)])


class ZoneForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=80)])
    description = TextAreaField(_l("Description"), validators=[Length(max=500)])


class CommunityPointForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=120)])
    zone = SelectField(_l("Zone"), coerce=coerce_optional_int, validators=[DataRequired()])
    address = StringField(_l("Address"), validators=[Length(max=200)])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=160)])
    kind = StringField(_l("Kind of organisation"), validators=[Length(max=60)])
    zone = SelectField(_l("Zone"), coerce=coerce_optional_int, validators=[DataRequired()])
    community_point = SelectField(
        _l("Punto di comunità"), coerce=coerce_optional_int, validators=[Optional()]
    )
    website = StringField(
        _l("Website"), validators=[Optional(), URL(require_tld=True), Length(max=200)]
    )
    active = BooleanField(_l("Active"), default=True)


class AccessibilityFeedbackForm(FlaskForm):
    """The accessibility statement's feedback form: no account needed, every field checked
    again by council/domain/feedback.py."""

    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=120)])
    email = EmailField(
        _l("Your e-mail (optional: without it we cannot answer)"),
        validators=[Optional(), Length(max=254)],
    )
    page = StringField(
        _l("Which page or document (optional)"), validators=[Optional(), Length(max=300)]
    )
    message = TextAreaField(
        _l("What is not accessible to you"), validators=[DataRequired(), Length(max=4000)]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")]
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason, sent to the applicant"),
        validators=[DataRequired(), Length(min=5, max=1000)],
    )
