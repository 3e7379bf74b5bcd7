"""Login, staff-user and API-token forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from workbench.auth.models import Role
from workbench.auth.services import MIN_PASSWORD_LENGTH
from workbench.formfields import options

ROLE_CHOICES = [(role.value, role.value.replace("_", " ")) for role in Role]
# Write only comes first and is the default: most integrations only push feedback in, and a
# read scope hands out every customer's feedback.
SCOPE_CHOICES = [
    ("write", "Write: send feedback in"),
    ("read", "Read: list all feedback"),
    ("read,write", "Read and write"),
]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class NewStaffUserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=options(ROLE_CHOICES), default=Role.VIEWER.value)
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )


class EditStaffUserForm(FlaskForm):
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=options(ROLE_CHOICES))
    is_active = BooleanField("Active")
    new_password = PasswordField(
        "New password (leave empty to keep)",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )


class NewApiTokenForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    scopes = SelectField("Scopes", choices=options(SCOPE_CHOICES), default="write")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button that carries the CSRF token."""
