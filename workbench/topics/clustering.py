"""The one adapter between the workbench and nlp/: read a file's texts, fit topics, write results.

No Flask here. ``workbench topics fit`` calls these functions; topic runs will too.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
    # nlp brings spaCy and scikit-learn (seconds to import): only when a fit is wanted, so that
    # `workbench --help` and the other commands stay quick.
    from nlp import TopicModel

    model = TopicModel(
        engine=engine, n_topics=n_topics, language=language, random_state=random_state
    )
    report(f"Fitting topics on {len(found.texts)} texts")
    try:
        model.fit(found.texts)
    except (ValueError, ImportError, RuntimeError) as error:
        # Parameters the library refuses, texts with no words, a missing extra, or model files
        # that fail their checksums.
        raise ValidationFailed(f"Cannot fit topics: {error}") from error
    labels = [UNCLEAR] * found.n_rows
    for row, label in zip(found.rows, model.labels_, strict=True):
        labels[row] = int(label)
    topics = tuple(
        TopicSummary(
            id=int(topic.id),
            label=topic.label,
            keywords=tuple((str(word), float(weight)) for word, weight in topic.keywords),
            size=int(topic.size),
            representative_rows=tuple(found.rows[i] for i in topic.representative),
        )
        for topic in model.topics_
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


# Writing: a temporary file beside the target, moved into place only when complete -------------


def check_output_paths(source: str | Path, *outputs: str | Path | None) -> None:
    """Refuse, before any work, outputs that could not be written or would clobber the input."""
    source_path = Path(source).resolve()
    seen = {source_path}
    for output in outputs:
        if output is None:
            continue
        path = Path(output)
        if path.resolve() == source_path:
            raise ValidationFailed(f"{path} is the input file: give the output another name.")
        if path.resolve() in seen:
            raise ValidationFailed(f"{path} is used twice: give each file its own name.")
        seen.add(path.resolve())
        if not path.parent.resolve().is_dir():
            raise ValidationFailed(f"Cannot write {path}: the folder {path.parent} does not exist.")
        if path.is_dir():
            raise ValidationFailed(f"Cannot write {path}: it is a folder.")


class StagedFile:
    """Text written to a temporary file beside ``path``; ``commit`` moves it into place."""

    def __init__(self, path: str | Path, write: Callable[[IO[str]], None]) -> None:
        self.path = Path(path)
        self.temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        try:
            # Mode 0o666 lets the umask decide, as for any file a tool writes; O_EXCL never
            # reuses a file that is already there.
            descriptor = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as error:
            raise ValidationFailed(f"Cannot write {self.path}: {error.strerror}.") from error
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            self.discard()
            raise ValidationFailed(f"Cannot write {self.path}: {error.strerror}.") from error
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        try:
            os.replace(self.temporary, self.path)
        except OSError as error:
            self.discard()
            raise ValidationFailed(f"Cannot write {self.path}: {error.strerror}.") from error

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)


def _assignments_writer(result: ClusterResult) -> Callable[[IO[str]], None]:
    def write(handle: IO[str]) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["row", "topic"])
        writer.writerows(enumerate(result.labels))

    return write


def topics_document(result: ClusterResult) -> dict[str, Any]:
    """What TOPICS.json holds: the parameters, the counts and the topics."""
    return {
        **result.params,
        "texts": result.n_rows,
        "unclear": result.n_unclear,
        "empty_or_unreadable": result.n_skipped,
        "topics": [topic.as_dict() for topic in result.topics],
    }


def _topics_writer(result: ClusterResult) -> Callable[[IO[str]], None]:
    def write(handle: IO[str]) -> None:
        json.dump(topics_document(result), handle, ensure_ascii=False, indent=2)
        handle.write("\n")

    return write


def write_assignments(result: ClusterResult, out_path: str | Path) -> None:
    """Write ``row,topic`` for every row, atomically."""
    StagedFile(out_path, _assignments_writer(result)).commit()


def write_topics(result: ClusterResult, path: str | Path) -> None:
    """Write the topics as JSON, atomically."""
    StagedFile(path, _topics_writer(result)).commit()


def write_outputs(
    result: ClusterResult, out_path: str | Path, topics_path: str | Path | None = None
) -> None:
    """Write both files completely before moving either into place."""
    staged: list[StagedFile] = []
    try:
        staged.append(StagedFile(out_path, _assignments_writer(result)))
        if topics_path is not None:
            staged.append(StagedFile(topics_path, _topics_writer(result)))
    except BaseException:
        for file in staged:
            file.discard()
        raise
    for position, file in enumerate(staged):
        try:
            file.commit()
        except BaseException:
            for waiting in staged[position + 1 :]:
                waiting.discard()
            raise
