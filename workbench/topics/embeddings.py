"""Sentence embeddings of feedback, computed once per item and kept for later topic runs.

The multilingual engine needs an E5 vector per text (15-60 texts a second on two cores), so
a run computes only the vectors it has not stored yet. A vector is reused only for the text it
was computed from (the text's SHA-256 is kept with it); vectors of erased items are deleted at
the start of every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from workbench.db import in_chunks, utcnow
from workbench.feedback.models import Feedback
from workbench.topics import clustering
from workbench.topics.models import FeedbackEmbedding

#: Texts embedded and stored together (a run reports progress after each batch).
BATCH = 256


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def purge_erased_embeddings(session: Session) -> int:
    """Delete the vectors of erased items; returns how many went."""
    erased = sa.select(Feedback.id).where(Feedback.erased.is_(True))
    result = session.execute(
        sa.delete(FeedbackEmbedding).where(FeedbackEmbedding.feedback_id.in_(erased))
    )
    return result.rowcount or 0


def stored_embeddings(
    session: Session, ids: Sequence[int], texts: Sequence[str]
) -> dict[int, np.ndarray]:
    """The stored vectors of these items that were computed from their present text."""
    model = clustering.embedding_model_id()
    found: dict[int, np.ndarray] = {}
    for chunk in in_chunks([(i, text_hash(t)) for i, t in zip(ids, texts, strict=True)]):
        wanted = dict(chunk)
        query = sa.select(
            FeedbackEmbedding.feedback_id, FeedbackEmbedding.text_sha256, FeedbackEmbedding.vector
        ).where(FeedbackEmbedding.feedback_id.in_(wanted), FeedbackEmbedding.model == model)
        for feedback_id, digest, vector in session.execute(query):
            if wanted[feedback_id] == digest:
                found[feedback_id] = np.frombuffer(vector, dtype=np.float32)
    return found


def compute_and_store(
    session: Session, ids: Sequence[int], texts: Sequence[str]
) -> dict[int, np.ndarray]:
    """Embed ``texts`` now and store each item's vector (replacing an outdated one)."""
    vectors = clustering.embed_texts(list(texts))
    session.execute(sa.delete(FeedbackEmbedding).where(FeedbackEmbedding.feedback_id.in_(ids)))
    now, model = utcnow(), clustering.embedding_model_id()
    rows = [
        {
            "feedback_id": feedback_id,
            "model": model,
            "text_sha256": text_hash(text),
            "vector": vector.astype(np.float32).tobytes(),
            "created_at": now,
        }
        for feedback_id, text, vector in zip(ids, texts, vectors, strict=True)
    ]
    if rows:
        session.execute(sa.insert(FeedbackEmbedding), rows)
    return dict(zip(ids, vectors, strict=True))


def feedback_embeddings(session: Session, ids: Sequence[int], texts: Sequence[str]) -> np.ndarray:
    """The vector of each item, from the store or computed now (a few new items at a time)."""
    vectors = stored_embeddings(session, ids, texts)
    missing = [i for i, feedback_id in enumerate(ids) if feedback_id not in vectors]
    if missing:
        vectors.update(
            compute_and_store(session, [ids[i] for i in missing], [texts[i] for i in missing])
        )
    return stack(vectors, ids)


def stack(vectors: dict[int, np.ndarray], ids: Sequence[int]) -> np.ndarray:
    """One row per id, in ``ids`` order."""
    return np.vstack([vectors[feedback_id] for feedback_id in ids])
