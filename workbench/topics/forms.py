"""Topic browser forms: rename, merge, split, move an item, open or link an issue."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workbench.formfields import options
from workbench.issues.forms import KIND_CHOICES, SEVERITY_CHOICES
from workbench.issues.models import IssueKind

SPLIT_CHOICES = [("2", "2 topics"), ("3", "3 topics"), ("4", "4 topics"), ("auto", "Let it decide")]


def _int_or_none(value: object) -> int | None:
    return None if value in (None, "", "None") else int(value)


class RenameForm(FlaskForm):
    label = StringField("Name", validators=[Optional(), Length(max=200)])


class MergeForm(FlaskForm):
    target_id = SelectField("Merge into", choices=[], coerce=_int_or_none, default=None)


class SplitForm(FlaskForm):
    n = SelectField("Split into", choices=options(SPLIT_CHOICES), default="2")


class MoveForm(FlaskForm):
    feedback_id = IntegerField("Feedback", validators=[DataRequired()])
    topic_id = SelectField("Move to", choices=[], coerce=_int_or_none, validate_choice=False)


class OpenIssueForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=options(KIND_CHOICES), default=IssueKind.PRODUCT.value)
    severity = SelectField("Severity", choices=options(SEVERITY_CHOICES), default="2", coerce=int)


class LinkIssueForm(FlaskForm):
    issue_id = IntegerField("Issue number", validators=[DataRequired(), NumberRange(min=1)])


class ActionForm(FlaskForm):
    next = HiddenField()
