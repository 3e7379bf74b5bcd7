"""How people are reached: e-mail addresses checked and lower-cased, display names on one line,
web links that are really web links."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

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


def clean_display_name(name: str) -> str:
    """Return ``name`` on one line: line and paragraph breaks, tabs and other control or format
    characters become spaces, runs of spaces one. A name ends up in mail headers and letters,
    where a line break is an injection or a message that can never be sent."""
    cleaned = "".join(
        " " if unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"} else character
        for character in name
    )
    return " ".join(cleaned.split())


def check_web_link(link: str) -> str:
    """Return ``link`` trimmed when it is an http(s) address (or empty); raise ValidationFailed
    otherwise. Links are printed into pages and letters as links: a ``javascript:`` one would
    run in the reader's browser."""
    link = link.strip()
    if link and (
        urlsplit(link).scheme.lower() not in {"http", "https"} or not urlsplit(link).netloc
    ):
        raise ValidationFailed("A meeting link must start with https:// (or http://).")
    return link
