"""Polarity: the rating mapping, the model's contract, the starter set, and what it learns."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from nlp.polarity import POLARITIES, PolarityModel, polarity_from_rating, seed_examples


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        (None, None),
        (1, "negative"),
        (2, "negative"),
        (3, "neutral"),
        (4, "positive"),
        (5, "positive"),
    ],
)
def test_a_rating_decides_the_polarity(rating, expected) -> None:
    assert polarity_from_rating(rating) == expected


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_off_the_scale_is_refused(rating) -> None:
    with pytest.raises(ValueError, match="from 1 to 5"):
        polarity_from_rating(rating)


def test_the_starter_set_is_ours_balanced_and_in_both_languages() -> None:
    texts, labels, languages = seed_examples()
    assert len(texts) == len(set(texts)) >= 500  # no duplicate sentence
    for language in ("sv", "en"):
        mine = [label for label, lang in zip(labels, languages, strict=True) if lang == language]
        assert all(mine.count(label) >= 50 for label in POLARITIES), language


@pytest.fixture(scope="module")
def fallback() -> PolarityModel:
    return PolarityModel().fit([])


def test_fit_returns_self_and_the_constructor_only_stores() -> None:
    model = PolarityModel(C=2.0)
    assert model.get_params()["C"] == 2.0 and not hasattr(model, "classes_")
    assert model.fit([], None) is model


def test_clone_gives_an_unfitted_model_with_the_same_parameters(fallback) -> None:
    copy = clone(fallback)
    assert copy.get_params() == fallback.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(["hej"])


def test_the_same_rows_give_the_same_model(fallback) -> None:
    again = PolarityModel().fit([])
    texts = ["Leveransen kom aldrig", "Superbra app", "När öppnar ni?"]
    np.testing.assert_array_equal(again.predict_proba(texts), fallback.predict_proba(texts))


def test_the_cold_start_reads_clear_cases_in_both_languages(fallback) -> None:
    texts = [
        "Appen kraschar varje gång jag loggar in, helt värdelöst",
        "The parcel never arrived and support never answered",
        "Fantastisk service, leveransen kom redan dagen efter!",
        "Great quality, I love it and will order again",
        "Hur ändrar jag min leveransadress?",
        "How do I change my delivery address?",
    ]
    labels, confidence = fallback.predict_with_confidence(texts)
    assert labels.tolist() == ["negative", "negative", "positive", "positive", "neutral", "neutral"]
    assert ((confidence > 1 / 3) & (confidence <= 1)).all()


def test_it_learns_the_workbench_own_words_from_rated_rows() -> None:
    # "Zorbig" means nothing to the starter set; this workbench's ratings teach it.
    rated = [f"Zorbig leverans igen, order {n}" for n in range(30)]
    model = PolarityModel().fit(rated, ["negative"] * 30)
    assert model.n_rated_ == 30
    assert model.predict(["Zorbig leverans"]).tolist() == ["negative"]


def test_unrated_rows_are_left_out_and_bad_labels_refused() -> None:
    model = PolarityModel().fit(["Bra", "Dåligt", "Ok"], ["positive", None, None])
    assert model.n_rated_ == 1
    with pytest.raises(ValueError, match="Unknown polarities"):
        PolarityModel().fit(["Bra"], ["good"])
    with pytest.raises(ValueError, match="one polarity per text"):
        PolarityModel().fit(["Bra", "Dåligt"], ["positive"])


def test_without_the_starter_set_one_polarity_is_not_enough() -> None:
    with pytest.raises(ValueError, match="at least two polarities"):
        PolarityModel(use_seed=False).fit(["Bra", "Toppen"], ["positive", "positive"])


def test_a_fitted_model_pickles(fallback) -> None:
    copy = pickle.loads(pickle.dumps(fallback))
    texts = ["Paketet var trasigt", "Snabb leverans"]
    assert copy.predict(texts).tolist() == fallback.predict(texts).tolist()


def test_no_texts_give_no_predictions(fallback) -> None:
    labels, confidence = fallback.predict_with_confidence([])
    assert labels.shape == confidence.shape == (0,)
