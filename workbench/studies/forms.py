"""Study forms: plan, screener, slots, participants, status, governance settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from workbench.customers.loyalty import LoyaltyTier
from workbench.formfields import DateRange, options
from workbench.studies.models import DEFAULT_TIMEZONE, IncentiveKind, StudyMethod
from workbench.studies.settings import LIMITS

METHOD_CHOICES = [
    (StudyMethod.IN_PERSON.value, "Moderated, in person"),
    (StudyMethod.REMOTE.value, "Moderated, remote (meeting link)"),
    (StudyMethod.UNMODERATED.value, "Unmoderated"),
]
INCENTIVE_CHOICES = [
    (IncentiveKind.LOYALTY_POINTS.value, "Loyalty points"),
    (IncentiveKind.GIFT.value, "Gift"),
    (IncentiveKind.VOUCHER.value, "Voucher (SEK)"),
]
TIMEZONE_CHOICES = [
    ("Europe/Stockholm", "Europe/Stockholm"),
    ("Europe/Helsinki", "Europe/Helsinki"),
    ("Europe/London", "Europe/London"),
    ("UTC", "UTC"),
]


class StudyForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    research_goal = TextAreaField("Research goal", validators=[Optional(), Length(max=5000)])
    tasks = TextAreaField(
        "Tasks, in order",
        validators=[Optional(), Length(max=10000)],
        description="One task per line; put its success criterion after a | sign.",
    )
    method = SelectField("Method", choices=options(METHOD_CHOICES))
    meeting_link = URLField(
        "Meeting link (remote sessions)",
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    target_participants = IntegerField(
        "Target number of participants",
        default=6,
        validators=[DataRequired(), NumberRange(min=1, max=50)],
    )
    over_recruit_factor = DecimalField(
        "Over-recruit by",
        default=1.5,
        places=2,
        validators=[DataRequired(), NumberRange(min=1, max=3)],
        description="Invite this many times the target, as some will decline.",
    )
    session_minutes = IntegerField(
        "Session length (minutes)", default=60, validators=[DataRequired(), NumberRange(5, 480)]
    )
    incentive_kind = SelectField("Incentive", choices=options(INCENTIVE_CHOICES))
    incentive_value = IntegerField(
        "Incentive value (points or SEK)", default=0, validators=[Optional(), NumberRange(min=0)]
    )
    incentive_note = StringField("Incentive note", validators=[Optional(), Length(max=200)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScreenerForm(FlaskForm):
    segments = MultiCheckboxField("Segments (none ticked: any)", choices=[], validate_choice=False)
    min_tier = SelectField(
        "Minimum loyalty tier",
        choices=options([("", "Any tier")] + [(tier.value, tier.value) for tier in LoyaltyTier]),
        default="",
    )
    min_score = DecimalField(
        "Minimum loyalty score", places=0, validators=[Optional(), NumberRange(0, 100)]
    )
    language = SelectField(
        "Language",
        choices=options([("", "Any"), ("sv", "Swedish"), ("en", "English")]),
        default="",
    )
    min_tenure_days = IntegerField(
        "Customer for at least (days)", validators=[Optional(), NumberRange(min=0)]
    )
    purchase_within_days = IntegerField(
        "Last purchase within (days)", validators=[Optional(), NumberRange(min=1)]
    )
    quotas = StringField(
        "Quotas",
        validators=[Optional(), Length(max=500)],
        description="At least this many from a segment, e.g. business=2, private=2.",
    )


class SlotForm(FlaskForm):
    starts_local = DateTimeLocalField(
        "Starts (local time)", format="%Y-%m-%dT%H:%M", validators=[DataRequired(), DateRange()]
    )
    timezone = SelectField("Time zone", choices=options(TIMEZONE_CHOICES), default=DEFAULT_TIMEZONE)
    duration_minutes = IntegerField(
        "Duration (minutes)", default=60, validators=[DataRequired(), NumberRange(5, 480)]
    )
    location = StringField("Place", validators=[Optional(), Length(max=300)])
    meeting_link = URLField(
        "Meeting link", validators=[Optional(), URL(require_tld=False), Length(max=500)]
    )
    moderator_id = SelectField("Moderator", choices=[], coerce=str, default="")


class AddParticipantForm(FlaskForm):
    customer = StringField(
        "Customer reference or e-mail", validators=[DataRequired(), Length(max=254)]
    )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class BookingForm(FlaskForm):
    """A researcher books or moves a participant's session. Any slot id is taken: whether it is
    still free is for the booking service to say (a lost race is explained, not a form error)."""

    slot_id = SelectField("Time", coerce=int, validate_choice=False, validators=[InputRequired()])


class RecruitmentSettingsForm(FlaskForm):
    invitation_cooldown_days = IntegerField(
        "Do not invite anyone invited in the last (days)",
        validators=[InputRequired(), NumberRange(*LIMITS["invitation_cooldown_days"])],
    )
    max_studies_per_year = IntegerField(
        "At most this many studies per person and year",
        validators=[InputRequired(), NumberRange(*LIMITS["max_studies_per_year"])],
    )
    invitation_valid_days = IntegerField(
        "Invitation links work for (days)",
        validators=[InputRequired(), NumberRange(*LIMITS["invitation_valid_days"])],
    )
