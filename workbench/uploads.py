"""The shared path of the staff upload pages: read the file, import it, commit, say how it went."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from sqlmodel import Session
from werkzeug.datastructures import FileStorage

from workbench.db import get_session
from workbench.importing import FileUnreadable, ImportSummary, RowFile, open_rows


def import_upload(
    upload: FileStorage,
    run: Callable[[Session, RowFile], ImportSummary],
    include_updated: bool = False,
) -> ImportSummary | None:
    """Run ``run`` over the uploaded file; None (and an error message) if it cannot be read."""
    session = get_session()
    try:
        with open_rows(upload.stream, upload.filename) as rows:
            summary = run(session, rows)
    except FileUnreadable as error:
        session.rollback()
        flash(str(error), "error")
        return None
    session.commit()
    flash(summary.describe(include_updated), "warning" if summary.rejected else "success")
    return summary
