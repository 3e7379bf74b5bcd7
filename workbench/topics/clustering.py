"""The one adapter between the workbench and nlp/: fit topics on texts, save, load and predict.

No Flask here. ``workbench topics fit`` (a file's texts) and topic runs (feedback from the
database) call these functions; nothing else in the workbench imports nlp's topic model.
nlp brings spaCy and scikit-learn (seconds to import), so it is imported only inside the
functions that need it: ``workbench --help`` and the other commands stay quick.
"""

from __future__ import annotations

import platform
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.errors import ValidationFailed

UNCLEAR = -1
ENGINES = ("tfidf", "semantic", "multilingual")
#: Engines that work on sentence embeddings the workbench computes once and keeps.
EMBEDDING_ENGINES = ("multilingual",)
LANGUAGES = ("auto", "sv", "en")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TopicSummary:
    """One topic, with its representative texts given as row indices of the input file."""

    id: int
    label: str
    keywords: tuple[tuple[str, float], ...]
    size: int
    representative_rows: tuple[int, ...]
    polarity: str = ""  # "" when the fit was not split by polarity
    theme: int = -1  # the theme's number in this fit (-1: none)
    theme_label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "polarity": self.polarity or None,
            "keywords": [[word, weight] for word, weight in self.keywords],
            "size": self.size,
            "representative_rows": list(self.representative_rows),
        }


# Polarity: learned from rated items, or the starter set before there are enough -------------

#: With fewer rated items than this, a prediction is marked as the fallback's: the model then
#: knows mostly the shipped starter sentences, not this workbench's customers.
MIN_RATED_FOR_MODEL = 50


@dataclass(frozen=True)
class PolarityPrediction:
    polarity: str
    confidence: float
    source: str  # "model" or "fallback"


def fit_polarity(texts: Sequence[str], polarities: Sequence[str]) -> Any:
    """A polarity model learned from rated ``texts`` (their ``polarities``) and the starter set."""
    from nlp.polarity import PolarityModel

    return PolarityModel().fit(list(texts), list(polarities))


@lru_cache(maxsize=1)
def fallback_polarity_model() -> Any:
    """The model of the starter sentences alone, fitted once per process (about a second)."""
    return fit_polarity([], [])


def predict_polarity(model: Any, texts: Sequence[str]) -> list[PolarityPrediction]:
    """Each text's polarity under ``model``, with its probability and where it comes from."""
    if not texts:
        return []
    labels, confidence = model.predict_with_confidence(list(texts))
    source = "model" if model.n_rated_ >= MIN_RATED_FOR_MODEL else "fallback"
    return [
        PolarityPrediction(str(label), round(float(p), 3), source)
        for label, p in zip(labels, confidence, strict=True)
    ]


def polarity_model_path(model_path: str | Path) -> Path:
    """Where a run keeps its polarity model, beside its topic model."""
    path = Path(model_path)
    return path.with_name(f"{path.stem}-polarity{path.suffix}")


# Topics of texts in memory (topic runs): fit, align ids, save, load, predict ------------------


@dataclass
class FittedTopics:
    """A fitted model and what it found; ``representative_rows`` index the fitted texts."""

    model: Any  # nlp.TopicModel
    labels: list[int]
    topics: tuple[TopicSummary, ...]
    warm_start: bool = False


def _fitted(model: Any, warm_start: bool = False) -> FittedTopics:
    themes = {
        topic_id: theme for theme in getattr(model, "themes_", []) for topic_id in theme.topic_ids
    }
    topics = tuple(
        TopicSummary(
            id=int(topic.id),
            label=topic.label,
            keywords=tuple((str(word), float(weight)) for word, weight in topic.keywords),
            size=int(topic.size),
            representative_rows=tuple(int(i) for i in topic.representative),
            polarity=topic.polarity or "",
            theme=themes[topic.id].id if topic.id in themes else -1,
            theme_label=themes[topic.id].label if topic.id in themes else "",
        )
        for topic in model.topics_
    )
    return FittedTopics(model, [int(label) for label in model.labels_], topics, warm_start)


