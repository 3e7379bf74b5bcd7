"""New feedback, as it arrives: a polarity (for unrated items) and a topic from the current run.

The topics feature registers ``after_feedback_stored`` with feedback intake, so that feedback
never imports topics.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from workbench.db import in_chunks, utcnow
from workbench.feedback.models import Feedback
from workbench.topics import clustering
from workbench.topics.alignment import merge_targets
from workbench.topics.assignments import current_run
from workbench.topics.embeddings import feedback_embeddings
from workbench.topics.models import FeedbackTopic
from workbench.topics.polarity import assign_polarity, corpus_polarity
from workbench.topics.selection import TopicRunFilters, clusterable_feedback

log = logging.getLogger(__name__)

#: Items embedded as they arrive under the multilingual engine (about a second per 50).
EMBED_AT_ARRIVAL = 200


def assign_new_feedback(session: Session, feedback_ids: Iterable[int], *, now: datetime) -> int:
    """Give feedback the current run has no topic for one predicted by that run's model.

    The run's filters apply, except its date range. Returns how many items were assigned
    (those fitting no topic are stored as unclear, and counted). No current run: 0. Under an
    embedding engine, more than ``EMBED_AT_ARRIVAL`` items at once (an import) are left for
    the next run, which embeds them.
    """
    run = current_run(session)
    ids = sorted(set(feedback_ids))
    if run is None or not run.model_path or not ids:
        return 0
    filters = TopicRunFilters.from_params(run.params.get("filters", {}))
    done = sa.select(FeedbackTopic.feedback_id).where(FeedbackTopic.run_id == run.id)
    rows = []
    for chunk in in_chunks(ids):
        query = clusterable_feedback().where(Feedback.id.in_(chunk), Feedback.id.not_in(done))
        rows.extend(session.execute(filters.apply(query, dates=False).order_by(Feedback.id)))
    if not rows:
        return 0
    vectors = None
    if run.params.get("engine") in clustering.EMBEDDING_ENGINES:
        if len(rows) > EMBED_AT_ARRIVAL:
            return 0  # a large import would wait minutes here: the next run embeds it
        vectors = feedback_embeddings(session, [r.id for r in rows], [r.text for r in rows])
    model = clustering.load_topic_model(run.model_path)
    polarity = corpus_polarity(session, [row.id for row in rows])
    labels = clustering.predict_topics(model, [row.text for row in rows], polarity, vectors)
    merged = merge_targets(session).target
    values = [
        {
            "run_id": run.id,
            "feedback_id": row.id,
            "topic_id": None if label == clustering.UNCLEAR else merged(label),
            "predicted": True,
            "assigned_at": now,
        }
        for row, label in zip(rows, labels, strict=True)
    ]
    for chunk in in_chunks(values):
        session.execute(sa.insert(FeedbackTopic), chunk)
    return len(values)


def after_feedback_stored(session: Session, feedback_ids: Iterable[int]) -> int:
    """Assign new feedback to the current topics; never fails the caller's work.

    Runs in a savepoint: any problem (a missing or unreadable model file, the engine) is
    logged and rolled back, and the feedback simply waits for the next run.
    """
    feedback_ids = list(feedback_ids)
    try:
        with session.begin_nested():
            assign_polarity(session, feedback_ids)
    except Exception:
        log.exception("New feedback could not be given a polarity")
    try:
        with session.begin_nested():
            return assign_new_feedback(session, feedback_ids, now=utcnow())
    except Exception:
        log.exception("New feedback could not be assigned to topics")
        return 0
