"""Clustering steps of the topic model: how many topics, k-means, warm starts, polarity shares.

Functions of arrays, and ``KMeansClusterer``, the default clusterer of ``TopicModel`` (which
calls them for each polarity group).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

UNCLEAR = -1
#: Above this many texts, k-means runs in mini-batches.
LARGE_CORPUS = 20_000


def kmeans_for(k: int, n_texts: int, random_state: int) -> KMeans | MiniBatchKMeans:
    """K-means for ``n_texts`` vectors: mini-batches above ``LARGE_CORPUS``.

    Mini-batch k-means starts once (scikit-learn's default): on 100,000 texts three k-means++
    starts took 3 of its 4 seconds and gave the same NMI (0.581-0.585 against 0.569-0.585
    over three seeds).
    """
    if n_texts > LARGE_CORPUS:
        return MiniBatchKMeans(
            k, random_state=random_state, batch_size=4096, n_init=1, max_no_improvement=20
        )
    return KMeans(k, random_state=random_state, n_init=3)


def fit_on_distinct_rows(kmeans: KMeans | MiniBatchKMeans, vectors: np.ndarray):
    """Fit ``kmeans`` on the distinct rows of ``vectors``, each weighted by how often it occurs.

    Feedback repeats itself ("Bra app"), and so do its vectors; k-means with the repeats as
    sample weights minimises the same inertia as on every row, in the time of the distinct
    rows (57,000 of 100,000 short texts).

    Returns
    -------
    KMeans or MiniBatchKMeans
        ``kmeans``, fitted (its ``labels_`` are those of the distinct rows).
    """
    rows = np.ascontiguousarray(vectors)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))
    _, first, counts = np.unique(as_bytes.ravel(), return_index=True, return_counts=True)
    if len(first) < kmeans.n_clusters:  # fewer distinct rows than centres: let k-means say
        with one_blas_thread():
            return kmeans.fit(rows)
    order = np.sort(first)  # keep the rows' own order: the seed then picks as before
    weights = counts[np.argsort(first)]
    with one_blas_thread():
        return kmeans.fit(rows[order], sample_weight=weights.astype(rows.dtype))


class KMeansClusterer(BaseEstimator):
    """K-means on unit vectors, the topic model's default clusterer.

    ``TopicModel(clusterer=...)`` takes any object with a ``fit_centres`` method like this
    one's (and ``get_params``, as it is cloned in ``fit``).

    Parameters
    ----------
    random_state : int
        Seed for the k-means starts: the same vectors and seed give the same centres.
    """

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit_centres(
        self, vectors: np.ndarray, n_clusters: int, init: np.ndarray | None = None
    ) -> np.ndarray:
        """Cluster the rows of ``vectors`` and return the unit-length centres.

        Parameters
        ----------
        vectors : ndarray of shape (n_texts, n_dimensions)
            Unit-length rows, at least ``n_clusters`` of them.
        n_clusters : int
            The number of centres.
        init : ndarray of shape (n_clusters, n_dimensions) or None
            Starting centres (a warm re-fit starts from the earlier topics), or None for
            k-means++ (mini-batches above ``LARGE_CORPUS`` texts, see ``kmeans_for``).

        Returns
        -------
        ndarray of shape (n_clusters, n_dimensions)
            The centres, each scaled to unit length, in the order of ``init`` when given.
        """
        if init is not None:
            if len(init) != n_clusters:
                raise ValueError(f"init has {len(init)} centres, not n_clusters={n_clusters}.")
            # One run from the given centres: they carry the earlier topics' ids.
            kmeans = KMeans(n_clusters, init=init, n_init=1, random_state=self.random_state)
        else:
            kmeans = kmeans_for(n_clusters, len(vectors), self.random_state)
        return normalize(fit_on_distinct_rows(kmeans, vectors).cluster_centers_)


def one_blas_thread():
    """A context in which BLAS uses one thread.

    K-means (mini-batch above all) and the SVD make many small BLAS calls; with a BLAS thread
    per core they wait on each other as soon as anything else wants a core, as a web worker
    does while a topic run goes on (k-means on 100,000 texts: 3 s alone, 46 s on two busy
    cores). On an idle machine one thread is as fast.

    Returns
    -------
    threadpoolctl.threadpool_limits
        Use as ``with one_blas_thread(): ...``.
    """
    return threadpool_limits(1, user_api="blas")


def auto_topic_count(n_texts: int, max_topics: int, min_topic_size: int) -> int:
    """The number of topics for ``n_texts`` texts: round(sqrt(2 n)).

    That is twice the classic rule of thumb sqrt(n / 2) for the number of clusters, because a
    feedback topic is narrow (one thing said one way: "late delivery", not "delivery"); themes
    group topics into the broad view. 26 topics for 334 texts, 78 for 3,000, 200 (the cap) from
    20,000 on. Never more than ``max_topics`` or n / ``min_topic_size``, never fewer than 2.
    """
    count = round(math.sqrt(2 * n_texts))
    return max(1, min(count, max_topics, max(2, n_texts // max(min_topic_size, 1))))


def polarity_groups(polarity, n_texts: int) -> np.ndarray:
    """Each text's polarity as an array (all None without polarity)."""
    if polarity is None:
        return np.full(n_texts, None, dtype=object)
    if len(polarity) != n_texts:
        raise ValueError("polarity must have one entry per text.")
    return np.array(list(polarity), dtype=object)


def within_polarity(
    similarity: np.ndarray, groups: np.ndarray, topic_polarity: np.ndarray
) -> np.ndarray:
    """Similarities with every centre of another polarity than the text's set to -2 (below any
    cosine), so that a text only joins a topic of its own polarity. A polarity the model never
    saw may join any topic."""
    if all(polarity is None for polarity in topic_polarity):
        return similarity
    other = groups[:, None] != topic_polarity[None, :]
    other[~np.isin(groups, topic_polarity)] = False
    return np.where(other, -2.0, similarity)


def earlier_labels(previous_labels, empty: np.ndarray) -> np.ndarray | None:
    """An earlier fit's labels as an array (-1 for none, and for texts without words)."""
    if previous_labels is None:
        return None
    if len(previous_labels) != len(empty):
        raise ValueError("previous_labels must have one entry per text (-1 for new texts).")
    labels = np.array([UNCLEAR if x is None else int(x) for x in previous_labels])
    labels[empty] = UNCLEAR
    return labels


def previous_centres(
    reduced: np.ndarray, previous: np.ndarray | None, groups: np.ndarray, group: object
) -> tuple[np.ndarray | None, list[int] | None]:
    """Starting centres and ids from an earlier fit's topics that belong to ``group`` (most of
    their texts have it), or (None, None) when fewer than two do."""
    if previous is None:
        return None, None
    ids = []
    for topic in np.unique(previous[previous != UNCLEAR]):
        members = groups[previous == topic].tolist()
        if max(set(members), key=lambda g: (members.count(g), str(g))) == group:
            ids.append(int(topic))
    if len(ids) < 2:
        return None, None
    centres = normalize(
        np.vstack([reduced[(previous == i) & (groups == group)].mean(axis=0) for i in ids])
    )
    return centres, ids


def share_topics(n_topics: str | int, group_sizes: Counter) -> dict:
    """How many topics each polarity group gets: "auto" for each, or ``n_topics`` shared in
    proportion to the groups' sizes (largest remainders), at least one per group (so more
    than ``n_topics`` only when there are more groups than topics)."""
    if n_topics == "auto":
        return dict.fromkeys(group_sizes, "auto")
    wanted = int(n_topics)
    total = sum(group_sizes.values())
    exact = {group: wanted * size / total for group, size in group_sizes.items()}
    shares = {group: max(1, math.floor(value)) for group, value in exact.items()}
    by_remainder = sorted(exact, key=lambda group: exact[group] - math.floor(exact[group]))
    while sum(shares.values()) < wanted and by_remainder:
        shares[by_remainder.pop()] += 1
    while sum(shares.values()) > wanted and max(shares.values()) > 1:
        above_one = [group for group in shares if shares[group] > 1]
        shares[max(above_one, key=lambda group: shares[group] - exact[group])] -= 1
    return shares


def topic_ids(earlier: Sequence[int | None], sizes: np.ndarray) -> np.ndarray:
    """The public id of each cluster: its earlier topic's id where it has one; the others get
    new ids above every earlier one, the largest cluster first (a fresh fit: 0 is largest)."""
    taken = [i for i in earlier if i is not None]
    ids = np.array([UNCLEAR if i is None else i for i in earlier], dtype=int)
    next_id = max(taken, default=-1) + 1
    for cluster in np.argsort(-np.asarray(sizes), kind="stable"):
        if earlier[cluster] is None:
            ids[cluster] = next_id
            next_id += 1
    return ids


def unclear_threshold(similarities: np.ndarray, share: float) -> float:
    """The similarity below which a text is unclear: at most ``share`` of ``similarities``
    lie below it (none when the share rounds down to no text)."""
    count = int(share * len(similarities))
    if count == 0 or len(similarities) == 0:
        return -np.inf
    return float(np.sort(similarities)[count])
