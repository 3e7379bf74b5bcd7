"""Describing topics: class-based TF-IDF keywords in the customers' own words, and labels.

Clustering works on lemmas ("funka", "leverans"), which read badly and are sometimes wrong
(spacy-lookups-data turns Swedish "vill" into "villa"). So a keyword is found on lemmas but
shown as the form the topic's customers wrote most often ("funkar", "leveransen"), and a
bigram as the two words as written next to each other ("funkar inte"). Placeholders
(``_number_``), emoji and words the caller excludes (people's names) are never keywords.

A label is the strongest phrase when it is nearly as strong as the strongest word, else the
two strongest words ("leveransen / paketet"); the first letter is capitalised. Labels are
unique across a model's topics: a topic whose label another, larger topic already has takes
its next keywords instead.

``CtfidfLabeller`` does all this for ``TopicModel`` (its default labeller), for topics and
for themes.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from nlp.preprocessing import function_words
from nlp.themes import Theme, describe_themes
from nlp.word_counts import WordCounts, count_words

LOW_RATING = 2
#: A phrase labels a topic when its weight is at least this share of the strongest keyword's.
PHRASE_SHARE = 0.5
NO_WORDS = "(no words)"


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
    polarity : str or None
        The polarity the topic's texts were grouped by (``fit(..., polarity=...)``), or None.
    """

    id: int
    label: str
    keywords: tuple[tuple[str, float], ...]
    size: int
    representative: tuple[int, ...]
    mean_rating: float | None = None
    low_rating_share: float | None = None
    polarity: str | None = None


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


#: Pieces the tokenisers split off words ("does" + "n't"): never shown on their own.
WORD_PIECES = frozenset({"n't", "nt", "'s", "'re", "'ve", "'ll", "'d", "'m"})


def is_readable_word(word: str) -> bool:
    """A word a reader recognises: it has letters, and is no placeholder such as ``_number_``
    and no piece of a word such as "n't"."""
    if (word.startswith("_") and word.endswith("_")) or word in WORD_PIECES:
        return False
    return any(unicodedata.category(character).startswith("L") for character in word)


def is_telling(words: Sequence[str]) -> bool:
    """Whether a keyword says something: not a lone stop word or negation ("är", "inte"),
    not a pair of them ("inte är")."""
    return not all(word in function_words() for word in words)


def written_forms(analysis, indices: Iterable[int]) -> dict[str, Counter[str]]:
    """How the texts at ``indices`` wrote each token and each pair of neighbouring tokens.

    Keys are tokens and "token token" bigrams (as the vectoriser builds them); values count the
    lower-cased written forms. A bigram counts only where its two words stood side by side in
    the text: "tog veckor" from "tog tre veckor" is no phrase anyone wrote.

    ``describe_topics`` gets the same from ``nlp.word_counts``, counted once for all groups.
    """
    forms: dict[str, Counter[str]] = {}
    for index in indices:
        tokens, positions = analysis.tokens[index], analysis.positions[index]
        words = [word.lower() for word in analysis.written[index]]
        for token, word in zip(tokens, words, strict=True):
            forms.setdefault(token, Counter())[word] += 1
        for i in range(len(tokens) - 1):
            if positions[i + 1] == positions[i] + 1:
                key = f"{tokens[i]} {tokens[i + 1]}"
                forms.setdefault(key, Counter())[f"{words[i]} {words[i + 1]}"] += 1
    return forms


def main_language_groups(
    languages: Sequence[str], group_of_text: np.ndarray, n_groups: int
) -> np.ndarray:
    """``group_of_text``, with -1 for the texts not in the language most of their group's texts
    are in: a topic of Swedish and English texts is labelled in the language of most of its
    customers (of equally common languages, the last by name)."""
    names = sorted(set(languages))
    code_of = {name: code for code, name in enumerate(names)}
    codes = np.array([code_of[language] for language in languages], dtype=np.intp)
    inside = group_of_text >= 0
    tally = np.zeros((n_groups, len(names)), dtype=np.intp)
    np.add.at(tally, (group_of_text[inside], codes[inside]), 1)
    main = len(names) - 1 - np.argmax(tally[:, ::-1], axis=1)  # argmax takes the first best
    return np.where(inside & (codes == main[group_of_text]), group_of_text, -1)


def ranked_features(
    weights: sp.csr_matrix, row: int, vocabulary: np.ndarray
) -> Iterator[tuple[str, float]]:
    """The features of ``weights``'s row with a weight, strongest first (then by vocabulary
    order), each with its weight rounded to four places."""
    weights_row = weights[row]
    positive = weights_row.data > 0
    columns, values = weights_row.indices[positive], weights_row.data[positive]
    for i in np.lexsort((columns, -values)):
        yield str(vocabulary[columns[i]]), round(float(values[i]), 4)


