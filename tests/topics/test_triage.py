"""Triage: open an issue from a topic, link and unlink, and what the issue page shows."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_feedback, make_issue, make_topic_run
from workbench.db import utcnow
from workbench.errors import Conflict, ValidationFailed
from workbench.issues.models import IssueEvent, IssueFeedback, IssueKind, IssueTopic
from workbench.topics import browser, triage


def trail(session, issue) -> list[tuple[str, str]]:
    query = select(IssueEvent).where(IssueEvent.issue_id == issue.id).order_by(IssueEvent.id)
    return [(event.action, event.detail) for event in session.exec(query)]


def test_open_an_issue_from_a_topic(session):
    _, topics = make_topic_run(session, {"late delivery": [make_feedback(session)]})
    topic = topics["late delivery"]
    issue = triage.open_issue_from_topic(
        session,
        topic,
        title="Deliveries are late",
        kind=IssueKind.SERVICE,
        severity=3,
        actor_id=None,
        now=utcnow(),
    )
    assert (issue.title, issue.kind, issue.severity) == ("Deliveries are late", "service", 3)
    assert session.exec(
        select(IssueTopic.topic_id).where(IssueTopic.issue_id == issue.id)
    ).all() == [topic.id]
    assert [action for action, _ in trail(session, issue)] == ["created", "topic linked"]
    assert "“late delivery”" in trail(session, issue)[1][1]
    with pytest.raises(ValidationFailed):
        triage.open_issue_from_topic(
            session, topic, title=" ", kind="product", severity=2, actor_id=None, now=utcnow()
        )


def test_link_once_and_unlink_with_events(session):
    _, topics = make_topic_run(session, {"t": [make_feedback(session)]})
    topic, issue = topics["t"], make_issue(session)
    first = triage.link_topic_to_issue(session, issue, topic, actor_id=None, now=utcnow())
    again = triage.link_topic_to_issue(session, issue, topic, actor_id=None, now=utcnow())
    assert first.id == again.id
    assert triage.unlink_topic(session, issue, topic, actor_id=None, now=utcnow()) is True
    assert triage.unlink_topic(session, issue, topic, actor_id=None, now=utcnow()) is False
    assert [action for action, _ in trail(session, issue)] == ["topic linked", "topic unlinked"]


def test_merged_issues_and_topics_refuse_links(session):
    _, topics = make_topic_run(
        session, {"a": [make_feedback(session)], "b": [make_feedback(session)]}
    )
    target = make_issue(session)
    merged = make_issue(session, merged_into_id=target.id)
    with pytest.raises(Conflict):
        triage.link_topic_to_issue(session, merged, topics["a"], actor_id=None, now=utcnow())
    browser.merge_topics(session, topics["a"], topics["b"])
    with pytest.raises(Conflict):
        triage.link_topic_to_issue(session, target, topics["a"], actor_id=None, now=utcnow())


def test_customers_raising_counts_distinct_customers_and_anonymous_apart(session):
    anna, bo = make_customer(session), make_customer(session)
    items = [
        make_feedback(session, customer_id=anna.id),
        make_feedback(session, customer_id=anna.id),
        make_feedback(session, customer_id=bo.id),
        make_feedback(session),
    ]
    direct = make_feedback(session, customer_id=make_customer(session).id)
    _, topics = make_topic_run(
        session, {"t": items, "u": [make_feedback(session, customer_id=bo.id)]}
    )
    issue = make_issue(session)
    assert triage.customers_raising(session, issue.id) == 0
    triage.link_topic_to_issue(session, issue, topics["t"], actor_id=None, now=utcnow())
    session.add(IssueFeedback(issue_id=issue.id, feedback_id=direct.id))
    session.flush()
    assert triage.customers_raising(session, issue.id) == 3  # Anna, Bo and the direct one
    assert triage.anonymous_raising(session, issue.id) == 1


def test_issue_topic_panel(session):
    now = utcnow()
    items = [make_feedback(session, created_at=now) for _ in range(2)]
    _, topics = make_topic_run(session, {"checkout": items})
    issue = make_issue(session)
    triage.link_topic_to_issue(session, issue, topics["checkout"], actor_id=None, now=now)
    panel = triage.issue_topic_panel(session, issue.id, now=now)
    assert [(row.label, row.size) for row in panel.topics] == [("checkout", 2)]
    assert (panel.customers, panel.anonymous) == (0, 2)
    assert panel.weeks[-1].count == 2 and panel.trend == 1.0
    assert triage.issue_topics(session, issue.id, now=now)[0].trend == 1.0
