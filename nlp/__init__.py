"""Workbench's text library: pure functions and estimators, no web or database code."""

from nlp.language import detect_language
from nlp.redaction import redact

__all__ = ["detect_language", "redact"]
