"""E-mail addresses as the workbench stores them: checked for syntax and lower-cased."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from workbench.errors import ValidationFailed

MAX_EMAIL_LENGTH = 254


def normalise_email(email: str) -> str:
    """Return the e-mail lower-cased and checked for syntax; raise ValidationFailed if bad."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(f"Invalid e-mail address: {error}") from error
    return result.normalized.lower()
