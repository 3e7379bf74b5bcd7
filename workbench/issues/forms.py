"""Issue forms: edit, list filters, status, merge, observation to issue."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workbench.formfields import options
from workbench.issues.lifecycle import STATUS_LABELS
from workbench.issues.models import SEVERITY_LABELS, IssueKind, IssueStatus
from workbench.issues.services import SORTS

KIND_CHOICES = [(kind.value, kind.value) for kind in IssueKind]
SEVERITY_CHOICES = [(str(level), f"{level} ({label})") for level, label in SEVERITY_LABELS.items()]
SORT_LABELS = {
    "priority": "Priority",
    "severity": "Severity",
    "frequency": "Frequency",
    "updated": "Last updated",
    "created": "Newest",
}


def _int_or_none(value: object) -> int | None:
    """ "" (nobody, any) becomes None; anything else an int (WTForms refuses what is not)."""
    return None if value in (None, "", "None") else int(value)


class IssueForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    kind = SelectField("Kind", choices=options(KIND_CHOICES), default=IssueKind.USABILITY.value)
    severity = SelectField("Severity", choices=options(SEVERITY_CHOICES), default="2", coerce=int)
    owner_id = SelectField("Owner", choices=[], coerce=_int_or_none, default=None)


class IssueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    search = StringField("Title or description", validators=[Optional(), Length(max=200)])
    status = SelectField(
        "Status",
        choices=options(
            [("open", "Open (not done)"), ("", "Any status")]
            + [(status.value, STATUS_LABELS[status]) for status in IssueStatus]
        ),
        default="open",
    )
    kind = SelectField("Kind", choices=options([("", "Any kind"), *KIND_CHOICES]), default="")
    min_severity = SelectField(
        "Severity at least",
        choices=options([("", "Any severity"), *SEVERITY_CHOICES]),
        default="",
        coerce=_int_or_none,
    )
    owner_id = SelectField("Owner", choices=[], coerce=_int_or_none, default=None)
    study_id = SelectField("Study", choices=[], coerce=_int_or_none, default=None)
    sort = SelectField(
        "Sort by", choices=options([(key, SORT_LABELS[key]) for key in SORTS]), default="priority"
    )
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1)], default=1)


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


class MergeForm(FlaskForm):
    # The service checks the target (open, not merged, not itself): the list may have changed.
    target_id = SelectField(
        "Merge this issue into",
        choices=[],
        coerce=_int_or_none,
        validate_choice=False,
        validators=[DataRequired()],
    )


class ObservationIssueForm(FlaskForm):
    """Either ``issue_id`` (attach to that issue) or ``new`` (open one from the observation)."""

    issue_id = IntegerField("Issue", validators=[Optional(), NumberRange(min=1)])
    new = StringField(validators=[Optional()])
    title = StringField("Title of the new issue", validators=[Optional(), Length(max=200)])
    next = StringField(validators=[Optional(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (and where to go back to)."""

    next = StringField(validators=[Optional(), Length(max=2000)])
