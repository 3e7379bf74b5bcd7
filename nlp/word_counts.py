"""Counting the words of analysed texts once, for the labels of topics and of themes.

A topic's keywords need how often each word and pair of words occurs in its texts, and how
its customers wrote them; so do a theme's, for a union of topics. Counting is done once per
analysis, and once per distinct text (feedback repeats itself: "Bra service" may be a
thousand texts), into sparse matrices; a group of texts then gets its counts from a sparse
product of its members with them.

A group's written forms come out as ``nlp.labelling.written_forms`` counts them, including
the order a ``Counter`` keeps, which decides between equally frequent forms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from nlp.representation import word_features


@dataclass(frozen=True, eq=False)
class WordCounts:
    """The counted words of an analysis (see ``count_words``).

    Attributes
    ----------
    distinct : ndarray of int
        For each text, its distinct text: texts analysed alike share one.
    vocabulary : ndarray of str
        Unigram and bigram features, sorted as ``CountVectorizer`` sorts them.
    features : csr_matrix
        How often each feature occurs in each distinct text.
    forms : csr_matrix
        How often each written form of a feature occurs in each distinct text; its columns
        are (feature, written form) pairs, ordered by feature.
    form_places : csc_matrix
        The order in which a distinct text first has its pairs (1 for the first), as
        ``nlp.labelling.written_forms`` meets them.
    form_names : list of str
        The written form of each pair.
    pairs_of_feature : dict of str to (int, int)
        The range of a feature's pairs among the columns of ``forms``.
    names : frozenset of str
        The words that look like names (``detected_names``).
    """

    distinct: np.ndarray
    vocabulary: np.ndarray
    features: sp.csr_matrix
    forms: sp.csr_matrix
    form_places: sp.csc_matrix
    form_names: list[str]
    pairs_of_feature: dict[str, tuple[int, int]]
    names: frozenset[str]

    def per_group(self, group_of_text: np.ndarray, n_groups: int) -> sp.csr_matrix:
        """How often each feature occurs in each group (texts in group -1 in none)."""
        return self._membership(group_of_text, n_groups) @ self.features

    def written_forms(self, group_of_text: np.ndarray, n_groups: int) -> list[GroupForms]:
        """The written forms of each group's texts, by feature (texts in group -1 in none)."""
        totals = sp.csr_matrix(self._membership(group_of_text, n_groups) @ self.forms)
        totals.sort_indices()
        return [GroupForms(self, group_of_text, group, totals[group]) for group in range(n_groups)]

    def _membership(self, group_of_text: np.ndarray, n_groups: int) -> sp.csr_matrix:
        """Groups x distinct texts: how many of a group's texts each distinct text stands for."""
        inside = group_of_text >= 0
        return sp.csr_matrix(
            (np.ones(int(inside.sum())), (group_of_text[inside], self.distinct[inside])),
            shape=(n_groups, self.features.shape[0]),
        )


class GroupForms(Mapping):
    """A group's written forms: a mapping, as ``nlp.labelling.written_forms`` returns it, from a
    feature to a ``Counter`` of its written forms, made when asked for."""

    def __init__(
        self, counts: WordCounts, group_of_text: np.ndarray, group: int, totals: sp.csr_matrix
    ) -> None:
        self.counts = counts
        self.group_of_text = group_of_text
        self.group = group
        self.pairs = totals.indices
        self.totals = totals.data
        self._first_text: np.ndarray | None = None

    def __getitem__(self, feature: str) -> Counter[str]:
        start, stop = self.counts.pairs_of_feature.get(feature, (0, 0))
        first, last = np.searchsorted(self.pairs, [start, stop])
        pairs, totals = self.pairs[first:last], self.totals[first:last]
        if len(pairs) == 0:
            raise KeyError(feature)
        if len(pairs) > 1:
            # Equally frequent forms are told apart by which the group's texts wrote first.
            order = sorted(range(len(pairs)), key=self._first_places(pairs).__getitem__)
            pairs, totals = pairs[order], totals[order]
        forms: Counter[str] = Counter()
        for pair, total in zip(pairs.tolist(), totals.tolist(), strict=True):
            forms[self.counts.form_names[pair]] = int(total)
        return forms

    def __iter__(self) -> Iterator[str]:
        starts = [start for start, _ in self.counts.pairs_of_feature.values()]
        features = list(self.counts.pairs_of_feature)
        # Pairs are ordered by feature, so each present feature is found once, in order.
        found = np.searchsorted(starts, self.pairs, side="right") - 1
        return iter([features[i] for i in dict.fromkeys(found.tolist())])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _first_places(self, pairs: np.ndarray) -> list[tuple[int, int]]:
        """For each pair, the first of the group's texts holding it and its place there."""
        if self._first_text is None:
            # The first of the group's texts standing for each distinct text (-1: none).
            members = np.flatnonzero(self.group_of_text == self.group)
            distinct, first = np.unique(self.counts.distinct[members], return_index=True)
            self._first_text = np.full(self.counts.features.shape[0], -1)
            self._first_text[distinct] = members[first]
        places = self.counts.form_places
        found = []
        for pair in pairs.tolist():
            span = slice(places.indptr[pair], places.indptr[pair + 1])
            texts, where = self._first_text[places.indices[span]], places.data[span]
            texts = np.where(texts < 0, len(self.group_of_text), texts)
            best = int(np.argmin(texts))
            found.append((int(texts[best]), int(where[best])))
        return found


