"""Feedback's part of a customer's data export and erasure (workbench.privacy)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from workbench.customers.models import Customer
from workbench.feedback.engagement import customer_feedback, feedback_of
from workbench.feedback.models import Feedback

ERASED_TEXT = "[erased at the customer's request]"


def export_records(session: Session, customer: Customer) -> dict[str, Any]:
    return {
        "feedback": [item.model_dump(mode="json") for item in customer_feedback(session, customer)]
    }


def feedback_ids_of(customer: Customer) -> sa.Select:
    """The ids of a customer's feedback, as a subquery for the features built on feedback."""
    return sa.select(Feedback.id).where(feedback_of(customer))


def anonymise_feedback(session: Session, customer: Customer) -> int:
    """Replace the text of the customer's feedback and cut it loose from them; ratings stay,
    so that aggregate figures do not change. How many items."""
    return session.execute(
        sa.update(Feedback)
        .where(feedback_of(customer))
        .values(text=ERASED_TEXT, email=None, customer_id=None, erased=True, consent_publish=False)
    ).rowcount
