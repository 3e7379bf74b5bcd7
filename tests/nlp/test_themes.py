"""Themes: a handful of groups of topics, labelled, holding every topic once."""

from __future__ import annotations

import pytest

from nlp import TopicModel
from nlp.labelling import label_still_fits
from nlp.themes import MAX_THEMES, theme_count
from tests.nlp.test_labels import POLARITY, SWEDISH


@pytest.mark.parametrize(
    ("topics", "themes"), [(1, 1), (5, 5), (6, 3), (26, 7), (77, 12), (113, 15), (200, 15)]
)
def test_the_number_of_themes_follows_the_number_of_topics(topics, themes) -> None:
    assert theme_count(topics) == themes <= MAX_THEMES


def test_every_topic_is_in_exactly_one_theme() -> None:
    model = TopicModel(n_topics=8, random_state=0).fit(SWEDISH, polarity=POLARITY)
    grouped = [topic_id for theme in model.themes_ for topic_id in theme.topic_ids]
    assert sorted(grouped) == sorted(topic.id for topic in model.topics_)
    assert len(model.themes_) == theme_count(model.n_topics_)
    sizes = {topic.id: topic.size for topic in model.topics_}
    for theme in model.themes_:
        assert theme.label and theme.size == sum(sizes[i] for i in theme.topic_ids)
    assert [theme.size for theme in model.themes_] == sorted(
        (theme.size for theme in model.themes_), reverse=True
    )
    labels = [theme.label.casefold() for theme in model.themes_]
    assert len(labels) == len(set(labels))


def test_remapping_topic_ids_follows_into_themes() -> None:
    model = TopicModel(n_topics=6, random_state=0).fit(SWEDISH, polarity=POLARITY)
    mapping = {topic.id: topic.id + 100 for topic in model.topics_}
    model.remap_ids(mapping)
    grouped = {topic_id for theme in model.themes_ for topic_id in theme.topic_ids}
    assert grouped == {topic.id for topic in model.topics_} and min(grouped) >= 100


@pytest.mark.parametrize(
    ("label", "fits"),
    [
        ("Funkar inte", True),
        ("Leveransen / veckor", True),
        ("Leveransen / sen", False),
        ("", False),
    ],
)
def test_an_earlier_label_fits_while_its_words_are_keywords(label, fits) -> None:
    keywords = [("funkar inte", 0.9), ("leveransen", 0.5), ("veckor", 0.4)]
    assert label_still_fits(label, keywords) is fits
