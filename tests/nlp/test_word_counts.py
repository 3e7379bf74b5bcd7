"""Counting words once: the same counts, forms and names as counting each group's texts."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from nlp import Preprocessor
from nlp.labelling import main_language_groups, written_forms
from nlp.preprocessing import Analysis
from nlp.representation import word_features
from nlp.word_counts import analysed_alike, count_words, detected_names

TEXTS = [
    "Appen funkar inte när jag loggar in",
    "Appen funkade inte igår, appen funkar aldrig",
    "Leveransen tog tre veckor",
    "Leveranserna tog tre veckor!",
    "Jag pratade med Charles. Charles var trevlig",
    "Tack Charles för hjälpen med leveransen",
    "The parcel never arrived",
    "The parcels never arrive on time",
    "Appen funkar inte när jag loggar in",  # repeated texts
    "Leveransen tog tre veckor",
    "Appen funkar inte när jag loggar in",
    "My card was declined, cards are useless",
]


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return Preprocessor(language="auto").fit(TEXTS).analyse(TEXTS)


def groupings(n_texts: int):
    rng = np.random.default_rng(0)
    for n_groups in (1, 2, 3, 5):
        group_of_text = rng.integers(-1, n_groups, size=n_texts)
        yield group_of_text, n_groups


def test_each_group_has_the_forms_its_texts_wrote_in_their_order(analysis) -> None:
    counts = count_words(analysis)
    for group_of_text, n_groups in groupings(len(TEXTS)):
        found = counts.written_forms(group_of_text, n_groups)
        for group in range(n_groups):
            expected = written_forms(analysis, np.flatnonzero(group_of_text == group))
            assert dict(found[group]) == expected
            # A Counter's order decides between equally frequent forms.
            for feature, forms in expected.items():
                assert list(found[group][feature].items()) == list(forms.items())
            assert found[group].get("no such feature") is None


def test_each_group_has_the_counts_of_its_texts(analysis) -> None:
    counts = count_words(analysis)
    vectoriser = CountVectorizer(analyzer=word_features)
    per_text = vectoriser.fit_transform(analysis.tokens)
    assert list(counts.vocabulary) == list(vectoriser.get_feature_names_out())
    for group_of_text, n_groups in groupings(len(TEXTS)):
        inside = group_of_text >= 0
        members = sp.csr_matrix(
            (np.ones(inside.sum()), (group_of_text[inside], np.flatnonzero(inside))),
            shape=(n_groups, len(TEXTS)),
        )
        expected = (members @ per_text).toarray()
        assert np.array_equal(counts.per_group(group_of_text, n_groups).toarray(), expected)


def test_texts_analysed_alike_are_counted_once(analysis) -> None:
    distinct, firsts = analysed_alike(analysis)
    assert len(firsts) == len(set(TEXTS))
    assert distinct[0] == distinct[8] == distinct[10] and distinct[2] == distinct[9]
    # Equal lists count as one text even when they are not the same objects.
    copied = Analysis(
        *([list(value) for value in field] for field in (analysis.tokens, analysis.written)),
        [list(value) for value in analysis.positions],
        analysis.languages,
        [list(value) for value in analysis.capitalised],
    )
    assert np.array_equal(analysed_alike(copied)[0], distinct)


def test_names_are_found_in_the_analysed_alike(analysis) -> None:
    firsts = analysed_alike(analysis)[1]
    assert detected_names(analysis, firsts) == detected_names(analysis) == {"charles"}
    assert count_words(analysis).names == detected_names(analysis)


def test_a_group_is_labelled_in_the_language_most_of_its_texts_are_in() -> None:
    languages = ["sv", "en", "sv", "en", "en", "xx"]
    group_of_text = np.array([0, 0, 0, 1, 1, -1])
    assert main_language_groups(languages, group_of_text, 2).tolist() == [0, -1, 0, 1, 1, -1]
    # Equally many: the last language by name, as max() over (count, language) chooses.
    tied = main_language_groups(["en", "sv"], np.array([0, 0]), 1)
    assert tied.tolist() == [-1, 0]
