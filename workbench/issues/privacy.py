"""The issue log's part of a customer's erasure (workbench.privacy)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from workbench.issues.models import PublicQuote


def delete_quotes(session: Session, feedback_ids: sa.Select) -> int:
    """A published quote is the customer's words: it goes, even redacted and approved."""
    return session.execute(
        sa.delete(PublicQuote).where(PublicQuote.feedback_id.in_(feedback_ids))
    ).rowcount
