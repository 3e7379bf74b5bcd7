"""Changing topics by hand: rename, merge, move an item, split one topic into new ones.

Nothing is deleted. A merged topic stays as a pointer (``merged_into_id``) and is hidden; its
items in the current run, its hand moves and its issue links go to the target. A split gives
each cluster a new topic identity in the current run; items the split leaves unclear stay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workbench.db import utcnow
from workbench.errors import Conflict, NotFound, ValidationFailed
from workbench.feedback.models import Feedback
from workbench.issues.audit import record_event
from workbench.issues.models import IssueTopic
from workbench.topics import clustering
from workbench.topics.assignments import current_run, feedback_in_topics
from workbench.topics.models import FeedbackTopic, Topic, TopicMove, TopicRun, TopicVersion

LABEL_MAX = 200
UNCLEAR = -1
REPRESENTATIVES = 3

#: ``cluster(texts, n_topics=..., random_state=0)`` returning an object with ``labels``
#: (one int per text, -1 unclear) and ``topics`` (each with ``.id`` and ``.label``).
Cluster = Callable[..., Any]


def _refuse_merged(topic: Topic) -> None:
    if topic.merged_into_id is not None:
        raise Conflict(
            f"Topic #{topic.id} was merged into #{topic.merged_into_id}; "
            f"change #{topic.merged_into_id} instead."
        )


def _require_run(session: Session) -> TopicRun:
    run = current_run(session)
    if run is None:
        raise Conflict("There are no topics yet: start a topic run first.")
    return run


def rename_topic(session: Session, topic: Topic, label: str) -> Topic:
    """Give the topic a name of our own; an empty name goes back to the engine's label."""
    _refuse_merged(topic)
    label = " ".join((label or "").split())
    if len(label) > LABEL_MAX:
        raise ValidationFailed(f"Keep the name to {LABEL_MAX} characters.")
    topic.custom_label = label
    session.add(topic)
    session.flush()
    return topic


