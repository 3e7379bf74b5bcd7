"""Polarity of feedback: negative, neutral or positive, from a rating or from the text.

A rating says how the customer felt, so it wins whenever an item has one
(``polarity_from_rating``). Items without one get the polarity a ``PolarityModel`` predicts:
word and character TF-IDF with a balanced logistic regression, learned from the rated items
of the same workbench. Before any item is rated, the model learns from a starter set of
Swedish and English feedback sentences written for this project (``nlp/data/
polarity_seed.tsv``); those sentences stay in the training set afterwards, so a workbench with
few ratings still knows words such as "kraschar" or "never again".
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlp.representation import word_features

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
POLARITIES = (NEGATIVE, NEUTRAL, POSITIVE)
#: A rating of 1 or 2 (of 5) is negative, 3 neutral, 4 or 5 positive.
NEGATIVE_AT_MOST, POSITIVE_AT_LEAST = 2, 4
RATING_SCALE = (1, 5)
SEED_FILE = "polarity_seed.tsv"

#: Words, emoji and the short forms that carry a negation ("n't").
_TOKEN = re.compile(r"n't|\w+(?:'\w+)?|[^\w\s]", re.UNICODE)


def polarity_from_rating(rating: float | None) -> str | None:
    """The polarity a rating from 1 to 5 stands for (None without a rating).

    1-2 negative, 3 neutral, 4-5 positive: the usual reading of a five-star scale, where a
    three is "neither".
    """
    if rating is None:
        return None
    low, high = RATING_SCALE
    if not low <= rating <= high:
        raise ValueError(f"A rating is from {low} to {high}, not {rating!r}.")
    if rating <= NEGATIVE_AT_MOST:
        return NEGATIVE
    if rating >= POSITIVE_AT_LEAST:
        return POSITIVE
    return NEUTRAL


def polarity_words(text: str) -> list[str]:
    """Lower-cased words with their negations and emoji: the word features of the model.

    Stop words stay: "inte", "not" and "but" decide a polarity more often than any noun.
    """
    return _TOKEN.findall(text.lower())


@lru_cache(maxsize=1)
def seed_examples() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The starter sentences: (texts, polarities, languages), as shipped with the package."""
    source = resources.files("nlp").joinpath("data", SEED_FILE)
    texts, labels, languages = [], [], []
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["polarity"] not in POLARITIES:
                raise ValueError(f"{SEED_FILE}: unknown polarity {row['polarity']!r}.")
            texts.append(row["text"])
            labels.append(row["polarity"])
            languages.append(row["language"])
    return tuple(texts), tuple(labels), tuple(languages)


class PolarityModel(ClassifierMixin, BaseEstimator):
    """Predict negative, neutral or positive from a feedback text (Swedish, English or both).

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    use_seed : bool
        Train on the shipped starter sentences as well as on the given rows. Without rows
        they are all the model has (the cold start); with rows they fill in words the
        workbench's own feedback has not used yet.
    char_weight : float
        Weight of the character 2-5-gram block against the word 1-2-gram block; characters
        carry inflections ("kraschade", "kraschar") and typos.
    random_state : int
        Seed of the solver (the result is deterministic for lbfgs either way).

    Attributes
    ----------
    classes_ : ndarray of str
        The polarities seen in training, in sorted order.
    n_rated_ : int
        How many of the given rows (not the starter sentences) the model learned from.
    """

    def __init__(
        self, C: float = 4.0, use_seed: bool = True, char_weight: float = 1.0, random_state: int = 0
    ) -> None:
        self.C = C
        self.use_seed = use_seed
        self.char_weight = char_weight
        self.random_state = random_state

    def fit(self, texts: Sequence[str], y: Sequence[str | None] | None = None) -> PolarityModel:
        """Learn from ``texts`` and their polarities ``y`` (None for a row without one).

        With ``use_seed`` the texts may be empty: the model then learns from the starter
        sentences alone.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        labels = [None] * len(texts) if y is None else list(y)
        if len(labels) != len(texts):
            raise ValueError("y must have one polarity per text (None for an unrated one).")
        unknown = {label for label in labels if label is not None} - set(POLARITIES)
        if unknown:
            raise ValueError(f"Unknown polarities {sorted(unknown)}; use {', '.join(POLARITIES)}.")
        rows = [(text, label) for text, label in zip(texts, labels, strict=True) if label]
        self.n_rated_ = len(rows)
        if self.use_seed:
            seed_texts, seed_labels, _ = seed_examples()
            rows += list(zip(seed_texts, seed_labels, strict=True))
        if len({label for _, label in rows}) < 2:
            raise ValueError("Polarity needs examples of at least two polarities.")
        train_texts = [text for text, _ in rows]
        self.words_ = TfidfVectorizer(
            analyzer=polarity_words_and_pairs, sublinear_tf=True, dtype=np.float32
        )
        self.characters_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, dtype=np.float32
        )
        features = sp.hstack(
            [
                self.words_.fit_transform(train_texts),
                self.char_weight * self.characters_.fit_transform(train_texts),
            ],
            format="csr",
        )
        self.classifier_ = LogisticRegression(
            C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state
        )
        self.classifier_.fit(features, [label for _, label in rows])
        self.classes_ = self.classifier_.classes_
        return self

    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not hasattr(self, "classifier_"):
            raise NotFittedError("This PolarityModel is not fitted yet: call fit first.")
        texts = [texts] if isinstance(texts, str) else list(texts)
        return sp.hstack(
            [self.words_.transform(texts), self.char_weight * self.characters_.transform(texts)],
            format="csr",
        )

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each polarity in ``classes_`` order, one row per text."""
        features = self._features(texts)
        return self.classifier_.predict_proba(features)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most likely polarity of each text."""
        return self.predict_with_confidence(texts)[0]

    def predict_with_confidence(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The most likely polarity of each text and its probability (the confidence)."""
        if len(texts) == 0:
            return np.empty(0, dtype=object), np.empty(0)
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        return self.classes_[best], probabilities[np.arange(len(best)), best]


def polarity_words_and_pairs(text: str) -> list[str]:
    """Words and pairs of neighbouring words ("inte bra", "not bad"); module level, so that a
    fitted model can be pickled."""
    return word_features(polarity_words(text))
