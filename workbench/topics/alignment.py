"""Topic identities for a new fit: the engine's alignment, and merges made by hand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.db import utcnow
from workbench.topics import clustering
from workbench.topics.models import Topic, TopicVersion


@dataclass
class Merges:
    """Topics merged by hand: ``into`` maps a topic to the one it was merged into."""

    into: dict[int, int]

    def target(self, topic_id: int) -> int:
        """The topic an id ends up in, following merges (-1 stays -1)."""
        seen = {topic_id}
        while topic_id in self.into and self.into[topic_id] not in seen:  # a cycle stops
            topic_id = self.into[topic_id]
            seen.add(topic_id)
        return topic_id

    def sources(self, topic_id: int) -> list[int]:
        """Topics that end up in ``topic_id``, by id."""
        return sorted(t for t in self.into if t != topic_id and self.target(t) == topic_id)


def merge_targets(session: Session) -> Merges:
    """Every merge made by hand so far."""
    query = sa.select(Topic.id, Topic.merged_into_id).where(Topic.merged_into_id.is_not(None))
    return Merges(dict(session.execute(query).tuples().all()))


def topic_identities(
    session: Session, previous: list[int], fitted: clustering.FittedTopics, merges: Merges
) -> dict[int, int]:
    """The ``Topic.id`` of each cluster of a new fit (its engine id -> a topic identity).

    The engine's alignment gives a cluster the earlier topic it shares most texts with. A
    cluster left over that is mostly one earlier topic's texts is a topic merged into that
    one by hand, found again: it takes back that merged topic's identity, so that its items
    stay on the merge target. Any other cluster is a new topic.
    """
    aligned = clustering.align_topic_ids(previous, fitted.labels)
    known = set(previous) - {clustering.UNCLEAR}
    identities = {e: aligned[e] for e in sorted(t.id for t in fitted.topics) if aligned[e] in known}
    for engine_id in sorted({t.id for t in fitted.topics} - identities.keys()):
        earlier = Counter(
            before
            for before, now in zip(previous, fitted.labels, strict=True)
            if now == engine_id and before != clustering.UNCLEAR
        )
        size = sum(label == engine_id for label in fitted.labels)
        if earlier and earlier.most_common(1)[0][1] * 2 >= size:
            free = set(merges.sources(earlier.most_common(1)[0][0])) - set(identities.values())
            if free:
                identities[engine_id] = min(free)
                continue
        topic = Topic(created_at=utcnow())
        session.add(topic)
        session.flush()
        identities[engine_id] = topic.id
    return identities


def kept_labels(
    session: Session,
    previous_run_id: int | None,
    fitted: clustering.FittedTopics,
    groups: dict[int, list[tuple[int, clustering.TopicSummary]]],
) -> dict[int, str]:
    """Earlier labels that a warm re-fit keeps: a topic found again keeps its label while
    every word of it is still among its keywords (labels stay unique)."""
    if not fitted.warm_start or previous_run_id is None:
        return {}
    earlier = {
        version.topic_id: version.label
        for version in session.exec(
            select(TopicVersion).where(TopicVersion.run_id == previous_run_id)
        )
    }
    chosen = {
        topic_id: max(parts, key=lambda p: p[1].size)[1] for topic_id, parts in groups.items()
    }
    kept: dict[int, str] = {}
    for topic_id, main in chosen.items():
        old = earlier.get(topic_id)
        if old and clustering.label_still_fits(old, main.keywords):
            kept[topic_id] = old
    taken = {label.casefold() for label in kept.values()}
    new_labels = [m.label.casefold() for t, m in chosen.items() if t not in kept]
    if len(taken) < len(kept) or taken & set(new_labels):
        return {}  # two topics would share a label: take the new labels as they are
    return kept