def analysed_alike(analysis) -> tuple[np.ndarray, list[int]]:
    """Each text's distinct text (texts analysed alike share one), and the first text of each."""
    by_content: dict[tuple, int] = {}
    # The preprocessor gives repeated texts the very same lists, which need no comparing.
    by_identity: dict[int, tuple] = {}  # id of a token list -> (row, the text's lists)
    distinct: list[int] = []
    firsts: list[int] = []
    analysed = zip(
        analysis.tokens, analysis.written, analysis.positions, analysis.capitalised, strict=True
    )
    for index, (tokens, written, positions, capitalised) in enumerate(analysed):
        known = by_identity.get(id(tokens))
        if known and known[2] is written and known[3] is positions and known[4] is capitalised:
            row = known[0]
        else:
            lists = (tokens, written, positions, capitalised)
            row = by_content.setdefault(tuple(map(tuple, lists)), len(by_content))
            by_identity[id(tokens)] = (row, *lists)
            if row == len(firsts):
                firsts.append(index)
        distinct.append(row)
    return np.array(distinct, dtype=np.intp), firsts


def detected_names(analysis, indices: list[int] | None = None) -> frozenset[str]:
    """Words that look like names: written capitalised in the middle of a sentence, and never
    in lower case ("Charles", "Thomson"; not "BankID" or a capitalised first word).

    Only the texts at ``indices`` are read, when given (repeated texts change nothing).
    """
    indices = range(len(analysis.written)) if indices is None else indices
    capitalised: set[str] = set()
    lower: set[str] = set()
    for index in indices:
        for word, flag in zip(analysis.written[index], analysis.capitalised[index], strict=True):
            if flag:
                capitalised.add(word.lower())
            elif word == word.lower():
                lower.add(word)
    return frozenset(capitalised - lower)


def count_words(analysis) -> WordCounts:
    """Count the features and written forms of ``analysis``'s distinct texts."""
    distinct, firsts = analysed_alike(analysis)
    vectoriser = CountVectorizer(analyzer=word_features)
    features = vectoriser.fit_transform([analysis.tokens[index] for index in firsts])
    pair_ids: dict[tuple[str, str], int] = {}
    rows: list[int] = []
    columns: list[int] = []
    totals: list[int] = []
    places: list[int] = []
    for row, index in enumerate(firsts):
        # A Counter keeps its pairs in the order the text first has them: that is the place.
        in_text = Counter(_written_pairs(analysis, index))
        rows += [row] * len(in_text)
        columns += [pair_ids.setdefault(pair, len(pair_ids)) for pair in in_text]
        totals += in_text.values()
        places += range(1, len(in_text) + 1)
    # Number the pairs by feature, so that a feature's forms are one range of columns.
    pairs = sorted(pair_ids, key=lambda pair: pair[0])
    renumber = np.empty(len(pairs), dtype=np.intp)
    renumber[[pair_ids[pair] for pair in pairs]] = np.arange(len(pairs))
    pairs_of_feature: dict[str, tuple[int, int]] = {}
    for column, (feature, _) in enumerate(pairs):
        start = pairs_of_feature.get(feature, (column, column))[0]
        pairs_of_feature[feature] = (start, column + 1)
    shape = (len(firsts), len(pairs))
    coordinates = (np.array(rows, dtype=np.intp), renumber[np.array(columns, dtype=np.intp)])
    return WordCounts(
        distinct=distinct,
        vocabulary=vectoriser.get_feature_names_out(),
        features=features,
        forms=sp.csr_matrix((np.array(totals, dtype=np.int64), coordinates), shape=shape),
        form_places=sp.csc_matrix((np.array(places, dtype=np.int64), coordinates), shape=shape),
        form_names=[form for _, form in pairs],
        pairs_of_feature=pairs_of_feature,
        names=detected_names(analysis, firsts),
    )


def _written_pairs(analysis, index: int) -> list[tuple[str, str]]:
    """(feature, written form) of each token and each pair of neighbouring tokens of a text,
    in the order ``nlp.labelling.written_forms`` counts them."""
    tokens, positions = analysis.tokens[index], analysis.positions[index]
    words = [word.lower() for word in analysis.written[index]]
    pairs = list(zip(tokens, words, strict=True))
    for i in range(len(tokens) - 1):
        if positions[i + 1] == positions[i] + 1:
            pairs.append((f"{tokens[i]} {tokens[i + 1]}", f"{words[i]} {words[i + 1]}"))
    return pairs
