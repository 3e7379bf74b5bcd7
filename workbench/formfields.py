"""Shared WTForms pieces for every feature's forms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from wtforms import SelectChoice, ValidationError


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select or radio options from (value, label) pairs, the form WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateRange:
    """A date between ``earliest`` and ``latest`` (WTForms' NumberRange takes numbers only)."""

    def __init__(self, earliest: date, latest: date) -> None:
        self.earliest = earliest
        self.latest = latest

    def __call__(self, _form, field) -> None:
        if field.data is not None and not self.earliest <= field.data <= self.latest:
            raise ValidationError(f"Pick a date from {self.earliest} to {self.latest}.")
