"""Fitting on distinct texts gives what fitting on every text gives, only faster.

TF-IDF (nlp.tfidf), the representation's few-text transform, and k-means on distinct rows
(nlp.clustering.fit_on_distinct_rows) are each compared with plain scikit-learn on the corpus
with every repeat.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp import TopicModel
from nlp.clustering import fit_on_distinct_rows
from nlp.representation import TfidfRepresentation, joined, word_features
from nlp.tfidf import distinct_texts, fit_character_tfidf, fit_word_tfidf

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"

# "snabb leverans" occurs in one distinct text only, but twice: it must survive min_df=2.
TOKENS = [
    ["snabb", "leverans"],
    ["paket", "sen", "leverans"],
    ["snabb", "leverans"],
    ["app", "krascha", "inte"],
    ["paket", "borta"],
    ["app", "inloggning", "funka", "inte"],
    ["😡"],
    ["app", "krascha", "inte"],
]


def test_distinct_texts_keep_the_first_appearance_order_and_count_repeats() -> None:
    distinct = distinct_texts(TOKENS)
    assert distinct.tokens[0] == ["snabb", "leverans"]
    assert len(distinct.tokens) == 6
    assert distinct.counts.tolist() == [2, 1, 2, 1, 1, 1]
    assert [distinct.tokens[i] for i in distinct.inverse] == TOKENS


@pytest.fixture(scope="module")
def golden_texts() -> list[str]:
    return [json.loads(line)["text"] for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("min_df", [1, 2])
def test_word_tfidf_on_distinct_texts_equals_tfidf_on_every_text(min_df: int) -> None:
    expected = TfidfVectorizer(analyzer=word_features, min_df=min_df, sublinear_tf=True)
    every_row = expected.fit_transform(TOKENS).toarray()
    distinct = distinct_texts(TOKENS)
    fitted, rows = fit_word_tfidf(
        TfidfVectorizer(analyzer=word_features, min_df=min_df, sublinear_tf=True), distinct
    )
    assert fitted.vocabulary_ == expected.vocabulary_
    assert "snabb leverans" in fitted.vocabulary_
    np.testing.assert_allclose(fitted.idf_, expected.idf_)
    np.testing.assert_allclose(rows.toarray()[distinct.inverse], every_row, atol=1e-12)
    np.testing.assert_allclose(fitted.transform(TOKENS).toarray(), every_row, atol=1e-12)


def _characters(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=True,
        dtype=np.float32,
    )  # fmt: skip


@pytest.mark.parametrize("min_df", [1, 2])
def test_character_tfidf_built_per_word_equals_tfidf_on_every_text(min_df: int) -> None:
    texts = [joined(tokens) for tokens in TOKENS]
    expected = _characters(min_df)
    every_row = expected.fit_transform(texts).toarray()
    distinct = distinct_texts(TOKENS)
    fitted, rows = fit_character_tfidf(_characters(min_df), distinct, joined)
    assert fitted.vocabulary_ == expected.vocabulary_
    np.testing.assert_allclose(fitted.idf_, expected.idf_, rtol=1e-6)
    np.testing.assert_allclose(rows.toarray()[distinct.inverse], every_row, atol=1e-6)
    np.testing.assert_allclose(fitted.transform(texts).toarray(), every_row, atol=1e-6)


def test_pruning_everything_is_an_error_as_in_scikit_learn() -> None:
    distinct = distinct_texts([["a1"], ["b2"]])
    with pytest.raises(ValueError, match="no terms remain"):
        fit_word_tfidf(TfidfVectorizer(analyzer=word_features, min_df=2), distinct)


def test_a_character_vectoriser_must_read_words() -> None:
    with pytest.raises(ValueError, match="char_wb"):
        fit_character_tfidf(TfidfVectorizer(analyzer="char"), distinct_texts(TOKENS), joined)


def test_few_texts_are_transformed_as_many_are(golden_texts: list[str]) -> None:
    model = TopicModel(random_state=0).fit(golden_texts)
    tokens = [*model.preprocessor_.analyse(golden_texts).tokens, [], ["okänt"]]
    representation: TfidfRepresentation = model.representation_
    assert len(tokens) > representation.FEW_TEXTS
    together = representation.transform(None, tokens)
    one_by_one = np.vstack([representation.transform(None, [t]) for t in tokens])
    np.testing.assert_allclose(one_by_one, together, atol=1e-5)
    assert not one_by_one[-2].any()  # no words: no direction


def test_a_fitted_model_predicts_its_own_texts_as_fitted_one_at_a_time_and_after_pickling(
    golden_texts: list[str],
) -> None:
    model = TopicModel(random_state=0).fit(golden_texts)
    single = [int(model.predict([text])[0]) for text in golden_texts]
    assert single == model.labels_.tolist()
    assert model.predict(golden_texts).tolist() == model.labels_.tolist()
    copy = pickle.loads(pickle.dumps(model))
    assert "_lookup" not in vars(copy.representation_)
    assert copy.predict(golden_texts[:5]).tolist() == model.labels_[:5].tolist()


def test_k_means_on_distinct_rows_weighted_by_repeats_finds_the_centres_of_every_row() -> None:
    generator = np.random.default_rng(0)
    rows = generator.normal(size=(40, 5))
    repeats = generator.integers(1, 5, size=40)
    every_row = np.repeat(rows, repeats, axis=0)
    generator.shuffle(every_row)
    start = rows[:4]
    expected = KMeans(4, init=start, n_init=1).fit(every_row)
    found = fit_on_distinct_rows(KMeans(4, init=start, n_init=1), every_row)
    np.testing.assert_allclose(found.cluster_centers_, expected.cluster_centers_, atol=1e-9)
    assert found.inertia_ == pytest.approx(expected.inertia_)
    assert len(found.labels_) == 40
