"""What user-test studies add to the customer register: completed sessions count as engagement."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from workbench.customers.engagement import Engagement
from workbench.studies.models import ParticipantStatus, StudyParticipant


def study_engagement(session: Session, customer_ids: list[int]) -> dict[int, Engagement]:
    """Per customer, the user-test sessions they completed."""
    query = (
        sa.select(StudyParticipant.customer_id, sa.func.count())
        .where(StudyParticipant.customer_id.in_(customer_ids))
        .where(StudyParticipant.status == ParticipantStatus.COMPLETED)
        .group_by(StudyParticipant.customer_id)
    )
    return {customer_id: Engagement(count=count) for customer_id, count in session.execute(query)}
