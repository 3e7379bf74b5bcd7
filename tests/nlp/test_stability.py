"""nlp.stable_topic_ids and TopicModel.remap_ids: topic ids that survive a re-fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nlp import TopicModel, stable_topic_ids

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"

#: Eight more texts (10% of the golden set) arriving before the re-fit, two per theme.
NEW_TEXTS = [
    "Paketet har legat på terminalen i Jönköping i sex dagar utan att röra sig.",
    "The courier left a note saying nobody was home, but I was home all day.",
    "Appen vill att jag loggar in med BankID två gånger i rad, sedan händer ingenting.",
    "Face ID stopped working for the login after I changed phones.",
    "Jag fick ett presentkort i stället för pengar tillbaka när jag returnerade byxorna.",
    "Still no refund for the boots I sent back, and the return shows as received.",
    "Frakten kostar mer än själva strumporna, det är löjligt dyrt.",
    "Everything costs twice as much as it did two years ago.",
]

SMALL = [
    "The parcel arrived two weeks late.",
    "My parcel never arrived at all.",
    "Delivery was late again, the parcel is still missing.",
    "The courier lost my parcel.",
    "I cannot log in to the app.",
    "The app crashes when I log in.",
    "Login fails in the app every morning.",
    "Password reset does not work in the app.",
    "The refund for my return never came.",
    "I sent the shoes back and got no refund.",
    "Still waiting for the refund of my return.",
    "You received my return but kept the money.",
]


def golden_texts() -> list[str]:
    with GOLDEN.open(encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def apply(mapping: dict[int, int], labels) -> list[int]:
    return [mapping[int(label)] for label in labels]


# --- stable_topic_ids --------------------------------------------------------------------------


def test_identical_labelings_map_to_the_identity() -> None:
    labels = [0, 0, 1, 1, 1, 2, -1, 3, 3]
    assert stable_topic_ids(labels, labels) == {-1: -1, 0: 0, 1: 1, 2: 2, 3: 3}


def test_a_permuted_labeling_maps_back() -> None:
    previous = [0, 0, 0, 1, 1, 2, 2, 2, 2, 3, -1]
    permutation = {0: 2, 1: 3, 2: 0, 3: 1, -1: -1}
    current = [permutation[label] for label in previous]
    mapping = stable_topic_ids(previous, current)
    assert apply(mapping, current) == previous
    assert mapping == {-1: -1, 2: 0, 3: 1, 0: 2, 1: 3}


def test_a_split_topic_keeps_its_id_for_the_larger_part() -> None:
    previous = [0] * 6 + [7] * 4
    current = [3] * 4 + [9] * 2 + [5] * 4  # old topic 0 split into 3 (4 texts) and 9 (2 texts)
    mapping = stable_topic_ids(previous, current)
    assert mapping[3] == 0
    assert mapping[5] == 7
    assert mapping[9] == 8  # new, above every earlier id (not just above their count)


def test_several_new_topics_get_distinct_new_ids() -> None:
    previous = [0, 0, 0, 1, 1, 1]
    current = [4, 4, 5, 6, 6, 7]
    mapping = stable_topic_ids(previous, current)
    assert mapping[4] == 0
    assert mapping[6] == 1
    assert sorted([mapping[5], mapping[7]]) == [2, 3]


def test_unclear_maps_to_unclear_and_is_not_matched() -> None:
    previous = [-1, -1, -1, 0, 0, 1]
    current = [2, 2, 2, 1, 1, -1]  # the old unclear texts now form topic 2
    mapping = stable_topic_ids(previous, current)
    assert mapping[-1] == -1
    assert mapping[1] == 0
    assert mapping[2] == 2  # not the old unclear bucket, a new id
    assert stable_topic_ids([0, 1], [0, 1])[-1] == -1  # even when nothing is unclear


def test_everything_unclear() -> None:
    assert stable_topic_ids([0, 1, 2], [-1, -1, -1]) == {-1: -1}
    assert stable_topic_ids([-1, -1], [0, 1]) == {-1: -1, 0: 0, 1: 1}
    assert stable_topic_ids([], []) == {-1: -1}


@pytest.mark.parametrize("seed", range(5))
def test_the_mapping_covers_every_new_id_and_is_one_to_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    previous = rng.integers(-1, 6, size=200)
    current = rng.integers(-1, 9, size=200)
    mapping = stable_topic_ids(previous, current)
    assert set(mapping) == set(current.tolist()) | {-1}
    values = [value for key, value in mapping.items() if key != -1]
    assert len(set(values)) == len(values)
    assert -1 not in values


@pytest.mark.parametrize(("previous", "current"), [([0, 1, 1], [0, 1]), ([], [0]), ([0], [])])
def test_labelings_of_different_lengths_are_refused(previous, current) -> None:
    with pytest.raises(ValueError, match="same texts"):
        stable_topic_ids(previous, current)


# --- remap_ids ---------------------------------------------------------------------------------


def test_remap_ids_changes_labels_topics_and_predict_together() -> None:
    model = TopicModel(n_topics=3, random_state=0, unclear_share=0.1).fit(SMALL)
    labels = model.labels_.copy()
    topics = {topic.id: topic for topic in model.topics_}
    probes = ["My parcel is late.", "The app will not let me log in.", "Where is my refund?", ""]
    predicted = model.predict(probes)
    assert set(topics) == {0, 1, 2}
    mapping = {-1: -1, 0: 12, 1: 10, 2: 11}

    assert model.remap_ids(mapping) is model
    assert model.labels_.tolist() == apply(mapping, labels)
    assert [topic.id for topic in model.topics_] == [10, 11, 12]
    for topic in model.topics_:
        old = topics[next(key for key, value in mapping.items() if value == topic.id)]
        assert (topic.label, topic.keywords, topic.size) == (old.label, old.keywords, old.size)
        assert topic.representative == old.representative
    assert model.predict(probes).tolist() == apply(mapping, predicted)
    assert sorted(model.topic_ids_.tolist()) == [10, 11, 12]


def test_remap_ids_gives_unmapped_topics_fresh_ids() -> None:
    """A topic the mapping does not name may not keep an id that another topic now has."""
    model = TopicModel(n_topics=3, random_state=0).fit(SMALL)
    before = model.labels_.copy()
    model.remap_ids({0: 1})
    fresh = {0: 1, 1: 3, 2: 4}  # above every id in use before
    assert model.labels_.tolist() == [fresh.get(int(label), -1) for label in before]
    assert [topic.id for topic in model.topics_] == [1, 3, 4]


def test_remap_ids_refuses_a_mapping_that_merges_topics() -> None:
    model = TopicModel(n_topics=3, random_state=0).fit(SMALL)
    with pytest.raises(ValueError, match="same id"):
        model.remap_ids({0: 7, 1: 7})


def test_remap_ids_needs_a_fitted_model() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TopicModel().remap_ids({0: 1})


# --- end to end --------------------------------------------------------------------------------


def test_ids_survive_a_refit_with_ten_percent_more_texts() -> None:
    """The workbench re-fits with the earlier labels: k-means starts from the earlier topics."""
    texts = golden_texts()
    old = TopicModel(random_state=0).fit(texts).labels_
    previous = [*old.tolist(), *([None] * len(NEW_TEXTS))]
    model = TopicModel(random_state=0).fit(texts + NEW_TEXTS, previous_labels=previous)
    assert set(model.topic_ids_.tolist()) == set(old.tolist()) - {-1}
    new = model.labels_[: len(texts)]
    clear = old != -1
    kept = float((new[clear] == old[clear]).mean())
    assert kept >= 0.9, f"{kept:.1%} of the {clear.sum()} old clear texts kept their topic id"
    # and the remapped model predicts with the stable ids
    assert (model.predict(texts) == new).mean() >= 0.9


def test_a_cold_refit_mapped_by_overlap_keeps_most_ids() -> None:
    """Without the earlier labels, stable_topic_ids still recovers most ids (weaker guarantee)."""
    texts = golden_texts()
    old = TopicModel(random_state=0).fit(texts).labels_
    model = TopicModel(random_state=0).fit(texts + NEW_TEXTS)
    model.remap_ids(stable_topic_ids(old, model.labels_[: len(texts)]))
    new = model.labels_[: len(texts)]
    clear = (old != -1) & (new != -1)
    assert float((new[clear] == old[clear]).mean()) >= 0.5