def merge_topics(
    session: Session,
    source: Topic,
    target: Topic,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Topic:
    """Fold ``source`` into ``target``: its items, moves and issue links go there."""
    if source.id == target.id:
        raise ValidationFailed("A topic cannot be merged into itself.")
    _refuse_merged(source)
    _refuse_merged(target)
    run = _require_run(session)
    now = now or utcnow()
    session.execute(
        sa.update(FeedbackTopic)
        .where(FeedbackTopic.run_id == run.id, FeedbackTopic.topic_id == source.id)
        .values(topic_id=target.id)
    )
    session.execute(
        sa.update(TopicMove).where(TopicMove.topic_id == source.id).values(topic_id=target.id)
    )
    on_target = set(
        session.exec(select(IssueTopic.issue_id).where(IssueTopic.topic_id == target.id))
    )
    for link in session.exec(select(IssueTopic).where(IssueTopic.topic_id == source.id)).all():
        if link.issue_id in on_target:
            session.delete(link)  # the target is linked already; one link is enough
        else:
            link.topic_id = target.id
            session.add(link)
        detail = f"topic #{source.id} merged into topic #{target.id}; the link follows it"
        record_event(session, link.issue_id, "topic merged", detail, actor_id=actor_id, now=now)
    source.merged_into_id = target.id
    session.add(source)
    session.flush()
    return target


def move_feedback(
    session: Session,
    feedback_id: int,
    topic_id: int,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> TopicMove:
    """Put one item in ``topic_id`` by hand; the move wins over every run's assignment."""
    if session.get(Feedback, feedback_id) is None:
        raise NotFound(f"There is no feedback #{feedback_id}.")
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(f"There is no topic #{topic_id}.")
    _refuse_merged(topic)
    move = session.exec(select(TopicMove).where(TopicMove.feedback_id == feedback_id)).first()
    if move is None:
        move = TopicMove(feedback_id=feedback_id, topic_id=topic_id)
    move.topic_id, move.moved_by_id, move.moved_at = topic_id, actor_id, now or utcnow()
    session.add(move)
    session.flush()
    return move


def _default_cluster(texts: list[str], **params: Any) -> Any:
    cluster = getattr(clustering, "cluster_texts", None)
    if cluster is None:
        raise Conflict("Splitting needs the topic engine, which is not available here.")
    return cluster(texts, **params)


def split_topic(
    session: Session,
    topic: Topic,
    *,
    n: int | str = 2,
    cluster: Cluster | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> list[Topic]:
    """Re-cluster the topic's items into ``n`` (or "auto") new topics; returns them.

    The new topics get versions in the current run and the items move there (a hand move
    follows its item). Unclear items stay in ``topic``; its issue links are copied to every
    new topic, so no issue loses its evidence.
    """
    _refuse_merged(topic)
    if n != "auto" and (not isinstance(n, int) or isinstance(n, bool) or n < 2):
        raise ValidationFailed('Split into 2 or more topics, or "auto".')
    run = _require_run(session)
    now = now or utcnow()
    items = list(
        session.exec(
            select(Feedback)
            .where(col(Feedback.id).in_(feedback_in_topics(session, [topic.id])))
            .order_by(col(Feedback.id))
        )
    )
    if len(items) < 2:
        raise ValidationFailed("A topic needs two or more items to be split.")
    result = (cluster or _default_cluster)([i.text for i in items], n_topics=n, random_state=0)
    members: dict[int, list[Feedback]] = {}
    for item, label in zip(items, result.labels, strict=True):
        if label != UNCLEAR:
            members.setdefault(int(label), []).append(item)
    if len(members) < 2:
        raise ValidationFailed(
            "The items did not separate into two or more topics; nothing changed."
        )
    found = {int(t.id): t for t in result.topics}
    links = list(session.exec(select(IssueTopic).where(IssueTopic.topic_id == topic.id)))
    created = []
    for engine_topic, group in sorted(members.items()):
        summary = found.get(engine_topic)
        new = Topic(created_at=now)
        session.add(new)
        session.flush()
        session.add(
            TopicVersion(
                run_id=run.id,
                topic_id=new.id,
                engine_topic=engine_topic,
                label=(getattr(summary, "label", "") or f"Part of topic #{topic.id}")[:LABEL_MAX],
                keywords=[list(k) for k in getattr(summary, "keywords", ())],
                size=len(group),
                representative_feedback_ids=_representatives(summary, items, group),
            )
        )
        _reassign(session, run, topic, new, [item.id for item in group])
        for link in links:
            session.add(
                IssueTopic(
                    issue_id=link.issue_id, topic_id=new.id, linked_at=now, linked_by_id=actor_id
                )
            )
            detail = f"topic #{topic.id} split; part #{new.id} linked too"
            record_event(session, link.issue_id, "topic split", detail, actor_id=actor_id, now=now)
        created.append(new)
    session.flush()
    return created


def _representatives(summary: Any, items: list[Feedback], group: list[Feedback]) -> list[int]:
    """The engine's representative texts (indices into ``items``), else the group's first."""
    rows = getattr(summary, "representative_rows", ()) or ()
    ids = [items[row].id for row in rows if 0 <= row < len(items)]
    return (ids or [item.id for item in group])[:REPRESENTATIVES]


def _reassign(
    session: Session, run: TopicRun, source: Topic, target: Topic, feedback_ids: list[int]
) -> None:
    session.execute(
        sa.update(TopicMove)
        .where(col(TopicMove.feedback_id).in_(feedback_ids), TopicMove.topic_id == source.id)
        .values(topic_id=target.id)
    )
    session.execute(
        sa.update(FeedbackTopic)
        .where(
            FeedbackTopic.run_id == run.id,
            col(FeedbackTopic.feedback_id).in_(feedback_ids),
            FeedbackTopic.topic_id == source.id,
        )
        .values(topic_id=target.id)
    )
