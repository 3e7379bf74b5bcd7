"""Shared WTForms pieces for every feature's forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select or radio options from (value, label) pairs, the form WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]