def fit_topics(
    texts: Sequence[str],
    *,
    previous_labels: Sequence[int] | None = None,
    polarity: Sequence[str | None] | None = None,
    engine: str = "tfidf",
    n_topics: str | int = "auto",
    language: str = "auto",
    random_state: int = 0,
    exclude_words: Sequence[str] = (),
    embeddings: Any = None,
) -> FittedTopics:
    """Fit topics on ``texts``; ``previous_labels`` (-1 for texts the earlier fit did not
    label) starts from the earlier topics and keeps their ids (a warm re-fit). ``polarity``
    keeps complaints and praise in topics of their own; ``exclude_words`` (people's names)
    never appear in labels or keywords."""
    from nlp import TopicModel

    model = TopicModel(
        engine=engine,
        n_topics=n_topics,
        language=language,
        random_state=random_state,
        exclude_words=tuple(exclude_words),
    )
    warm = previous_labels is not None and len({x for x in previous_labels if x != UNCLEAR}) > 1
    try:
        model.fit(
            list(texts),
            previous_labels=list(previous_labels) if warm else None,
            polarity=list(polarity) if polarity is not None else None,
            embeddings=embeddings,
        )
    except (ValueError, ImportError, RuntimeError) as error:
        # Parameters the library refuses, texts with no words, a missing extra, or model files
        # that fail their checksums.
        raise ValidationFailed(f"Cannot fit topics: {error}") from error
    return _fitted(model, warm)


def label_still_fits(label: str, keywords: Sequence[tuple[str, float]]) -> bool:
    """Whether an earlier label still describes a topic with these keywords."""
    from nlp.labelling import label_still_fits as fits

    return fits(label, keywords)


def align_topic_ids(previous: Sequence[int], current: Sequence[int]) -> dict[int, int]:
    """Map a new fit's ids onto an earlier fit's by the texts they share (-1: unlabelled)."""
    from nlp import stable_topic_ids

    return stable_topic_ids(previous, current)


def relabel(fitted: FittedTopics, mapping: dict[int, int]) -> FittedTopics:
    """Give the fitted topics the ids in ``mapping`` (every topic id must be named)."""
    missing = {topic.id for topic in fitted.topics} - mapping.keys()
    if missing:
        raise ValueError(f"The mapping names no id for topics {sorted(missing)}.")
    return _fitted(fitted.model.remap_ids(mapping), fitted.warm_start)


def save_topic_model(model: Any, path: str | Path) -> None:
    """Write a fitted model (to a temporary file first: a reader never sees half a file)."""
    from nlp import save_model

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    save_model(model, temporary)
    temporary.replace(path)


_loaded: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
_loaded_lock = threading.Lock()
#: Fitted models kept in memory (each one per path, size and modification time).
MODEL_CACHE_SIZE = 4


def load_topic_model(path: str | Path) -> Any:
    """A saved model, loaded once per process (a file written again is loaded again)."""
    from nlp import load_model

    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    model = load_model(path)
    with _loaded_lock:
        _loaded[key] = model
        while len(_loaded) > MODEL_CACHE_SIZE:
            _loaded.popitem(last=False)
    return model


def predict_topics(
    model: Any,
    texts: Sequence[str],
    polarity: Sequence[str | None] | None = None,
    embeddings: Any = None,
) -> list[int]:
    """The topic id of each text under a fitted model (-1: fits no topic); with ``polarity``,
    only among topics of the text's own polarity (models saved before polarity ignore it)."""
    options: dict[str, Any] = {}
    if polarity is not None and getattr(model, "topic_polarity_", None) is not None:
        options["polarity"] = list(polarity)
    if embeddings is not None and model.engine in EMBEDDING_ENGINES:
        options["embeddings"] = embeddings
    return [int(label) for label in model.predict(list(texts), **options)]


def installed_engines() -> list[str]:
    """The engines this installation can run (the semantic one needs its extra)."""
    from nlp import multilingual
    from nlp.representation import semantic_available

    found = {
        "tfidf": True,
        "semantic": semantic_available(),
        "multilingual": multilingual.available(),
    }
    return [engine for engine in ENGINES if found[engine]]


def embedding_model_id() -> str:
    """The name stored with each cached embedding: vectors of another model are not reused."""
    from nlp import multilingual

    return multilingual.MODEL_ID


def embed_texts(texts: Sequence[str]) -> Any:
    """Sentence embeddings (float32, one row per text) for the multilingual engine."""
    from nlp import multilingual

    try:
        return multilingual.embed(list(texts))
    except (ImportError, RuntimeError) as error:
        raise ValidationFailed(f"Cannot embed texts: {error}") from error


def library_versions() -> dict[str, str]:
    """Versions that decide what a fit finds, recorded with each topic run."""
    versions = {"python": platform.python_version()}
    for name in ("scikit-learn", "spacy", "numpy", "workbench"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


#: What the topic editor's split calls: ``cluster_texts(texts, n_topics=..., random_state=0)``.
cluster_texts = fit_topics
