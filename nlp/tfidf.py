"""TF-IDF over distinct texts, weighted by how often each occurs.

Feedback repeats itself: "Bra app", "Funkar inte", the same complaint in the same words. Among
100,000 short texts about 57,000 token lists are distinct, so the word and character features
are built once per distinct token list, and character n-grams once per distinct word. Document
frequencies count every text (a distinct text that occurs three times counts three times), so
the pruning (``min_df``) and the weights are those of the whole corpus.

The fitted vectorisers are ordinary ``TfidfVectorizer`` objects with their vocabulary and IDF
set, so that new texts are transformed as scikit-learn would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

NO_TERMS_LEFT = "After pruning, no terms remain. Try a lower min_df."


@dataclass(frozen=True)
class DistinctTexts:
    """Token lists with the repeats taken out.

    Attributes
    ----------
    tokens : list of list of str
        Each distinct token list once, in the order of its first appearance.
    counts : ndarray of int
        How many texts have each distinct token list.
    inverse : ndarray of int
        For each text, the index of its token list in ``tokens``.
    """

    tokens: list[list[str]]
    counts: np.ndarray
    inverse: np.ndarray


def distinct_texts(tokens: Sequence[Sequence[str]]) -> DistinctTexts:
    """Group ``tokens`` (one token list per text) into distinct token lists.

    Parameters
    ----------
    tokens : sequence of sequence of str
        The tokens of each text.

    Returns
    -------
    DistinctTexts
    """
    index: dict[tuple[str, ...], int] = {}
    inverse = np.fromiter(
        (index.setdefault(tuple(text), len(index)) for text in tokens),
        dtype=np.intp,
        count=len(tokens),
    )
    return DistinctTexts(
        tokens=[list(text) for text in index],
        counts=np.bincount(inverse, minlength=len(index)),
        inverse=inverse,
    )


def words_of(text: str) -> list[str]:
    """The whitespace-separated words of a text, as ``char_wb`` n-grams see them."""
    return text.split()


def fit_word_tfidf(
    vectorizer: TfidfVectorizer, distinct: DistinctTexts
) -> tuple[TfidfVectorizer, sp.csr_matrix]:
    """Fit ``vectorizer`` (its ``analyzer`` a callable on a token list) on distinct texts.

    Parameters
    ----------
    vectorizer : TfidfVectorizer
        Unfitted; its ``analyzer``, ``min_df``, ``sublinear_tf`` and ``dtype`` are used.
    distinct : DistinctTexts

    Returns
    -------
    vectorizer : TfidfVectorizer
        Fitted: ``vocabulary_`` and ``idf_`` as fitting on every text would give them.
    features : scipy.sparse.csr_matrix
        The TF-IDF row of each distinct text.
    """
    counter = CountVectorizer(analyzer=vectorizer.analyzer, dtype=np.float64)
    counts = counter.fit_transform(distinct.tokens)
    return _weigh(vectorizer, counts, counter.vocabulary_, distinct.counts)


def fit_character_tfidf(
    vectorizer: TfidfVectorizer, distinct: DistinctTexts, join: Callable[[list[str]], str]
) -> tuple[TfidfVectorizer, sp.csr_matrix]:
    """Fit a ``char_wb`` ``vectorizer`` on the texts ``join`` makes of the distinct token lists.

    ``char_wb`` n-grams never cross a space, so a text's n-grams are the sum of its words'
    n-grams: each distinct word is analysed once, and a text's counts are its word counts
    times the words' n-gram counts.

    Parameters
    ----------
    vectorizer : TfidfVectorizer
        Unfitted, with ``analyzer="char_wb"``.
    distinct : DistinctTexts
    join : callable
        Makes the text the vectoriser reads from a token list (the same one ``transform``
        will be given).

    Returns
    -------
    vectorizer, features
        As for ``fit_word_tfidf``.
    """
    if vectorizer.analyzer != "char_wb":
        raise ValueError("fit_character_tfidf needs a char_wb vectorizer.")
    words = CountVectorizer(analyzer=words_of, lowercase=False, dtype=np.float64)
    words_per_text = words.fit_transform(join(text) for text in distinct.tokens)
    vocabulary = sorted(words.vocabulary_, key=words.vocabulary_.get)
    per_word = CountVectorizer(
        analyzer="char_wb", ngram_range=vectorizer.ngram_range, lowercase=vectorizer.lowercase,
        dtype=np.float64,
    )  # fmt: skip
    ngrams_per_word = per_word.fit_transform(vocabulary)
    counts = sp.csr_matrix(words_per_text @ ngrams_per_word)
    return _weigh(vectorizer, counts, per_word.vocabulary_, distinct.counts)


def _weigh(
    vectorizer: TfidfVectorizer,
    counts: sp.csr_matrix,
    vocabulary: dict[str, int],
    repeats: np.ndarray,
) -> tuple[TfidfVectorizer, sp.csr_matrix]:
    """Prune by document frequency over every text, set the vectoriser's vocabulary and IDF
    (smooth, as scikit-learn computes it) and weigh the distinct texts' counts."""
    if counts.shape[1] == 0:
        raise ValueError(NO_TERMS_LEFT)
    present = counts.copy()
    present.data[:] = 1
    frequency = present.T @ repeats.astype(np.float64)
    kept = np.flatnonzero(frequency >= vectorizer.min_df)
    if len(kept) == 0:
        raise ValueError(NO_TERMS_LEFT)
    # CountVectorizer numbers its terms alphabetically, as TfidfVectorizer does: keeping
    # the columns in order keeps that.
    terms = sorted(vocabulary, key=vocabulary.get)
    order = kept
    vectorizer.vocabulary_ = {terms[column]: place for place, column in enumerate(order)}
    vectorizer.fixed_vocabulary_ = False
    n_texts = float(repeats.sum())
    idf = np.log((1.0 + n_texts) / (1.0 + frequency[order])) + 1.0
    vectorizer.idf_ = idf.astype(vectorizer.dtype)
    # In the vectoriser's own dtype and order of operations, so that transforming a fitted
    # text gives the row fitting gave it.
    features = sp.csr_matrix(counts[:, order], dtype=vectorizer.dtype)
    features.sort_indices()
    if vectorizer.sublinear_tf:
        np.log(features.data, out=features.data)
        features.data += 1.0
    features = features @ sp.diags(vectorizer.idf_)
    return vectorizer, sp.csr_matrix(normalize(features), dtype=vectorizer.dtype)
