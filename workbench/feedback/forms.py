"""Forms: the public feedback form (built per FeedbackForm), staff filters, form editor, upload."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from workbench.feedback.models import FeedbackForm, JourneyStage, Polarity
from workbench.formfields import DateRange, options

RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]
POLARITY_CHOICES = [
    (Polarity.NEGATIVE.value, "Negative"),
    (Polarity.NEUTRAL.value, "Neutral"),
    (Polarity.POSITIVE.value, "Positive"),
]
STAGE_CHOICES = [
    (JourneyStage.BEFORE_PURCHASE.value, "Before purchase"),
    (JourneyStage.ONBOARDING.value, "Onboarding"),
    (JourneyStage.AFTER_PURCHASE.value, "After purchase"),
    (JourneyStage.COMPLAINT.value, "Complaint"),
    (JourneyStage.OTHER.value, "Other"),
]
LANGUAGE_CHOICES = [("sv", "Swedish"), ("en", "English")]


class PublicFeedbackForm(FlaskForm):
    """Fields common to every public form; rating fields are added per form."""

    text = TextAreaField(
        _l("Your feedback"),
        validators=[
            DataRequired(_l("Please write your feedback.")),
            Length(max=5000, message=_l("Please keep it under 5,000 characters.")),
        ],
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            Email(_l("That does not look like an e-mail address.")),
            Length(max=254),
        ],
    )
    consent_contact = BooleanField(_l("You may contact me about my feedback."))
    consent_research = BooleanField(_l("You may invite me to take part in user tests."))
    consent_publish = BooleanField(
        _l("You may publish my feedback as an anonymous quote, without my name or e-mail.")
    )
    # A field people never see: bots that fill in every input reveal themselves.
    website = StringField("Website", validators=[Optional()])
    # Made when the form is shown: a second POST of the same page stores nothing new.
    submission_id = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() on the e-mail field would stop it from running.
        wants_contact = self.consent_contact.data or self.consent_research.data
        if wants_contact and not self.email.data:
            self.email.errors = [
                *self.email.errors,
                _l("Add your e-mail so that we can contact you."),
            ]
            return False
        return valid


class ConfirmEmailForm(FlaskForm):
    """The confirmation page's one button (a POST with a CSRF token)."""


def build_public_form(feedback_form: FeedbackForm) -> PublicFeedbackForm:
    """A form for this FeedbackForm: the overall rating and its attribute questions."""
    form_class = _public_form_class(
        feedback_form.ask_rating, tuple(feedback_form.attribute_questions)
    )
    return form_class()


@lru_cache(maxsize=256)
def _public_form_class(ask_rating: bool, questions: tuple[str, ...]) -> type[PublicFeedbackForm]:
    # Building a form class costs about 0.4 ms; forms change rarely, so keep one per shape.
    attributes: dict[str, object] = {}
    if ask_rating:
        attributes["rating"] = RadioField(
            _l("Overall, how satisfied are you?"),
            choices=options(RATING_CHOICES),
            validators=[Optional()],
        )
    for index, question in enumerate(questions):
        attributes[f"attribute_{index}"] = RadioField(
            question, choices=options(RATING_CHOICES), validators=[Optional()]
        )
    return type("PublicForm", (PublicFeedbackForm,), attributes)


def attribute_answers(form: PublicFeedbackForm, feedback_form: FeedbackForm) -> dict[str, int]:
    answers = {}
    for index, question in enumerate(feedback_form.attribute_questions):
        value = getattr(form, f"attribute_{index}").data
        if value:
            answers[question] = int(value)
    return answers


class FormEditorForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Address (/f/…)",
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message="Lower-case letters, digits and hyphens."
            ),
        ],
    )
    intro = TextAreaField("Introduction", validators=[Optional(), Length(max=2000)])
    language = SelectField("Language", choices=options(LANGUAGE_CHOICES))
    journey_stage = SelectField("Journey stage", choices=options(STAGE_CHOICES))
    ask_rating = BooleanField("Ask for an overall rating (1-5)", default=True)
    attribute_questions = TextAreaField(
        "Attribute ratings, one per line (for example Delivery, Price, Service)",
        validators=[Optional(), Length(max=800)],
    )
    is_active = BooleanField("Open for feedback", default=True)


class FeedbackFilterForm(FlaskForm):
    class Meta:
        csrf = False

    search = StringField("Text", validators=[Optional(), Length(max=200)])
    source = SelectField(
        default="",
        validators=[Optional()],
        label="Source",
        choices=options([("", "Any source")]),
        validate_choice=False,
    )
    language = SelectField(
        default="",
        validators=[Optional()],
        label="Language",
        choices=options([("", "Any language"), *LANGUAGE_CHOICES]),
        validate_choice=False,
    )
    rating = SelectField(
        default="",
        validators=[Optional()],
        label="Rating",
        choices=options([("", "Any rating"), *RATING_CHOICES]),
        validate_choice=False,
    )
    polarity = SelectField(
        default="",
        validators=[Optional()],
        label="Polarity",
        choices=options([("", "Any polarity"), *POLARITY_CHOICES]),
    )
    journey_stage = SelectField(
        default="",
        validators=[Optional()],
        label="Journey stage",
        choices=options([("", "Any stage"), *STAGE_CHOICES]),
    )
    segment = SelectField(
        default="",
        validators=[Optional()],
        label="Customer segment",
        choices=options([("", "Any segment")]),
        validate_choice=False,
    )
    date_from = DateField("From", validators=[Optional(), DateRange()])
    date_to = DateField("To", validators=[Optional(), DateRange()])
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1)], default=1)


class FeedbackImportForm(FlaskForm):
    file = FileField(
        "File (CSV or JSON Lines)",
        validators=[FileRequired(), FileAllowed(["csv", "tsv", "txt", "jsonl", "ndjson", "json"])],
    )
    source = StringField("Source name", validators=[DataRequired(), Length(max=100)])
    text_column = StringField(
        "Text column", validators=[DataRequired(), Length(max=100)], default="text"
    )
    id_column = StringField("Id column", validators=[Optional(), Length(max=100)])
    rating_column = StringField("Rating column", validators=[Optional(), Length(max=100)])
    date_column = StringField("Date column", validators=[Optional(), Length(max=100)])
    language_column = StringField("Language column", validators=[Optional(), Length(max=100)])
    email_column = StringField("E-mail column", validators=[Optional(), Length(max=100)])
