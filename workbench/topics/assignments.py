"""Which topic each feedback item is in now: the current run's assignment, unless moved by hand."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.topics.models import FeedbackTopic, TopicMove, TopicRun


def current_run(session: Session) -> TopicRun | None:
    """The run whose topics the workbench shows (the newest that succeeded)."""
    return session.exec(select(TopicRun).where(TopicRun.is_current.is_(True))).first()


def current_assignments(run_id: int | None) -> sa.Subquery:
    """SQL: ``feedback_id, topic_id`` now, a hand move winning over the run's assignment.

    Items the run left unclear (topic None) are left out; so are items of no run.
    """
    moved = sa.select(TopicMove.feedback_id, TopicMove.topic_id)
    fitted = sa.select(FeedbackTopic.feedback_id, FeedbackTopic.topic_id).where(
        FeedbackTopic.run_id == (run_id if run_id is not None else -1),
        FeedbackTopic.topic_id.is_not(None),
        FeedbackTopic.feedback_id.not_in(sa.select(TopicMove.feedback_id)),
    )
    return sa.union_all(moved, fitted).subquery("current_assignments")


def feedback_in_topics(session: Session, topic_ids: Collection[int]) -> sa.Select:
    """SQL: ids of feedback items currently in any of the given topics."""
    run = current_run(session)
    assigned = current_assignments(run.id if run else None)
    return sa.select(assigned.c.feedback_id).where(assigned.c.topic_id.in_(list(topic_ids)))
