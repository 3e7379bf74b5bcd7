"""Polarity of feedback items: predicted for items without a rating, relearned every run.

Rated items have their polarity from the rating (``feedback.intake.rating_polarity``). The
others get the polarity a model predicts: each topic run learns one from every rated item and
saves it beside the topic model; items that arrive between runs are read by that run's model,
or by the starter set's model before the first run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from workbench.db import in_chunks
from workbench.feedback.models import Feedback, Polarity, PolaritySource
from workbench.topics import clustering
from workbench.topics.assignments import current_run


def refit_polarity(session: Session) -> tuple[Any, int]:
    """Learn polarity from every rated item, and predict it for every item without a rating.

    Returns the model (saved with the run, for items that arrive later) and how many items
    got a predicted polarity.
    """
    rated = session.execute(
        sa.select(Feedback.text, Feedback.polarity).where(
            Feedback.erased.is_(False), Feedback.polarity_source == PolaritySource.RATING
        )
    ).all()
    model = clustering.fit_polarity([r.text for r in rated], [r.polarity.value for r in rated])
    unrated = sa.select(Feedback.id, Feedback.text).where(
        Feedback.erased.is_(False),
        sa.or_(
            Feedback.polarity_source.is_(None), Feedback.polarity_source != PolaritySource.RATING
        ),
    )
    return model, _store_polarity(session, model, session.execute(unrated.order_by(Feedback.id)))


def _store_polarity(session: Session, model: Any, rows: Iterable[Any]) -> int:
    """Predict and store the polarity of ``rows`` (id, text), a chunk at a time."""
    update = (
        sa.update(Feedback.__table__)
        .where(Feedback.__table__.c.id == sa.bindparam("item_id"))
        .values(
            polarity=sa.bindparam("new_polarity"),
            polarity_source=sa.bindparam("new_source"),
            polarity_confidence=sa.bindparam("new_confidence"),
        )
    )
    count = 0
    for chunk in in_chunks(list(rows)):
        predictions = clustering.predict_polarity(model, [row.text for row in chunk])
        values = [
            {
                "item_id": row.id,
                "new_polarity": Polarity(prediction.polarity),
                "new_source": PolaritySource(prediction.source),
                "new_confidence": prediction.confidence,
            }
            for row, prediction in zip(chunk, predictions, strict=True)
        ]
        session.connection().execute(update, values)
        count += len(values)
    return count


def corpus_polarity(session: Session, ids: list[int]) -> list[str]:
    """The polarity of each item (in ``ids`` order); "neutral" for one that has none yet."""
    found: dict[int, str] = {}
    for chunk in in_chunks(ids):
        query = sa.select(Feedback.id, Feedback.polarity).where(Feedback.id.in_(chunk))
        found.update((i, p.value) for i, p in session.execute(query).tuples() if p is not None)
    return [found.get(i, Polarity.NEUTRAL.value) for i in ids]


def assign_polarity(session: Session, feedback_ids: Iterable[int]) -> int:
    """Predict the polarity of new items that have none (no rating): with the current run's
    model when there is one, else with the starter set's. Returns how many got one."""
    ids = sorted(set(feedback_ids))
    rows = []
    for chunk in in_chunks(ids):
        query = sa.select(Feedback.id, Feedback.text).where(
            Feedback.id.in_(chunk), Feedback.polarity.is_(None), Feedback.erased.is_(False)
        )
        rows.extend(session.execute(query.order_by(Feedback.id)))
    if not rows:
        return 0
    run = current_run(session)
    path = clustering.polarity_model_path(run.model_path) if run and run.model_path else None
    if path is not None and path.is_file():
        model = clustering.load_topic_model(path)
    else:
        model = clustering.fallback_polarity_model()
    return _store_polarity(session, model, rows)
