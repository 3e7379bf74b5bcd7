"""Shared WTForms pieces for every feature's forms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from wtforms import SelectChoice, ValidationError


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select or radio options from (value, label) pairs, the form WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


# Dates people may type: far enough either way for any real use, and nowhere near the year 9999
# where adding a day or a time zone overflows.
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)


class DateRange:
    """A date (or date and time) between ``earliest`` and ``latest`` (WTForms' NumberRange
    takes numbers only)."""

    def __init__(self, earliest: date = EARLIEST, latest: date = LATEST) -> None:
        self.earliest = earliest
        self.latest = latest

    def __call__(self, _form, field) -> None:
        if field.data is None:
            return
        day = field.data.date() if isinstance(field.data, datetime) else field.data
        if not self.earliest <= day <= self.latest:
            raise ValidationError(f"Pick a date from {self.earliest} to {self.latest}.")
