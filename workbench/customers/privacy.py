"""The register's part of a customer's data export and erasure (workbench.privacy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.models import ConsentRecord, Customer
from workbench.customers.services import build_rows


def export_records(session: Session, customer: Customer, *, now: datetime) -> dict[str, Any]:
    """The customer row, their loyalty and their consent history."""
    row = build_rows(session, [customer], now)[0]
    history = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.customer_id == customer.id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
    ).all()
    return {
        "customer": customer.model_dump(mode="json"),
        "loyalty": {"score": row.loyalty.score, "tier": row.loyalty.tier.value},
        "consents": [record.model_dump(mode="json") for record in history],
    }


def erase_consents(session: Session, customer: Customer) -> int:
    """Delete the customer's consent records; how many there were."""
    return session.execute(
        sa.delete(ConsentRecord).where(ConsentRecord.customer_id == customer.id)
    ).rowcount