def readable_keywords(
    ranked: Iterable[tuple[str, float]],
    forms: Mapping[str, Counter[str]],
    exclude: frozenset[str] = frozenset(),
    limit: int = 10,
) -> tuple[tuple[str, float], ...]:
    """The first ``limit`` keywords of ``ranked`` as the customers wrote them.

    Keywords holding a placeholder, an emoji, a word without letters or an excluded word are
    dropped, and so is a keyword whose written form repeats an earlier one.
    """
    result: list[tuple[str, float]] = []
    seen: set[str] = set()
    for feature, weight in ranked:
        written = forms.get(feature)
        if not written:
            continue
        form = written.most_common(1)[0][0]
        words = form.split()
        if not all(is_readable_word(word) for word in words) or exclude.intersection(words):
            continue
        if not is_telling(words):
            continue
        if any(not is_readable_word(part) for part in feature.split()):
            continue
        if form in seen:
            continue
        seen.add(form)
        result.append((form, weight))
        if len(result) == limit:
            break
    return tuple(result)


def label_candidates(keywords: Sequence[tuple[str, float]]) -> list[str]:
    """Labels for a topic, best first: a strong phrase or the two strongest words, then the
    alternatives a topic falls back on when its best label is taken."""
    if not keywords:
        return [NO_WORDS]
    top_weight = keywords[0][1]
    phrases = [word for word, weight in keywords if " " in word]
    strong = [w for w, weight in keywords if " " in w and weight >= PHRASE_SHARE * top_weight]
    words = [word for word, _ in keywords if " " not in word]
    candidates: list[str] = []
    if strong:
        candidates.append(strong[0])
    if len(words) >= 2:
        candidates.append(f"{words[0]} / {words[1]}")
    candidates += phrases
    candidates += [f"{words[0]} / {other}" for other in words[2:]] if words else []
    candidates += [f"{first} / {second}" for first, second in pairwise(words[1:])]
    candidates += words
    if not candidates:
        candidates.append(keywords[0][0])
    return [capitalise(candidate) for candidate in dict.fromkeys(candidates)]


def capitalise(label: str) -> str:
    return label[:1].upper() + label[1:]


def topic_label(keywords: Sequence[tuple[str, float]]) -> str:
    """A phrase when one is strong enough, otherwise the two strongest words."""
    return label_candidates(keywords)[0]


def label_still_fits(label: str, keywords: Sequence[tuple[str, float]]) -> bool:
    """Whether every word of ``label`` is still a word of ``keywords``: then a re-fitted topic
    keeps the label it had, and readers keep recognising it."""
    words = {word for keyword, _ in keywords for word in keyword.split()}
    wanted = label.casefold().replace(" / ", " ").split()
    return bool(wanted) and all(word in words for word in wanted)


def unique_labels(candidates_by_topic: Sequence[Sequence[str]], sizes: Sequence[int]) -> list[str]:
    """One label per topic, no two alike: larger topics choose first among their candidates;
    a topic whose every candidate is taken gets its first one with a number ("Leveransen (2)")."""
    chosen: list[str | None] = [None] * len(candidates_by_topic)
    taken: set[str] = set()
    for position in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        candidates = list(candidates_by_topic[position]) or [NO_WORDS]
        label = next((c for c in candidates if c.casefold() not in taken), None)
        if label is None:
            number = 2
            while f"{candidates[0]} ({number})".casefold() in taken:
                number += 1
            label = f"{candidates[0]} ({number})"
        taken.add(label.casefold())
        chosen[position] = label
    return [label or NO_WORDS for label in chosen]


