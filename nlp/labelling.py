"""Describing topics: class-based TF-IDF keywords, a readable label, rating summaries."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

LOW_RATING = 2


def ctfidf(per_topic_counts: sp.spmatrix) -> sp.csr_matrix:
    """Class-based TF-IDF (as in BERTopic): term frequency within a topic, times
    log(1 + average words per topic / frequency of the term over all topics)."""
    counts = sp.csr_matrix(per_topic_counts, dtype=np.float64)
    totals = np.asarray(counts.sum(axis=1)).ravel()
    totals[totals == 0] = 1
    tf = sp.diags(1 / totals) @ counts
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    frequency[frequency == 0] = 1
    average = counts.sum() / max(counts.shape[0], 1)
    idf = np.log(1 + average / frequency)
    return sp.csr_matrix(tf @ sp.diags(idf))


def topic_label(keywords: Sequence[tuple[str, float]]) -> str:
    """A phrase when one is strong enough, otherwise the two strongest words."""
    if not keywords:
        return "(no words)"
    phrases = [(word, weight) for word, weight in keywords if " " in word]
    top_weight = keywords[0][1]
    if phrases and phrases[0][1] >= 0.5 * top_weight:
        return phrases[0][0]
    words = [word for word, _ in keywords if " " not in word][:2]
    return " / ".join(words) if words else keywords[0][0]


def rating_summary(ratings, indices) -> tuple[float | None, float | None]:
    if ratings is None:
        return None, None
    given = [float(ratings[i]) for i in indices if ratings[i] is not None]
    if not given:
        return None, None
    low = sum(1 for rating in given if rating <= LOW_RATING)
    return round(sum(given) / len(given), 2), round(low / len(given), 3)
