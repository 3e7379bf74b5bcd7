"""Themes: a handful of groups of topics, so that the whole picture fits on one screen.

Topics are narrow ("late delivery", "fast delivery", "damaged parcel"); a theme groups the
topics whose centres are close ("delivery"), whatever their polarity, so praise and complaints
about one subject sit side by side under it. Topic centres are grouped by agglomerative
clustering (average linkage on cosine distance), and a theme is labelled like a topic (the
labeller, ``nlp.labelling.CtfidfLabeller`` by default, describes all its texts as one group).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering

#: Never more themes than this: a theme list is read at a glance.
MAX_THEMES = 15


@dataclass(frozen=True)
class Theme:
    """A group of topics.

    Attributes
    ----------
    id : int
        The theme's number in this fit (0 is the largest).
    label : str
        A readable label, made as topic labels are.
    keywords : tuple of (str, float)
        Keywords of all the theme's texts.
    topic_ids : tuple of int
        The topics in the theme.
    size : int
        Texts in the theme's topics.
    """

    id: int
    label: str
    keywords: tuple[tuple[str, float], ...]
    topic_ids: tuple[int, ...]
    size: int


def theme_count(n_topics: int) -> int:
    """round(sqrt(2 k)) themes for k topics, at most 15 and at most k: 7 for 26 topics, 12 for
    77, 15 from 113 on; a model of five topics or fewer has one theme per topic."""
    if n_topics <= 5:
        return n_topics
    return min(MAX_THEMES, n_topics, round(math.sqrt(2 * n_topics)))


def group_centres(centres: np.ndarray, n_themes: int) -> np.ndarray:
    """The theme of each centre (rows of ``centres``), by average-linkage cosine clustering."""
    if n_themes >= len(centres):
        return np.arange(len(centres))
    grouping = AgglomerativeClustering(n_clusters=n_themes, metric="cosine", linkage="average")
    return grouping.fit_predict(centres)


def describe_themes(
    clusters: np.ndarray,
    unclear: np.ndarray,
    centres: np.ndarray,
    topic_ids: np.ndarray,
    describe: Callable[[np.ndarray, int], list[tuple[int, dict]]],
) -> list[Theme]:
    """Group the clusters (rows of ``centres``, public ids ``topic_ids``) into themes and
    describe each; clusters without texts belong to no theme.

    Parameters
    ----------
    clusters : ndarray of int
        Each text's cluster; ``unclear`` marks the texts that belong to none.
    describe : callable
        ``describe(theme_of_text, n_themes)`` describes the texts grouped by theme (unclear
        texts aside), as ``nlp.labelling.describe_topics`` does: (theme, fields) pairs whose
        fields hold at least ``label``, ``keywords`` and ``size``.
    """
    sizes = np.bincount(clusters[~unclear], minlength=len(centres))
    used = np.flatnonzero(sizes)
    if len(used) == 0:
        return []
    grouped = np.full(len(centres), -1)
    grouped[used] = group_centres(centres[used], theme_count(len(used)))
    # Largest theme first, as topic ids go.
    totals = np.bincount(grouped[used], weights=sizes[used])
    order = np.argsort(-totals, kind="stable")
    renumber = np.empty(len(order), dtype=int)
    renumber[order] = np.arange(len(order))
    theme_of_text = np.where(unclear, 0, renumber[grouped[clusters]])
    described = describe(theme_of_text, len(order))
    themes = []
    for theme, description in described:
        members = [int(topic_ids[c]) for c in used if renumber[grouped[c]] == theme]
        themes.append(
            Theme(
                id=int(theme),
                label=description["label"],
                keywords=description["keywords"],
                topic_ids=tuple(sorted(members)),
                size=int(description["size"]),
            )
        )
    return sorted(themes, key=lambda theme: theme.id)