def describe_topics(
    analysis,
    clusters: np.ndarray,
    unclear: np.ndarray,
    similarity: np.ndarray,
    ratings,
    *,
    n_clusters: int,
    exclude_words: Iterable[str] = (),
    n_keywords: int = 10,
    n_representative: int = 3,
    counts: WordCounts | None = None,
) -> list[tuple[int, dict]]:
    """Keywords, a unique label, size, representative texts and ratings of each cluster.

    Parameters
    ----------
    analysis : nlp.preprocessing.Analysis
        The fitted texts' tokens and written words.
    clusters : ndarray of int
        Each text's cluster; ``unclear`` marks texts that belong to none.
    similarity : ndarray of float
        Each text's similarity to its cluster's centre (representatives are the closest).
    ratings : sequence of float or None, or None
        Ratings to summarise per cluster.
    counts : nlp.word_counts.WordCounts or None
        ``count_words(analysis)``, when the caller has it already (topics and themes of one
        fit share it); counted here otherwise.

    Returns
    -------
    list of (int, dict)
        For each cluster with texts: its number and the ``Topic`` fields ``label``,
        ``keywords``, ``size``, ``representative``, ``mean_rating`` and ``low_rating_share``.
    """
    words = count_words(analysis) if counts is None else counts
    weights = ctfidf(words.per_group(clusters, n_clusters))  # unclear texts weigh in too
    exclude = frozenset(word.lower() for name in exclude_words for word in name.split())
    exclude |= words.names
    clear = np.where(unclear, -1, clusters)
    labelled_by = main_language_groups(analysis.languages, clear, n_clusters)
    forms = words.written_forms(labelled_by, n_clusters)
    found = []
    for cluster in range(n_clusters):
        inside = np.flatnonzero(clear == cluster)
        if len(inside) == 0:
            continue
        ranked = ranked_features(weights, cluster, words.vocabulary)
        keywords = readable_keywords(ranked, forms[cluster], exclude, n_keywords)
        closest = inside[np.argsort(-similarity[inside], kind="stable")[:n_representative]]
        found.append((cluster, inside, keywords, closest))
    labels = unique_labels(
        [label_candidates(keywords) for _, _, keywords, _ in found],
        [len(inside) for _, inside, _, _ in found],
    )
    described = []
    for (cluster, inside, keywords, closest), label in zip(found, labels, strict=True):
        mean_rating, low_share = rating_summary(ratings, inside)
        described.append(
            (
                cluster,
                {
                    "label": label,
                    "keywords": keywords,
                    "size": len(inside),
                    "representative": tuple(int(i) for i in closest),
                    "mean_rating": mean_rating,
                    "low_rating_share": low_share,
                },
            )
        )
    return described


class CtfidfLabeller(BaseEstimator):
    """Labels topics and themes by class-based TF-IDF keywords (``describe_topics``).

    ``TopicModel(labeller=...)`` takes any object with ``describe`` and ``describe_themes``
    methods like this one's (and ``get_params``, as it is cloned in ``fit``).

    Parameters
    ----------
    n_keywords, n_representative : int
        How many keywords and representative texts each topic keeps.
    exclude_words : sequence of str
        Words never used in keywords or labels, such as people's names (compared lower-cased).
    """

    #: Keywords a theme keeps: its label is made from them, and a theme is read at a glance.
    THEME_KEYWORDS = 8

    def __init__(
        self, n_keywords: int = 10, n_representative: int = 3, exclude_words: Sequence[str] = ()
    ) -> None:
        self.n_keywords = n_keywords
        self.n_representative = n_representative
        self.exclude_words = exclude_words

    def describe(
        self,
        analysis,
        clusters: np.ndarray,
        unclear: np.ndarray,
        similarity: np.ndarray,
        ratings,
        *,
        n_clusters: int,
        counts: WordCounts | None = None,
    ) -> list[tuple[int, dict]]:
        """Each cluster's ``Topic`` fields but its id and polarity: see ``describe_topics``."""
        return describe_topics(
            analysis, clusters, unclear, similarity, ratings, n_clusters=n_clusters,
            exclude_words=self.exclude_words, n_keywords=self.n_keywords,
            n_representative=self.n_representative, counts=counts,
        )  # fmt: skip

    def describe_themes(
        self,
        analysis,
        clusters: np.ndarray,
        unclear: np.ndarray,
        similarity: np.ndarray,
        centres: np.ndarray,
        topic_ids: np.ndarray,
        counts: WordCounts | None = None,
    ) -> list[Theme]:
        """Clusters grouped into themes (``nlp.themes.describe_themes``), each labelled from
        the keywords of all its texts; arguments as for ``describe`` and ``describe_themes``."""

        def describe(theme_of_text: np.ndarray, n_themes: int) -> list[tuple[int, dict]]:
            return describe_topics(
                analysis, theme_of_text, unclear, similarity, None, n_clusters=n_themes,
                exclude_words=self.exclude_words, n_keywords=self.THEME_KEYWORDS,
                n_representative=0, counts=counts,
            )  # fmt: skip

        return describe_themes(clusters, unclear, centres, topic_ids, describe)


def rating_summary(ratings, indices) -> tuple[float | None, float | None]:
    if ratings is None:
        return None, None
    given = [float(ratings[i]) for i in indices if ratings[i] is not None]
    if not given:
        return None, None
    low = sum(1 for rating in given if rating <= LOW_RATING)
    return round(sum(given) / len(given), 2), round(low / len(given), 3)
