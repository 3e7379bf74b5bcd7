"""A customer's data, exported (GDPR art. 15) or erased (art. 17), from every feature.

Privacy sits above the features: each one says in its own ``privacy.py`` what it holds about a
customer, and this module puts the parts together in a fixed order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from workbench.customers import privacy as customer_data
from workbench.customers.models import ErasureLog
from workbench.customers.services import get_customer
from workbench.feedback import privacy as feedback_data
from workbench.issues import privacy as issue_data
from workbench.outbox import privacy as outbox_data
from workbench.studies import privacy as study_data


def export_customer(session: Session, customer_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything the workbench holds about one customer, as JSON-ready data."""
    customer = get_customer(session, customer_id)
    return {
        "exported_at": now.isoformat(),
        **customer_data.export_records(session, customer, now=now),
        **feedback_data.export_records(session, customer),
        **study_data.export_records(session, customer_id),
        **outbox_data.export_records(session, customer_id),
    }


def erase_customer(session: Session, customer_id: int, *, erased_by_id: int | None) -> ErasureLog:
    """Erase a customer: personal data deleted, feedback text anonymised.

    Ratings stay, detached from the person, so that aggregate figures do not change. Quotes go
    first (they are found through the feedback's link to the customer, which anonymising
    cuts); study places, bookings and messages go with the customer row (foreign keys).
    """
    customer = get_customer(session, customer_id)
    issue_data.delete_quotes(session, feedback_data.feedback_ids_of(customer))
    anonymised = feedback_data.anonymise_feedback(session, customer)
    consents_deleted = customer_data.erase_consents(session, customer)
    log = ErasureLog(
        customer_id=customer_id,
        erased_by_id=erased_by_id,
        feedback_anonymised=anonymised,
        consents_deleted=consents_deleted,
    )
    session.add(log)
    session.delete(customer)
    session.flush()
    return log
