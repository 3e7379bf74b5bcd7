"""nlp.TopicModel: the scikit-learn contract, the fitted attributes, and topics on a golden set.

The golden set (data/golden.jsonl) holds 80 short customer-feedback texts of a fictional Swedish
shop, 40 in Swedish and 40 in English, in four themes of 20 texts each (10 per language).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from nlp import Preprocessor, Topic, TopicModel
from nlp.clustering import auto_topic_count

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"
THEMES = ("delivery", "login", "refunds", "prices")

#: A small corpus for the contract tests: two clear themes, one language.
SMALL = [
    "The parcel arrived two weeks late.",
    "My parcel never arrived at all.",
    "Delivery was late again, the parcel is still missing.",
    "Where is my parcel? The delivery is a week late.",
    "The courier lost my parcel.",
    "Late delivery, the parcel came after the weekend.",
    "I cannot log in to the app.",
    "The app crashes when I log in.",
    "Login fails in the app every morning.",
    "The app logs me out and the login never works.",
    "Password reset does not work in the app.",
    "After the update I cannot log in to the app any more.",
]
NEW_TEXTS = ["The parcel is late and the courier lost it.", "The app will not let me log in."]
PROBES = [*NEW_TEXTS, "", "Refund please"]


def load_golden() -> list[dict[str, str]]:
    with GOLDEN.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="module")
def golden() -> list[dict[str, str]]:
    return load_golden()


@pytest.fixture(scope="module")
def golden_texts(golden: list[dict[str, str]]) -> list[str]:
    return [row["text"] for row in golden]


@pytest.fixture(scope="module")
def auto_model(golden_texts: list[str]) -> TopicModel:
    """The default settings on the golden set (shared: tests must not change it)."""
    return TopicModel(random_state=0).fit(golden_texts)


@pytest.fixture(scope="module")
def four_model(golden_texts: list[str]) -> TopicModel:
    return TopicModel(n_topics=4, random_state=0).fit(golden_texts)


@pytest.fixture(scope="module")
def small_model() -> TopicModel:
    return TopicModel(n_topics=2, random_state=0).fit(SMALL)


def majority_shares(labels: np.ndarray, themes: list[str]) -> dict[str, tuple[int, float]]:
    """For each theme: its majority topic (unclear texts excluded) and the share of the theme's
    texts (unclear ones included) that land in it."""
    result = {}
    for theme in THEMES:
        inside = [int(label) for label, t in zip(labels, themes, strict=True) if t == theme]
        counts = Counter(label for label in inside if label != -1)
        topic, count = counts.most_common(1)[0]
        result[theme] = (topic, count / len(inside))
    return result


def describe(shares: dict[str, tuple[int, float]]) -> str:
    return ", ".join(
        f"{theme}: {share:.0%} in topic {topic}" for theme, (topic, share) in shares.items()
    )


# --- the fixture itself ------------------------------------------------------------------------


def test_golden_fixture_is_balanced(golden: list[dict[str, str]]) -> None:
    assert len(golden) == 80
    assert len({row["text"] for row in golden}) == 80
    assert Counter((row["theme"], row["language"]) for row in golden) == {
        (theme, language): 10 for theme in THEMES for language in ("sv", "en")
    }


# --- the scikit-learn contract -----------------------------------------------------------------


def test_fit_returns_self() -> None:
    model = TopicModel(n_topics=2, random_state=0)
    assert model.fit(SMALL) is model


@pytest.mark.parametrize("method", ["predict", "transform"])
def test_using_an_unfitted_model_raises_not_fitted(method: str) -> None:
    with pytest.raises(NotFittedError):
        getattr(TopicModel(), method)(["The parcel is late."])


def test_fit_predict_returns_labels(small_model: TopicModel) -> None:
    labels = TopicModel(n_topics=2, random_state=0).fit_predict(SMALL)
    np.testing.assert_array_equal(labels, small_model.labels_)


def test_clone_gives_an_unfitted_model_with_the_same_parameters(small_model: TopicModel) -> None:
    copy = clone(small_model)
    assert copy is not small_model
    assert copy.get_params() == small_model.get_params()
    assert not hasattr(copy, "labels_")
    with pytest.raises(NotFittedError):
        copy.predict(NEW_TEXTS)
    np.testing.assert_array_equal(copy.fit(SMALL).labels_, small_model.labels_)


def test_get_params_and_set_params_round_trip() -> None:
    preprocessor = Preprocessor(language="en", lemmatize=False)
    model = TopicModel(
        n_topics=7, language="en", random_state=3, unclear_share=0.1, preprocessor=preprocessor
    )
    params = model.get_params(deep=False)
    assert params["n_topics"] == 7
    assert params["random_state"] == 3
    assert params["unclear_share"] == 0.1
    assert params["preprocessor"] is preprocessor

    other = TopicModel()
    assert other.set_params(**params) is other
    assert other.get_params(deep=False) == params
    other.set_params(n_topics="auto", preprocessor__lemmatize=True)
    assert other.n_topics == "auto"
    assert preprocessor.lemmatize is True
    assert TopicModel(**params).get_params(deep=False) == params


def test_constructor_only_stores_parameters() -> None:
    preprocessor = Preprocessor(language="en")
    model = TopicModel(n_topics="bogus", n_components=-3, preprocessor=preprocessor)
    assert model.n_topics == "bogus"
    assert model.n_components == -3
    assert model.preprocessor is preprocessor
    assert not [name for name in vars(model) if name.endswith("_")]
    with pytest.raises(ValueError, match="n_topics"):
        model.fit(SMALL)


def test_fit_clones_the_preprocessor_and_leaves_the_parameter_alone() -> None:
    preprocessor = Preprocessor(language="en")
    model = TopicModel(n_topics=2, preprocessor=preprocessor).fit(SMALL)
    assert model.preprocessor is preprocessor
    assert model.preprocessor_ is not preprocessor
    assert not hasattr(preprocessor, "language_")
    assert model.preprocessor_.language_ == "en"


@pytest.mark.parametrize("n_topics", ["bogus", 0, -2, 2.5, None])
def test_invalid_n_topics_is_refused_in_fit(n_topics: object) -> None:
    model = TopicModel(n_topics=n_topics)
    with pytest.raises(ValueError, match="n_topics"):
        model.fit(SMALL)


def test_an_unknown_engine_is_refused_clearly() -> None:
    model = TopicModel(engine="bert")  # constructing is fine, fitting is not
    with pytest.raises(
        ValueError, match=r"engine must be one of tfidf, semantic, multilingual, not 'bert'"
    ):
        model.fit(SMALL)


@pytest.mark.parametrize("texts", [[], ["Only one text here."]])
def test_fewer_than_two_texts_are_refused(texts: list[str]) -> None:
    with pytest.raises(ValueError, match="at least two texts"):
        TopicModel().fit(texts)


@pytest.mark.parametrize("n_ratings", [0, len(SMALL) - 1, len(SMALL) + 1])
def test_ratings_of_another_length_are_refused(n_ratings: int) -> None:
    with pytest.raises(ValueError, match="ratings"):
        TopicModel(n_topics=2).fit(SMALL, ratings=[3] * n_ratings)


# --- determinism -------------------------------------------------------------------------------


def test_same_texts_and_seed_give_the_same_topics(
    golden_texts: list[str], auto_model: TopicModel
) -> None:
    again = TopicModel(random_state=0).fit(list(golden_texts))
    np.testing.assert_array_equal(again.labels_, auto_model.labels_)
    assert again.topics_ == auto_model.topics_
    np.testing.assert_array_equal(
        again.predict(NEW_TEXTS + golden_texts[:5]),
        auto_model.predict(NEW_TEXTS + golden_texts[:5]),
    )


# --- fitted attributes -------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["auto_model", "four_model", "small_model"])
def test_every_text_gets_a_topic_or_unclear(fixture: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(fixture)
    n_texts = len(SMALL) if fixture == "small_model" else 80
    ids = {topic.id for topic in model.topics_}
    assert len(model.labels_) == n_texts
    assert set(model.labels_.tolist()) <= ids | {-1}
    assert set(model.labels_.tolist()) - {-1} == ids
    assert model.n_topics_ == len(model.topics_)


@pytest.mark.parametrize("unclear_share", [0.02, 0.1])
def test_unclear_share_on_the_golden_set(golden_texts: list[str], unclear_share: float) -> None:
    model = TopicModel(random_state=0, unclear_share=unclear_share).fit(golden_texts)
    unclear = model.labels_ == -1
    # "a little": the quantile may put one text more into the bucket
    assert unclear.mean() <= unclear_share + 1 / len(golden_texts)
    # the unclear texts are those farthest from their topic's centre
    closeness = model.transform(golden_texts).max(axis=1)
    assert closeness[unclear].max() < closeness[~unclear].min()


def test_unclear_share_is_an_upper_bound_on_small_corpora() -> None:
    # The documented rule: "At most this share of texts ... go to the unclear bucket". With 12
    # texts and the default 2%, that is 0.24 texts, so no text with words may be unclear.
    model = TopicModel(n_topics=2, random_state=0, unclear_share=0.02).fit(SMALL)
    assert (model.labels_ == -1).sum() <= math.floor(0.02 * len(SMALL))


def test_unclear_share_zero_keeps_every_text_with_words() -> None:
    model = TopicModel(n_topics=2, random_state=0, unclear_share=0.0).fit([*SMALL, "", "!!!"])
    assert (model.labels_[: len(SMALL)] != -1).all()
    assert model.labels_[len(SMALL) :].tolist() == [-1, -1]


@pytest.mark.parametrize("fixture", ["auto_model", "four_model", "small_model"])
def test_topics_describe_the_labels(fixture: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(fixture)
    topics = model.topics_
    assert all(isinstance(topic, Topic) for topic in topics)
    ids = [topic.id for topic in topics]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert sum(topic.size for topic in topics) == int((model.labels_ != -1).sum())
    for topic in topics:
        assert topic.size == int((model.labels_ == topic.id).sum())
        assert 1 <= len(topic.representative) <= min(model.n_representative, topic.size)
        assert len(set(topic.representative)) == len(topic.representative)
        assert all(model.labels_[i] == topic.id for i in topic.representative)
        assert 1 <= len(topic.keywords) <= model.n_keywords
        weights = [weight for _, weight in topic.keywords]
        assert all(weight > 0 for weight in weights)
        assert weights == sorted(weights, reverse=True)
        assert all(isinstance(word, str) and word.strip() for word, _ in topic.keywords)
        assert isinstance(topic.label, str)
        assert topic.label.strip()
        assert topic.mean_rating is None
        assert topic.low_rating_share is None


def test_topics_are_frozen(small_model: TopicModel) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        small_model.topics_[0].size = 0


def test_small_topics_are_labelled_by_their_theme(small_model: TopicModel) -> None:
    parcel, app = small_model.labels_[0], small_model.labels_[6]
    assert parcel != app
    assert (small_model.labels_[:6] == parcel).sum() >= 5
    assert (small_model.labels_[6:] == app).sum() >= 5
    by_id = {topic.id: topic for topic in small_model.topics_}
    assert "parcel" in dict(by_id[parcel].keywords)
    assert "app" in dict(by_id[app].keywords)


def test_ratings_are_summarised_per_topic(golden_texts: list[str], four_model) -> None:
    ratings: list[float | None] = [
        None if i % 7 == 0 else float((i * 3) % 5 + 1) for i in range(len(golden_texts))
    ]
    model = TopicModel(n_topics=4, random_state=0).fit(golden_texts, ratings=ratings)
    # ratings describe topics, they do not move texts
    np.testing.assert_array_equal(model.labels_, four_model.labels_)
    for topic in model.topics_:
        given = [
            ratings[i] for i in np.flatnonzero(model.labels_ == topic.id) if ratings[i] is not None
        ]
        assert topic.mean_rating == pytest.approx(sum(given) / len(given), abs=0.005)
        low = sum(1 for rating in given if rating <= 2)
        assert topic.low_rating_share == pytest.approx(low / len(given), abs=0.0005)


def test_ratings_by_hand_on_one_topic() -> None:
    ratings = [1, 2, None, 5, 1, 4, 5, 5, 4, None, 3, 5]
    model = TopicModel(n_topics=2, random_state=0, unclear_share=0.0).fit(SMALL, ratings=ratings)
    parcel = next(topic for topic in model.topics_ if topic.id == model.labels_[0])
    members = np.flatnonzero(model.labels_ == parcel.id).tolist()
    assert members == [0, 1, 2, 3, 4, 5]  # the six delivery texts: ratings 1, 2, -, 5, 1, 4
    assert parcel.mean_rating == pytest.approx(2.6)
    assert parcel.low_rating_share == pytest.approx(0.6)


def test_topics_without_any_rating_have_no_summary() -> None:
    model = TopicModel(n_topics=2, random_state=0).fit(SMALL, ratings=[None] * len(SMALL))
    assert all(topic.mean_rating is None for topic in model.topics_)
    assert all(topic.low_rating_share is None for topic in model.topics_)


@pytest.mark.parametrize("n_topics", [1, 2, 3, 5])
def test_an_int_n_topics_caps_the_number_of_topics(golden_texts: list[str], n_topics: int) -> None:
    model = TopicModel(n_topics=n_topics, random_state=0).fit(golden_texts)
    assert 1 <= model.n_topics_ <= n_topics
    assert len(set(model.labels_.tolist()) - {-1}) <= n_topics
    assert model.transform(NEW_TEXTS).shape == (2, n_topics)


def test_auto_follows_the_corpus_size_by_its_rule(auto_model: TopicModel) -> None:
    n_texts = len(auto_model.labels_)
    assert (
        len(auto_model.centroids_)
        == auto_topic_count(n_texts, 200, 5)
        == round((2 * n_texts) ** 0.5)
    )
    assert 2 <= auto_model.n_topics_ <= n_texts // auto_model.min_topic_size


@pytest.mark.parametrize(
    ("n_texts", "expected"), [(2, 2), (10, 2), (334, 26), (3000, 77), (20_000, 200), (10**6, 200)]
)
def test_the_number_of_topics_grows_with_the_square_root_of_the_corpus(n_texts, expected) -> None:
    assert auto_topic_count(n_texts, max_topics=200, min_topic_size=5) == expected


# --- using a fitted model ----------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["auto_model", "four_model"])
def test_predict_on_the_training_texts_agrees_with_labels(
    fixture: str, request: pytest.FixtureRequest, golden_texts: list[str]
) -> None:
    model = request.getfixturevalue(fixture)
    predicted = model.predict(golden_texts)
    assert predicted.shape == (80,)
    assert (predicted == model.labels_).mean() >= 0.9


def test_predict_puts_new_texts_into_their_topic(small_model: TopicModel) -> None:
    predicted = small_model.predict(NEW_TEXTS)
    assert predicted.tolist() == [small_model.labels_[0], small_model.labels_[6]]


def test_predict_sends_texts_without_words_to_unclear(small_model: TopicModel) -> None:
    assert small_model.predict(["", "!!! ???", "12345"]).tolist() == [-1, -1, -1]


def test_transform_gives_one_column_per_topic(four_model: TopicModel) -> None:
    similarity = four_model.transform(PROBES)
    assert similarity.shape == (4, 4)
    assert np.all(similarity <= 1 + 1e-6)
    assert np.all(similarity >= -1 - 1e-6)
    assert np.all(similarity[2] == 0)  # no words, no similarity
    predicted = four_model.predict(PROBES)
    clear = predicted != -1
    np.testing.assert_array_equal(
        predicted[clear], four_model.topic_ids_[similarity.argmax(axis=1)][clear]
    )


# --- the golden set ----------------------------------------------------------------------------


def test_golden_swedish_four_topics_recover_the_four_themes(golden: list[dict[str, str]]) -> None:
    """The TF-IDF engine clusters within a language (it has no way to see that "leverans" and
    "delivery" mean the same); the Swedish half recovers its four themes."""
    swedish = [row for row in golden if row["language"] == "sv"]
    model = TopicModel(n_topics=4, random_state=0).fit([row["text"] for row in swedish])
    shares = majority_shares(model.labels_, [row["theme"] for row in swedish])
    measured = describe(shares)
    assert all(share >= 0.7 for _, share in shares.values()), measured
    assert len({topic for topic, _ in shares.values()}) == 4, measured


def test_texts_with_only_unknown_words_are_unclear(small_model: TopicModel) -> None:
    assert small_model.predict(["zzzq wxyv"]).tolist() == [-1]


def test_a_corpus_where_no_word_repeats_still_fits() -> None:
    words = [f"ord{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)]
    model = TopicModel(n_topics=3, random_state=0).fit(words)
    assert len(model.labels_) == 60


@pytest.mark.parametrize(
    ("name", "value"),
    [("unclear_share", 1.0), ("unclear_share", -0.1), ("n_topics", True), ("n_components", 0)],
)
def test_out_of_range_parameters_are_refused(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        TopicModel(**{name: value}).fit(SMALL)


def test_numpy_integers_are_accepted_as_topic_counts() -> None:
    assert TopicModel(n_topics=np.int64(2), random_state=0).fit(SMALL).n_topics_ <= 2


def test_predict_never_answers_with_a_topic_that_has_no_texts(small_model: TopicModel) -> None:
    assert set(small_model.topic_ids_.tolist()) == {topic.id for topic in small_model.topics_}
