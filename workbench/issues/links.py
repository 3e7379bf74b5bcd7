"""What an issue is linked to: topics, feedback items, and through topics their feedback."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from workbench.issues.models import IssueFeedback, IssueTopic
from workbench.topics.assignments import feedback_in_topics


def linked_feedback_ids(session: Session, issue_id: int) -> sa.Select:
    """SQL: ids of feedback linked directly, or now in a topic linked to the issue."""
    topic_ids = list(
        session.execute(sa.select(IssueTopic.topic_id).where(IssueTopic.issue_id == issue_id))
        .scalars()
        .all()
    )
    direct = sa.select(IssueFeedback.feedback_id).where(IssueFeedback.issue_id == issue_id)
    if not topic_ids:
        return direct
    return sa.union(direct, feedback_in_topics(session, topic_ids))
