"""The outbox's part of a customer's data export (workbench.privacy); their messages go with
them at erasure (the foreign key cascades)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from workbench.outbox.models import OutboxMessage


def export_records(session: Session, customer_id: int) -> dict[str, Any]:
    messages = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.customer_id == customer_id)
        .order_by(OutboxMessage.id)
    ).all()
    return {
        "messages": [
            message.model_dump(
                mode="json", include={"kind", "subject", "body_text", "status", "created_at"}
            )
            for message in messages
        ]
    }
