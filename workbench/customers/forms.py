"""Customer register forms: filters, CSV upload, consent change, erasure confirmation."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workbench.customers.loyalty import LoyaltyTier
from workbench.customers.models import ConsentKind
from workbench.formfields import options

CONSENT_CHOICES = [
    (ConsentKind.CONTACT.value, "contact"),
    (ConsentKind.RESEARCH.value, "research"),
    (ConsentKind.PUBLISH_QUOTE.value, "publish quote"),
]


class CustomerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    search = StringField(
        "Name, e-mail, phone or reference", validators=[Optional(), Length(max=200)]
    )
    segment = SelectField(
        default="",
        validators=[Optional()],
        label="Segment",
        choices=options([("", "Any segment")]),
        validate_choice=False,
    )
    language = SelectField(
        default="",
        validators=[Optional()],
        label="Language",
        choices=options([("", "Any language"), ("sv", "Swedish"), ("en", "English")]),
    )
    tier = SelectField(
        default="",
        validators=[Optional()],
        label="Loyalty tier",
        choices=options([("", "Any tier")] + [(t.value, t.value) for t in LoyaltyTier]),
    )
    consent = SelectField(
        default="",
        validators=[Optional()],
        label="Consent given",
        choices=options([("", "Any consent"), *CONSENT_CHOICES]),
    )
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1)], default=1)


class CustomerImportForm(FlaskForm):
    file = FileField(
        "Customer file (CSV or JSON Lines)",
        validators=[FileRequired(), FileAllowed(["csv", "tsv", "txt", "jsonl", "ndjson", "json"])],
    )


class ConsentChangeForm(FlaskForm):
    kind = SelectField("Consent", choices=options(CONSENT_CHOICES))
    action = SelectField(
        "Change", choices=options([("given", "given"), ("withdrawn", "withdrawn")])
    )
    wording_version = StringField(
        "Wording version shown", validators=[DataRequired(), Length(max=50)]
    )
