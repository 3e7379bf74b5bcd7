"""Outbox forms: the status filter and the "Send again" button."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from workbench.formfields import options
from workbench.outbox.models import MessageStatus


class OutboxFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        default="",
        validators=[Optional()],
        choices=options([("", "Any status")] + [(s.value, s.value) for s in MessageStatus]),
    )
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1)], default=1)


class RetryForm(FlaskForm):
    """An empty form: the "Send again" button with its CSRF token."""
