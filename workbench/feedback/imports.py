"""Feedback import from CSV or JSON Lines, idempotent by source and external id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from workbench.feedback.intake import (
    FeedbackInput,
    parse_email,
    parse_language,
    parse_rating,
    parse_text,
    store_feedback,
)
from workbench.feedback.models import Channel
from workbench.importing import (
    FileUnreadable,
    ImportSummary,
    Row,
    RowError,
    RowFile,
    batched,
    field_text,
    parse_date,
)

BATCH_SIZE = 1000
MAX_SOURCE_LENGTH = 100


@dataclass(frozen=True)
class FeedbackColumns:
    """Which column of the file holds what; only ``text`` is required."""

    text: str
    id: str | None = None
    rating: str | None = None
    date: str | None = None
    language: str | None = None
    email: str | None = None

    def named(self) -> list[str]:
        return [
            name
            for name in (self.text, self.id, self.rating, self.date, self.language, self.email)
            if name
        ]


def content_key(data: dict) -> str:
    """An external id for rows that have none: the hash of the row's content."""
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    )
    return "sha256:" + digest.hexdigest()[:40]


def parse_row(row: Row, columns: FeedbackColumns) -> FeedbackInput:
    data = row.data
    if columns.text not in data:
        raise RowError(f"The row has no {columns.text!r} field.")
    external_id = None
    if columns.id:
        external_id = (field_text(data.get(columns.id), columns.id, numbers=True) or "").strip()
        if len(external_id) > 200:
            raise RowError("The id is longer than 200 characters.")
    # NUL in the feedback text is dropped by clean_text, as on the form and the API.
    text = field_text(data.get(columns.text), columns.text, keep_nul=True)
    date = _column_text(data, columns.date)
    return FeedbackInput(
        text=parse_text(text),
        external_id=external_id or content_key(data),
        rating=parse_rating(data.get(columns.rating)) if columns.rating else None,
        created_at=parse_date(date, columns.date) if columns.date else None,
        language=parse_language(_column_text(data, columns.language)),
        email=parse_email(_column_text(data, columns.email)),
    )


def _column_text(data: dict, column: str | None) -> str | None:
    """A named column as text: JSON Lines may hold an array or a number there, a row error."""
    return field_text(data.get(column), column) if column else None


def check_columns(row_file: RowFile, columns: FeedbackColumns) -> None:
    """Fail early, before any row is read, when a CSV lacks a named column."""
    if row_file.header is None:
        return
    missing = [name for name in columns.named() if name not in row_file.header]
    if missing:
        raise FileUnreadable(
            f"Column(s) {', '.join(missing)} not found; the file has: {', '.join(row_file.header)}."
        )


def import_feedback(
    session: Session,
    row_file: RowFile,
    *,
    source: str,
    columns: FeedbackColumns,
    progress: Callable[[int], None] | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> ImportSummary:
    """Import every good row; bad rows are reported by line, re-imports add nothing.

    ``checkpoint`` (a commit, say) runs after each batch, so that a long import does not hold
    SQLite's write lock throughout; an interrupted import can simply be run again.
    """
    source = source.strip()
    if not source or len(source) > MAX_SOURCE_LENGTH:
        raise FileUnreadable(
            f"An import needs a source name of at most {MAX_SOURCE_LENGTH} characters, "
            "for example trustpilot."
        )
    check_columns(row_file, columns)
    summary = ImportSummary()
    for batch in batched(row_file, BATCH_SIZE):
        inputs: list[FeedbackInput] = []
        for row in batch:
            if row.error:
                summary.reject(row.line, row.error)
                continue
            try:
                inputs.append(parse_row(row, columns))
            except RowError as error:
                summary.reject(row.line, str(error))
        for stored in store_feedback(session, inputs, source=source, channel=Channel.IMPORT):
            if stored.created:
                summary.imported += 1
            else:
                summary.duplicates += 1
        if checkpoint:
            checkpoint()
        if progress:
            progress(len(batch))
    summary.rejected.sort(key=lambda rejection: rejection["line"])
    return summary
