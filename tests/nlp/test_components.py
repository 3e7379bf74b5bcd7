"""TopicModel's vectoriser, clusterer and labeller: parameters, cloned in fit, swappable.

Also: a model pickled before these parameters existed still loads and predicts.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import normalize

import nlp.topics
from nlp import TopicModel
from nlp.clustering import KMeansClusterer
from nlp.labelling import CtfidfLabeller, Topic
from nlp.multilingual import MultilingualRepresentation
from nlp.representation import (
    SemanticRepresentation,
    TfidfRepresentation,
    default_representation,
)
from nlp.themes import Theme

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"
COMPONENTS = ("vectoriser", "clusterer", "labeller")

#: Two clear themes, one language: parcels (texts 0-5) and logging in (texts 6-11).
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

#: The attributes a fitted TopicModel had before vectoriser, clusterer and labeller were
#: parameters: the models saved then (``nlp.save_model``) hold exactly these.
ATTRIBUTES_BEFORE = {
    "engine", "n_topics", "language", "random_state", "n_components", "char_weight",
    "max_topics", "min_topic_size", "unclear_share", "n_keywords", "n_representative",
    "preprocessor", "exclude_words", "preprocessor_", "representation_", "centroids_",
    "topic_polarity_", "unclear_threshold_", "topic_ids_", "labels_", "topics_", "themes_",
    "n_topics_",
}  # fmt: skip


class FixedClusterer(BaseEstimator):
    """Centres at the texts at ``rows`` of the vectors it is given, whatever k is asked for."""

    def __init__(self, rows: tuple[int, ...] = (0, 6)) -> None:
        self.rows = rows

    def fit_centres(
        self, vectors: np.ndarray, n_clusters: int, init: np.ndarray | None = None
    ) -> np.ndarray:
        self.calls_ = [*getattr(self, "calls_", []), (len(vectors), n_clusters, init is None)]
        self.centres_ = normalize(vectors[list(self.rows)])
        return self.centres_


class FixedLabeller(BaseEstimator):
    """Labels every topic "<prefix> <cluster>" and makes one theme of all topics."""

    def __init__(self, prefix: str = "Fixed") -> None:
        self.prefix = prefix

    def describe(self, analysis, clusters, unclear, similarity, ratings, *, n_clusters, counts):
        clear = np.where(unclear, -1, clusters)
        return [
            (
                cluster,
                {
                    "label": f"{self.prefix} {cluster}",
                    "keywords": (("fixed", 1.0),),
                    "size": int((clear == cluster).sum()),
                    "representative": (),
                },
            )
            for cluster in range(n_clusters)
            if (clear == cluster).any()
        ]

    def describe_themes(self, analysis, clusters, unclear, similarity, centres, topic_ids, counts):
        ids = tuple(sorted(int(i) for i in topic_ids))
        return [Theme(0, "Everything", (), ids, int((~unclear).sum()))]


@pytest.fixture(scope="module")
def golden_texts() -> list[str]:
    return [json.loads(line)["text"] for line in GOLDEN.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def small_model() -> TopicModel:
    return TopicModel(n_topics=2, random_state=0).fit(SMALL)


def fitted_attributes(estimator: object) -> list[str]:
    return [name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")]


def test_get_params_lists_the_three_components() -> None:
    params = TopicModel().get_params()
    assert {name: params[name] for name in COMPONENTS} == dict.fromkeys(COMPONENTS)

    vectoriser, clusterer = TfidfRepresentation(n_components=7), KMeansClusterer(3)
    labeller = CtfidfLabeller(n_keywords=4)
    deep = TopicModel(vectoriser=vectoriser, clusterer=clusterer, labeller=labeller).get_params()
    assert deep["vectoriser"] is vectoriser
    assert deep["clusterer"] is clusterer
    assert deep["labeller"] is labeller
    assert deep["vectoriser__n_components"] == 7
    assert deep["clusterer__random_state"] == 3
    assert deep["labeller__n_keywords"] == 4


def test_set_params_reaches_into_the_vectoriser(golden_texts: list[str]) -> None:
    model = TopicModel(vectoriser=TfidfRepresentation(), random_state=0)
    assert model.set_params(vectoriser__n_components=20) is model
    assert model.vectoriser.n_components == 20
    model.fit(golden_texts)
    assert model.representation_.svd_.n_components == 20
    assert model.centroids_.shape[1] == 20


def test_fit_clones_the_components_and_leaves_them_unfitted() -> None:
    vectoriser = TfidfRepresentation(n_components=5, random_state=0)
    clusterer, labeller = KMeansClusterer(random_state=0), CtfidfLabeller(n_keywords=4)
    model = TopicModel(n_topics=2, vectoriser=vectoriser, clusterer=clusterer, labeller=labeller)
    model.fit(SMALL)
    assert (model.vectoriser, model.clusterer, model.labeller) == (vectoriser, clusterer, labeller)
    for given, used in [
        (vectoriser, model.representation_),
        (clusterer, model.clusterer_),
        (labeller, model.labeller_),
    ]:
        assert used is not given
        assert type(used) is type(given)
        assert used.get_params() == given.get_params()
        assert fitted_attributes(given) == []
    assert fitted_attributes(model.representation_) == ["words_", "characters_", "svd_"]
    assert model.representation_.svd_.n_components == 5
    assert all(len(topic.keywords) <= 4 for topic in model.topics_)


def test_the_default_components_give_what_none_gives(small_model: TopicModel) -> None:
    explicit = TopicModel(
        n_topics=2, vectoriser=TfidfRepresentation(), clusterer=KMeansClusterer(),
        labeller=CtfidfLabeller(),
    ).fit(SMALL)  # fmt: skip
    np.testing.assert_array_equal(explicit.labels_, small_model.labels_)
    np.testing.assert_array_equal(explicit.centroids_, small_model.centroids_)
    assert explicit.topics_ == small_model.topics_
    assert explicit.themes_ == small_model.themes_


def test_none_builds_the_engine_defaults_from_the_model_parameters() -> None:
    model = TopicModel(
        n_topics=2, n_components=6, char_weight=0.5, random_state=4, n_keywords=3,
        n_representative=1, exclude_words=("Anna",),
    ).fit(SMALL)  # fmt: skip
    assert model.representation_.get_params() == {
        "n_components": 6, "char_weight": 0.5, "random_state": 4,
    }  # fmt: skip
    assert model.clusterer_.get_params() == {"random_state": 4}
    assert model.labeller_.get_params() == {
        "n_keywords": 3, "n_representative": 1, "exclude_words": ("Anna",),
    }  # fmt: skip
    assert isinstance(default_representation("tfidf", 6, 0.5, 4), TfidfRepresentation)


def test_a_stub_clusterer_is_used() -> None:
    clusterer = FixedClusterer(rows=(0, 6))
    model = TopicModel(n_topics=2, clusterer=clusterer).fit(SMALL)
    assert not hasattr(clusterer, "calls_")
    assert model.clusterer_.calls_ == [(len(SMALL), 2, True)]
    np.testing.assert_array_equal(model.centroids_, model.clusterer_.centres_)
    assert model.labels_[0] != model.labels_[6]
    # a text identical to a centre's joins that centre's topic
    assert model.predict([SMALL[0], SMALL[6]]).tolist() == [model.labels_[0], model.labels_[6]]


def test_a_stub_clusterer_is_warm_started_with_the_earlier_topics(
    small_model: TopicModel,
) -> None:
    model = TopicModel(n_topics=2, clusterer=FixedClusterer())
    model.fit(SMALL, previous_labels=small_model.labels_.tolist())
    assert model.clusterer_.calls_ == [(len(SMALL), 2, False)]


def test_a_stub_labeller_is_used() -> None:
    labeller = FixedLabeller(prefix="Stub")
    model = TopicModel(n_topics=2, random_state=0, labeller=labeller).fit(SMALL)
    assert fitted_attributes(labeller) == []
    assert model.labeller_ is not labeller
    assert sorted(topic.label for topic in model.topics_) == ["Stub 0", "Stub 1"]
    assert all(topic.keywords == (("fixed", 1.0),) for topic in model.topics_)
    assert [theme.label for theme in model.themes_] == ["Everything"]
    assert model.themes_[0].topic_ids == tuple(sorted(t.id for t in model.topics_))


def test_the_representations_are_estimators_with_defaults() -> None:
    assert TfidfRepresentation().get_params() == {
        "n_components": 100, "char_weight": 1.0, "random_state": 0,
    }  # fmt: skip
    assert clone(TfidfRepresentation(n_components=7)).n_components == 7
    assert clone(SemanticRepresentation(batch_size=8)).batch_size == 8
    assert clone(MultilingualRepresentation(neighbours=0)).neighbours == 0


def test_kmeans_clusterer_returns_unit_centres() -> None:
    rng = np.random.default_rng(0)
    vectors = normalize(rng.normal(size=(40, 5)))
    centres = KMeansClusterer(random_state=0).fit_centres(vectors, 3)
    assert centres.shape == (3, 5)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 1.0)
    np.testing.assert_array_equal(centres, KMeansClusterer(0).fit_centres(vectors, 3))
    warm = KMeansClusterer().fit_centres(vectors, 2, init=vectors[:2])
    assert warm.shape == (2, 5)
    with pytest.raises(ValueError, match="init"):
        KMeansClusterer().fit_centres(vectors, 3, init=vectors[:2])


def old_model_pickle(model: TopicModel) -> bytes:
    """``model`` pickled as a model fitted before vectoriser, clusterer and labeller were
    parameters was: the same classes, with only the attributes of that time."""
    old = object.__new__(TopicModel)
    old.__dict__.update({k: v for k, v in vars(model).items() if k in ATTRIBUTES_BEFORE})
    return pickle.dumps(old, protocol=pickle.HIGHEST_PROTOCOL)


def test_a_model_pickled_before_the_components_still_predicts(small_model: TopicModel) -> None:
    data = old_model_pickle(small_model)
    for name in (*COMPONENTS, "clusterer_", "labeller_"):
        assert name.encode() not in data
    loaded = pickle.loads(data)
    assert set(vars(loaded)) == ATTRIBUTES_BEFORE | set(COMPONENTS)
    probes = [*SMALL, "The parcel is late and the courier lost it.", ""]
    np.testing.assert_array_equal(loaded.predict(probes), small_model.predict(probes))
    np.testing.assert_array_equal(loaded.transform(probes), small_model.transform(probes))
    # get_params and clone work on it: the missing parameters read as their defaults
    assert {name: loaded.get_params()[name] for name in COMPONENTS} == dict.fromkeys(COMPONENTS)
    np.testing.assert_array_equal(clone(loaded).fit(SMALL).labels_, small_model.labels_)
    # old pickles name the topic class nlp.topics.Topic
    assert nlp.topics.Topic is Topic
