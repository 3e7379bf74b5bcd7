"""Studies' part of a customer's data export (workbench.privacy); their places and bookings go
with them at erasure (the foreign keys cascade)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from workbench.studies.models import Booking, SessionSlot, Study, StudyParticipant


def export_records(session: Session, customer_id: int) -> dict[str, Any]:
    """The customer's places in studies, with their bookings."""
    places = session.execute(
        sa.select(StudyParticipant, Study.title)
        .join(Study, Study.id == StudyParticipant.study_id)
        .where(StudyParticipant.customer_id == customer_id)
        .order_by(StudyParticipant.id)
    ).all()
    studies = []
    for place, title in places:
        bookings = session.execute(
            sa.select(Booking, SessionSlot.starts_at)
            .join(SessionSlot, SessionSlot.id == Booking.slot_id)
            .where(Booking.participant_id == place.id)
            .order_by(Booking.id)
        ).all()
        studies.append(
            {
                "study": title,
                "status": place.status.value,
                "reason": place.reason,
                "invited_at": place.invited_at.isoformat() if place.invited_at else None,
                "responded_at": place.responded_at.isoformat() if place.responded_at else None,
                "bookings": [
                    {
                        "starts_at": starts_at.isoformat(),
                        "booked_at": booking.booked_at.isoformat(),
                        "cancelled_at": booking.cancelled_at.isoformat()
                        if booking.cancelled_at
                        else None,
                    }
                    for booking, starts_at in bookings
                ],
            }
        )
    return {"studies": studies}
