"""Benchmark: every topic engine on every labelled set we can read, and polarity on the demo data.

Sets (read in place from ../shared/data, never copied; labels only score, nothing is tuned on
them): BANKING77 test (3,080 English queries, 77 intents), HWU64 test (1,076 English requests,
64 intents), SIB-200 test in Swedish and in English (204 sentences each, 7 topics), and SIB-200
mixed: each test sentence once, in Swedish or English at random (seed 0), to see whether a
corpus in two languages clusters by topic or by language.

For each set: NMI of ours with ``n_topics="auto"`` per installed engine (no polarity split: the
sets have none), the topics found, fit seconds (the multilingual engine's include embedding),
and NMI of plain TfidfVectorizer(sublinear_tf=True) + KMeans at the true number of topics. For
the mixed set also NMI against the language (lower is better: 0 means topics ignore language).

Polarity: the demo data's rated items (their ratings as truth): the starter model alone, and a
model learned from the ratings by 5-fold cross-validation.

Usage: python -m bench.topic_sets
"""

from __future__ import annotations

import csv
import json
import random
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score
from sklearn.model_selection import StratifiedKFold

from nlp import PolarityModel, TopicModel, multilingual, polarity_from_rating
from nlp.representation import semantic_available

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = 0


def _csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def labelled_sets() -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Each set as (texts, topics, languages)."""
    sets = {}
    for name, path in (
        ("banking77_test", DATA / "banking77" / "test.csv"),
        ("hwu64_test", DATA / "hwu64" / "test.csv"),
    ):
        rows = _csv(path)
        sets[name] = ([r["text"] for r in rows], [r["category"] for r in rows], ["en"] * len(rows))
    sib = {
        language: _csv(DATA / "sib200" / f"{code}_test.tsv", "\t")
        for language, code in (("sv", "swe_Latn"), ("en", "eng_Latn"))
    }
    for language, rows in sib.items():
        sets[f"sib200_{language}_test"] = (
            [r["text"] for r in rows],
            [r["category"] for r in rows],
            [language] * len(rows),
        )
    chooser = random.Random(SEED)
    mixed = [chooser.choice(("sv", "en")) for _ in sib["sv"]]
    sets["sib200_mixed_test"] = (
        [sib[lang][i]["text"] for i, lang in enumerate(mixed)],
        [sib["sv"][i]["category"] for i in range(len(mixed))],
        mixed,
    )
    return sets


def plain_tfidf_kmeans(texts: list[str], k: int) -> np.ndarray:
    features = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    return KMeans(k, random_state=SEED, n_init="auto").fit_predict(features)


def engines() -> list[str]:
    found = ["tfidf"]
    if multilingual.available():
        found.append("multilingual")
    if semantic_available():
        found.append("semantic")
    return found


def run_sets() -> dict:
    report = {}
    for name, (texts, topics, languages) in labelled_sets().items():
        k = len(set(topics))
        result = {
            "texts": len(texts),
            "true_topics": k,
            "plain_tfidf_kmeans_true_k_nmi": round(
                normalized_mutual_info_score(topics, plain_tfidf_kmeans(texts, k)), 3
            ),
        }
        for engine in engines():
            started = time.perf_counter()
            model = TopicModel(engine=engine, random_state=SEED).fit(texts)
            entry = {
                "nmi": round(normalized_mutual_info_score(topics, model.labels_), 3),
                "topics": model.n_topics_,
                "fit_seconds": round(time.perf_counter() - started, 1),
            }
            if len(set(languages)) > 1:
                entry["language_nmi"] = round(
                    normalized_mutual_info_score(languages, model.labels_), 3
                )
            result[engine] = entry
        report[name] = result
    return report


def run_polarity() -> dict:
    rows = [json.loads(line) for line in (FIXTURES / "feedback.jsonl").open(encoding="utf-8")]
    rated = [row for row in rows if row.get("rating")]
    texts = [row["text"] for row in rated]
    truth = np.array([polarity_from_rating(row["rating"]) for row in rated])
    starter = PolarityModel().fit([])
    right = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED).split(texts, truth):
        model = PolarityModel().fit([texts[i] for i in train], truth[train])
        right.append(float((model.predict([texts[i] for i in test]) == truth[test]).mean()))
    return {
        "demo_rated_items": len(texts),
        "starter_model_accuracy": round(float((starter.predict(texts) == truth).mean()), 3),
        "learned_5fold_accuracy": round(float(np.mean(right)), 3),
    }


def run() -> dict:
    return {"sets": run_sets(), "polarity": run_polarity()}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
