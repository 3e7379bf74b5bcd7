"""Workbench's text library: pure functions and estimators, no web or database code."""

from nlp.language import detect_language

__all__ = ["detect_language"]
