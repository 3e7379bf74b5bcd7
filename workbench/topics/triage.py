"""Triage: from a topic to the shared issue log, and what the issue page shows of its topics.

Every link and unlink writes an event on the issue's audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workbench.db import utcnow
from workbench.errors import Conflict
from workbench.feedback.models import Feedback, is_complaint
from workbench.issues.audit import record_event
from workbench.issues.links import linked_feedback_ids
from workbench.issues.models import Issue, IssueKind, IssueTopic
from workbench.issues.services import create_issue
from workbench.topics.browser import (
    TopicRow,
    WeekCount,
    build_topic_rows,
    latest_versions,
    sparkline_points,
    week_starts,
)
from workbench.topics.impact import trend_of_weeks
from workbench.topics.models import Topic


@dataclass(frozen=True)
class IssueTopicPanel:
    """What the issue page shows of the topics and customers behind an issue."""

    topics: list[TopicRow]
    customers: int
    anonymous: int
    weeks: list[WeekCount]

    @property
    def trend(self) -> float:
        return trend_of_weeks([week.count for week in self.weeks])

    @property
    def sparkline(self) -> str:
        return sparkline_points([week.count for week in self.weeks])


def _refuse_merged(issue: Issue, topic: Topic) -> None:
    if issue.merged_into_id is not None:
        raise Conflict(
            f"Issue #{issue.id} was merged into #{issue.merged_into_id}; "
            f"link #{issue.merged_into_id} instead."
        )
    if topic.merged_into_id is not None:
        raise Conflict(
            f"Topic #{topic.id} was merged into #{topic.merged_into_id}; "
            f"link #{topic.merged_into_id} instead."
        )


def _topic_name(session: Session, topic: Topic) -> str:
    version = latest_versions(session, [topic.id]).get(topic.id)
    label = topic.custom_label or (version.label if version else "")
    return f"topic #{topic.id} “{label}”" if label else f"topic #{topic.id}"


def link_topic_to_issue(
    session: Session, issue: Issue, topic: Topic, *, actor_id: int | None, now: datetime
) -> IssueTopic:
    """Link a topic to an issue (once); the issue's trail records it."""
    _refuse_merged(issue, topic)
    link = session.exec(
        select(IssueTopic).where(IssueTopic.issue_id == issue.id, IssueTopic.topic_id == topic.id)
    ).first()
    if link is not None:
        return link
    link = IssueTopic(issue_id=issue.id, topic_id=topic.id, linked_at=now, linked_by_id=actor_id)
    session.add(link)
    name = _topic_name(session, topic)
    record_event(session, issue, "topic linked", f"{name} linked", actor_id=actor_id, now=now)
    session.flush()
    return link


def unlink_topic(
    session: Session, issue: Issue, topic: Topic, *, actor_id: int | None, now: datetime
) -> bool:
    """Remove the link between a topic and an issue; False when there was none."""
    link = session.exec(
        select(IssueTopic).where(IssueTopic.issue_id == issue.id, IssueTopic.topic_id == topic.id)
    ).first()
    if link is None:
        return False
    session.delete(link)
    name = _topic_name(session, topic)
    record_event(session, issue, "topic unlinked", f"{name} unlinked", actor_id=actor_id, now=now)
    session.flush()
    return True


def open_issue_from_topic(
    session: Session,
    topic: Topic,
    *,
    title: str,
    kind: IssueKind,
    severity: int,
    actor_id: int | None,
    now: datetime,
) -> Issue:
    """Open an issue in the shared log and link the topic to it."""
    if topic.merged_into_id is not None:
        raise Conflict(f"Topic #{topic.id} was merged into #{topic.merged_into_id}.")
    issue = create_issue(
        session, title=title, kind=IssueKind(kind), severity=severity, actor_id=actor_id, now=now
    )
    link_topic_to_issue(session, issue, topic, actor_id=actor_id, now=now)
    return issue


def issue_topics(session: Session, issue_id: int, *, now: datetime) -> list[TopicRow]:
    """The topics linked to an issue, with size, trend and the rest of their figures."""
    topics = list(
        session.exec(
            select(Topic)
            .join(IssueTopic, IssueTopic.topic_id == Topic.id)
            .where(IssueTopic.issue_id == issue_id)
            .order_by(col(Topic.id))
        )
    )
    versions = latest_versions(session, [topic.id for topic in topics])
    return build_topic_rows(session, [(t, versions.get(t.id)) for t in topics], now)


def customers_raising(session: Session, issue_id: int) -> int:
    """Distinct customers whose complaints are linked to the issue (directly or by topic)."""
    query = sa.select(sa.func.count(sa.distinct(Feedback.customer_id))).where(
        col(Feedback.id).in_(linked_feedback_ids(session, issue_id)),
        col(Feedback.customer_id).is_not(None),
        is_complaint(),
    )
    return session.execute(query).scalar_one()


def anonymous_raising(session: Session, issue_id: int) -> int:
    """Linked complaints without a customer (counted apart: they may be anyone)."""
    query = sa.select(sa.func.count()).where(
        col(Feedback.id).in_(linked_feedback_ids(session, issue_id)),
        col(Feedback.customer_id).is_(None),
        is_complaint(),
    )
    return session.execute(query).scalar_one()


def issue_weeks(session: Session, issue_id: int, *, now: datetime) -> list[WeekCount]:
    """Linked feedback per week over the last 12 weeks, oldest first."""
    starts = week_starts(now)
    counts = dict.fromkeys(starts, 0)
    query = sa.select(Feedback.created_at).where(
        col(Feedback.id).in_(linked_feedback_ids(session, issue_id))
    )
    for (created_at,) in session.execute(query):
        day = created_at.astimezone(UTC).date()
        monday = day.fromordinal(day.toordinal() - day.weekday())
        if monday in counts:
            counts[monday] += 1
    return [WeekCount(start, count) for start, count in counts.items()]


def issue_topic_panel(
    session: Session, issue_id: int, *, now: datetime | None = None
) -> IssueTopicPanel:
    """Everything ``topics/_issue_topics.html`` needs for one issue (as ``panel``)."""
    now = now or utcnow()
    return IssueTopicPanel(
        topics=issue_topics(session, issue_id, now=now),
        customers=customers_raising(session, issue_id),
        anonymous=anonymous_raising(session, issue_id),
        weeks=issue_weeks(session, issue_id, now=now),
    )
