"""nlp.save_model / nlp.load_model: fitted models on disk, with a format stamp."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import nlp.persistence
from nlp import TopicModel, load_model, save_model

TEXTS = [
    "Paketet kom fram en vecka för sent.",
    "Leveransen är försenad igen och paketet syns inte.",
    "Mitt paket har försvunnit hos ombudet.",
    "Budet kom aldrig med paketet.",
    "Jag kan inte logga in i appen.",
    "Appen kraschar när jag loggar in.",
    "Inloggningen med BankID fungerar inte i appen.",
    "Appen loggar ut mig hela tiden.",
]
PROBES = ["Paketet är försenat.", "Appen vill inte logga in mig.", "", "Helt okänd mening"]


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return TopicModel(n_topics=2, random_state=0).fit(TEXTS)


def test_a_saved_model_predicts_the_same_after_loading(model: TopicModel, tmp_path: Path) -> None:
    path = tmp_path / "topics.model"
    assert save_model(model, path) is None
    loaded = load_model(path)
    assert isinstance(loaded, TopicModel)
    assert loaded is not model
    np.testing.assert_array_equal(loaded.predict(PROBES), model.predict(PROBES))
    np.testing.assert_array_equal(loaded.transform(PROBES), model.transform(PROBES))
    np.testing.assert_array_equal(loaded.labels_, model.labels_)
    assert loaded.topics_ == model.topics_
    assert loaded.get_params() == model.get_params()


def test_paths_may_be_strings(model: TopicModel, tmp_path: Path) -> None:
    path = str(tmp_path / "topics.model")
    save_model(model, path)
    np.testing.assert_array_equal(load_model(path).predict(PROBES), model.predict(PROBES))


@pytest.mark.parametrize(
    "payload",
    [{"model": "no stamp"}, {"stamp": {"format": "something-else", "version": 1}}, [1, 2, 3]],
)
def test_a_pickle_that_is_not_a_saved_model_is_refused(payload, tmp_path: Path) -> None:
    path = tmp_path / "other.pickle"
    path.write_bytes(pickle.dumps(payload))
    with pytest.raises(ValueError, match="not a saved topic model"):
        load_model(path)


def test_a_bare_pickled_model_is_refused(model: TopicModel, tmp_path: Path) -> None:
    path = tmp_path / "bare.pickle"
    path.write_bytes(pickle.dumps(model))
    with pytest.raises(ValueError, match="not a saved topic model"):
        load_model(path)


@pytest.mark.parametrize(
    "content", [b"text,rating\nPaketet kom aldrig,1\n", b"", b"\x00\x01\x02 not a model"]
)
def test_a_file_that_is_not_a_pickle_is_refused(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "feedback.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a saved topic model"):
        load_model(path)


def test_a_model_saved_in_another_format_version_is_refused(
    model: TopicModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.model"
    monkeypatch.setattr(nlp.persistence, "FORMAT_VERSION", 0)
    save_model(model, path)
    monkeypatch.undo()
    assert nlp.persistence.FORMAT_VERSION != 0
    with pytest.raises(ValueError, match=r"model format 0.*fit the model again") as error:
        load_model(path)
    assert str(path) in str(error.value)
    assert f"format {nlp.persistence.FORMAT_VERSION}" in str(error.value)


def test_saving_an_unfitted_model_raises_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "unfitted.model"
    with pytest.raises(NotFittedError):
        save_model(TopicModel(), path)
    assert not path.exists()
