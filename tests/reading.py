"""Reading what the app committed, from a test's own session."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select


def read(session: Session, statement) -> list:
    """Query in a transaction of its own: see what the app committed, hold no lock afterwards."""
    session.commit()
    try:
        return list(session.exec(statement.execution_options(populate_existing=True)).all())
    finally:
        session.commit()


def count(session: Session, model, *where) -> int:
    return read(session, select(sa.func.count()).select_from(model).where(*where))[0]
