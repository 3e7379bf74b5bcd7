"""Topic labels and keywords: the customers' own words, no placeholders, unique, by polarity."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from nlp import TopicModel
from nlp.labelling import label_candidates, readable_keywords, unique_labels

SWEDISH = [
    *(f"Appen funkar inte när jag loggar in, försök {n}" for n in range(8)),
    *(f"Inloggningen funkar fint med Face ID, tack {n}" for n in range(8)),
    *(f"Leveransen tog tre veckor och kostade 149 kr, order {n}" for n in range(8)),
    *(f"Leveransen kom redan dagen efter, så snabbt! ring 070-{n}11 22 33" for n in range(8)),
    *(f"Jag vill byta storlek på jackan {n} 😡 😡" for n in range(8)),
]
POLARITY = (
    ["negative"] * 8 + ["positive"] * 8 + ["negative"] * 8 + ["positive"] * 8 + ["neutral"] * 8
)
PLACEHOLDER = re.compile(r"_\w+_")


@pytest.fixture(scope="module")
def model() -> TopicModel:
    return TopicModel(n_topics=5, random_state=0, exclude_words=["Face"]).fit(
        SWEDISH, polarity=POLARITY
    )


def test_topics_never_mix_polarities(model) -> None:
    for topic in model.topics_:
        members = {POLARITY[i] for i in np.flatnonzero(model.labels_ == topic.id)}
        assert members == {topic.polarity}


def test_labels_and_keywords_are_words_the_customers_wrote(model) -> None:
    written = " ".join(SWEDISH).lower()
    for topic in model.topics_:
        assert not PLACEHOLDER.search(topic.label), topic.label
        for keyword, _ in topic.keywords:
            assert not PLACEHOLDER.search(keyword) and "😡" not in keyword
            assert keyword in written, keyword  # surface forms: "funkar", never "funka"
        for word in re.split(r" / | ", topic.label.lower()):
            assert word in written, topic.label
    labels = [topic.label.casefold() for topic in model.topics_]
    assert len(labels) == len(set(labels))


def test_lemma_artefacts_never_show(model) -> None:
    shown = {word for t in model.topics_ for kw, _ in t.keywords for word in kw.split()}
    assert not shown & {"villa", "funka", "finta", "leverans"}  # "vill" → "villa" is spaCy's


def test_excluded_names_are_never_keywords(model) -> None:
    shown = {word for t in model.topics_ for kw, _ in t.keywords for word in kw.split()}
    assert "face" not in shown


def test_predict_keeps_a_text_within_its_polarity(model) -> None:
    text = ["Leveransen kom redan dagen efter"]
    positive = model.predict(text, polarity=["positive"])[0]
    negative = model.predict(text, polarity=["negative"])[0]
    topics = {topic.id: topic for topic in model.topics_}
    assert topics[positive].polarity == "positive" and topics[negative].polarity == "negative"


def test_written_forms_win_and_function_words_never_label_alone() -> None:
    forms = {
        "funka": Counter({"funkar": 3, "funkade": 1}),
        "inte": Counter({"inte": 4}),
        "funka inte": Counter({"funkar inte": 3}),
        "_number_": Counter({"149": 2}),
        "n't": Counter({"n't": 2}),
    }
    ranked = [("inte", 0.9), ("_number_", 0.8), ("n't", 0.7), ("funka inte", 0.6), ("funka", 0.5)]
    keywords = readable_keywords(ranked, forms)
    assert [word for word, _ in keywords] == ["funkar inte", "funkar"]
    assert label_candidates(keywords)[0] == "Funkar inte"


def test_labels_are_unique_the_larger_topic_choosing_first() -> None:
    candidates = [["Leveransen", "Leveransen / sen"], ["Leveransen", "Leveransen / snabb"], ["X"]]
    assert unique_labels(candidates, [3, 10, 1]) == ["Leveransen / sen", "Leveransen", "X"]
    assert unique_labels([["A"], ["A"]], [1, 1]) == ["A", "A (2)"]


@pytest.mark.parametrize("seed", range(6))
def test_label_rules_hold_over_many_fits(seed) -> None:
    rng = np.random.default_rng(seed)
    texts = [str(text) for text in rng.permutation(SWEDISH)][: 30 + seed]
    fitted = TopicModel(n_topics=int(rng.integers(2, 6)), random_state=seed).fit(texts)
    written = " ".join(texts).lower()
    labels = [topic.label for topic in fitted.topics_]
    assert len({label.casefold() for label in labels}) == len(labels)
    for topic in fitted.topics_:
        assert not PLACEHOLDER.search(topic.label)
        inside = " ".join(texts[i] for i in np.flatnonzero(fitted.labels_ == topic.id)).lower()
        for word in re.split(r" / | ", re.sub(r" \(\d+\)$", "", topic.label.lower())):
            assert word in written and word in inside, (topic.label, word)
