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
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.errors import ValidationFailed
from workbench.importing import FileUnreadable, open_rows

UNCLEAR = -1
ENGINES = ("tfidf", "semantic")
LANGUAGES = ("auto", "sv", "en")
#: open_rows marks lines that do not decode with this phrase. A file in another encoding
#: (Latin-1, UTF-16 …) is refused as a whole instead of leaving most of its rows unclear.
NOT_UTF8 = "not valid UTF-8"
#: How many column names an error message lists.
MAX_LISTED_COLUMNS = 20

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read; it gets topic -1."""

    row: int
    line: int
    reason: str


@dataclass(frozen=True)
class TopicSummary:
    """One topic, with its representative texts given as row indices of the input file."""

    id: int
    label: str
    keywords: tuple[tuple[str, float], ...]
    size: int
    representative_rows: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "keywords": [[word, weight] for word, weight in self.keywords],
            "size": self.size,
            "representative_rows": list(self.representative_rows),
        }


@dataclass(frozen=True)
class ClusterResult:
    """Topics of one file: a topic id (-1: unclear) for every data row, in input order."""

    labels: tuple[int, ...]
    topics: tuple[TopicSummary, ...]
    empty_rows: tuple[int, ...]
    unreadable: tuple[RowProblem, ...]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.labels)

    @property
    def n_unclear(self) -> int:
        return sum(1 for label in self.labels if label == UNCLEAR)

    @property
    def n_skipped(self) -> int:
        """Rows that could not be clustered at all: empty text or unreadable."""
        return len(self.empty_rows) + len(self.unreadable)

    @property
    def unclear_share(self) -> float:
        return self.n_unclear / self.n_rows if self.n_rows else 0.0

    def summary(self, seconds: float) -> str:
        """One line, e.g. ``3080 texts, 79 topics, 2.1% unclear, 2.3 s``."""
        unclear = f"{self.unclear_share:.1%} unclear"
        if self.n_skipped:
            unclear += f" ({self.n_skipped} empty or unreadable)"
        return f"{self.n_rows} texts, {len(self.topics)} topics, {unclear}, {seconds:.1f} s"


@dataclass
class FileTexts:
    """The usable texts of a file and the data row each came from."""

    texts: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    n_rows: int = 0
    empty_rows: list[int] = field(default_factory=list)
    unreadable: list[RowProblem] = field(default_factory=list)


def _list_columns(names: Sequence[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:MAX_LISTED_COLUMNS])
    more = len(names) - MAX_LISTED_COLUMNS
    return shown + (f" and {more} more" if more > 0 else "") if names else "none"


def read_texts(path: str | Path, text_column: str) -> FileTexts:
    """Read ``text_column`` of every row of a CSV or JSON Lines file.

    Rows are numbered from 0 in the order the reader yields them (blank lines are no rows).
    """
    try:
        rows = open_rows(path)
    except FileUnreadable as error:
        raise ValidationFailed(str(error)) from error
    found = FileTexts()
    with rows:
        if rows.header is not None and text_column not in rows.header:
            raise ValidationFailed(
                f"{rows.name} has no column {text_column!r}; "
                f"its columns are {_list_columns(rows.header)}."
            )
        column_seen = rows.header is not None
        keys: dict[str, None] = {}  # JSON Lines: the fields met so far, in order
        try:
            for index, row in enumerate(rows):
                found.n_rows += 1
                if row.error:
                    if NOT_UTF8 in row.error:
                        raise ValidationFailed(
                            f"{rows.name} is not UTF-8 text (line {row.line}); "
                            "save it as UTF-8 and try again."
                        )
                    found.unreadable.append(RowProblem(index, row.line, row.error))
                    continue
                if not column_seen:
                    column_seen = text_column in row.data
                    keys.update(dict.fromkeys(row.data))
                value = row.data.get(text_column)
                if value is not None and not isinstance(value, str | int | float):
                    reason = f"{text_column!r} holds a JSON {type(value).__name__}, not text."
                    found.unreadable.append(RowProblem(index, row.line, reason))
                    continue
                text = "" if value is None else str(value).strip()
                if not text:
                    found.empty_rows.append(index)
                    continue
                found.texts.append(text)
                found.rows.append(index)
        except FileUnreadable as error:
            raise ValidationFailed(str(error)) from error
    if not column_seen and keys:
        raise ValidationFailed(
            f"No row of {rows.name} has a field {text_column!r}; "
            f"its fields are {_list_columns(list(keys))}."
        )
    return found


def cluster_file(
    path: str | Path,
    text_column: str,
    language: str = "auto",
    n_topics: str | int = "auto",
    engine: str = "tfidf",
    random_state: int = 0,
    progress: Progress | None = None,
) -> ClusterResult:
    """Fit topics on the texts of one file; rows with no usable text get topic -1."""
    report = progress or (lambda _message: None)
    report(f"Reading {Path(path).name}")
    found = read_texts(path, text_column)
    if len(found.texts) < 2:
        raise ValidationFailed(
            f"Topics need at least 2 texts; {Path(path).name} has {len(found.texts)} in column "
            f"{text_column!r} ({found.n_rows} rows, {len(found.empty_rows)} empty, "
            f"{len(found.unreadable)} unreadable)."
        )
    report(f"Fitting topics on {len(found.texts)} texts")
    fitted = fit_topics(
        found.texts,
        engine=engine,
        n_topics=n_topics,
        language=language,
        random_state=random_state,
    )
    labels = [UNCLEAR] * found.n_rows
    for row, label in zip(found.rows, fitted.labels, strict=True):
        labels[row] = label
    topics = tuple(
        TopicSummary(
            id=topic.id,
            label=topic.label,
            keywords=topic.keywords,
            size=topic.size,
            representative_rows=tuple(found.rows[i] for i in topic.representative_rows),
        )
        for topic in fitted.topics
    )
    params = {
        "text_column": text_column,
        "language": language,
        "n_topics": n_topics,
        "engine": engine,
        "random_state": random_state,
    }
    return ClusterResult(
        labels=tuple(labels),
        topics=topics,
        empty_rows=tuple(found.empty_rows),
        unreadable=tuple(found.unreadable),
        params=params,
    )


# Topics of texts in memory (topic runs): fit, align ids, save, load, predict ------------------


@dataclass
class FittedTopics:
    """A fitted model and what it found; ``representative_rows`` index the fitted texts."""

    model: Any  # nlp.TopicModel
    labels: list[int]
    topics: tuple[TopicSummary, ...]
    warm_start: bool = False


def _fitted(model: Any, warm_start: bool = False) -> FittedTopics:
    topics = tuple(
        TopicSummary(
            id=int(topic.id),
            label=topic.label,
            keywords=tuple((str(word), float(weight)) for word, weight in topic.keywords),
            size=int(topic.size),
            representative_rows=tuple(int(i) for i in topic.representative),
        )
        for topic in model.topics_
    )
    return FittedTopics(model, [int(label) for label in model.labels_], topics, warm_start)


def fit_topics(
    texts: Sequence[str],
    *,
    previous_labels: Sequence[int] | None = None,
    engine: str = "tfidf",
    n_topics: str | int = "auto",
    language: str = "auto",
    random_state: int = 0,
) -> FittedTopics:
    """Fit topics on ``texts``; ``previous_labels`` (-1 for texts the earlier fit did not
    label) starts from the earlier topics and keeps their ids (a warm re-fit)."""
    from nlp import TopicModel

    model = TopicModel(
        engine=engine, n_topics=n_topics, language=language, random_state=random_state
    )
    warm = previous_labels is not None and len({x for x in previous_labels if x != UNCLEAR}) > 1
    try:
        model.fit(list(texts), previous_labels=list(previous_labels) if warm else None)
    except (ValueError, ImportError, RuntimeError) as error:
        # Parameters the library refuses, texts with no words, a missing extra, or model files
        # that fail their checksums.
        raise ValidationFailed(f"Cannot fit topics: {error}") from error
    return _fitted(model, warm)


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


def predict_topics(model: Any, texts: Sequence[str]) -> list[int]:
    """The topic id of each text under a fitted model (-1: fits no topic)."""
    return [int(label) for label in model.predict(list(texts))]


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
