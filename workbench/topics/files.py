"""Topics of a file (``workbench topics fit``): read a CSV or JSON Lines file, fit, and give
every data row its topic and polarity. No database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.polarity import polarity_from_rating
from workbench.errors import ValidationFailed
from workbench.feedback.intake import parse_rating
from workbench.importing import FileUnreadable, RowError, open_rows
from workbench.topics.clustering import (
    UNCLEAR,
    Progress,
    TopicSummary,
    fit_polarity,
    fit_topics,
    predict_polarity,
)

#: open_rows marks lines that do not decode with this phrase. A file in another encoding
#: (Latin-1, UTF-16 …) is refused as a whole instead of leaving most of its rows unclear.
NOT_UTF8 = "not valid UTF-8"
#: How many column names an error message lists.
MAX_LISTED_COLUMNS = 20


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read; it gets topic -1."""

    row: int
    line: int
    reason: str


@dataclass(frozen=True)
class ClusterResult:
    """Topics of one file: a topic id (-1: unclear) for every data row, in input order."""

    labels: tuple[int, ...]
    topics: tuple[TopicSummary, ...]
    empty_rows: tuple[int, ...]
    unreadable: tuple[RowProblem, ...]
    params: dict[str, Any] = field(default_factory=dict)
    #: Each row's polarity ("" for a row without text); None when not split by polarity.
    polarity: tuple[str, ...] | None = None
    bad_ratings: tuple[RowProblem, ...] = ()

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
    ratings: list[int | None] = field(default_factory=list)  # parallel to texts
    bad_ratings: list[RowProblem] = field(default_factory=list)  # text kept, rating not


def _list_columns(names: Sequence[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:MAX_LISTED_COLUMNS])
    more = len(names) - MAX_LISTED_COLUMNS
    return shown + (f" and {more} more" if more > 0 else "") if names else "none"


def read_texts(path: str | Path, text_column: str, rating_column: str | None = None) -> FileTexts:
    """Read ``text_column`` (and ``rating_column``, 1-5) of every row of a CSV or JSON Lines
    file.

    Rows are numbered from 0 in the order the reader yields them (blank lines are no rows).
    A rating that is not a whole number from 1 to 5 is reported and the row kept unrated.
    """
    try:
        rows = open_rows(path)
    except FileUnreadable as error:
        raise ValidationFailed(str(error)) from error
    found = FileTexts()
    with rows:
        for column in (text_column, rating_column):
            if rows.header is not None and column is not None and column not in rows.header:
                raise ValidationFailed(
                    f"{rows.name} has no column {column!r}; "
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
                found.ratings.append(_rating(found, row, index, rating_column))
        except FileUnreadable as error:
            raise ValidationFailed(str(error)) from error
    if not column_seen and keys:
        raise ValidationFailed(
            f"No row of {rows.name} has a field {text_column!r}; "
            f"its fields are {_list_columns(list(keys))}."
        )
    return found


def _rating(found: FileTexts, row: Any, index: int, rating_column: str | None) -> int | None:
    if rating_column is None:
        return None
    try:
        return parse_rating(row.data.get(rating_column), rating_column)
    except RowError as error:
        found.bad_ratings.append(RowProblem(index, row.line, str(error)))
        return None


def file_polarity(texts: list[str], ratings: list[int | None]) -> list[str]:
    """Each text's polarity: from its rating, else predicted by a model learned from the
    file's rated rows and the starter set."""
    from_ratings = [polarity_from_rating(rating) for rating in ratings]
    rated = [(text, p) for text, p in zip(texts, from_ratings, strict=True) if p is not None]
    model = fit_polarity([text for text, _ in rated], [p for _, p in rated])
    unrated = [i for i, p in enumerate(from_ratings) if p is None]
    predicted = predict_polarity(model, [texts[i] for i in unrated])
    for position, prediction in zip(unrated, predicted, strict=True):
        from_ratings[position] = prediction.polarity
    return from_ratings


def cluster_file(
    path: str | Path,
    text_column: str,
    language: str = "auto",
    n_topics: str | int = "auto",
    engine: str = "tfidf",
    random_state: int = 0,
    progress: Progress | None = None,
    rating_column: str | None = None,
    by_polarity: bool = True,
) -> ClusterResult:
    """Fit topics on the texts of one file; rows with no usable text get topic -1.

    With ``by_polarity`` (the default) complaints and praise are clustered apart and every row
    gets a polarity: from ``rating_column`` where the row has a rating, else predicted.
    """
    report = progress or (lambda _message: None)
    report(f"Reading {Path(path).name}")
    found = read_texts(path, text_column, rating_column)
    if len(found.texts) < 2:
        raise ValidationFailed(
            f"Topics need at least 2 texts; {Path(path).name} has {len(found.texts)} in column "
            f"{text_column!r} ({found.n_rows} rows, {len(found.empty_rows)} empty, "
            f"{len(found.unreadable)} unreadable)."
        )
    polarity = None
    if by_polarity:
        report("Reading praise and complaints")
        polarity = file_polarity(found.texts, found.ratings)
    report(f"Fitting topics on {len(found.texts)} texts")
    fitted = fit_topics(
        found.texts,
        polarity=polarity,
        engine=engine,
        n_topics=n_topics,
        language=language,
        random_state=random_state,
    )
    labels = [UNCLEAR] * found.n_rows
    for row, label in zip(found.rows, fitted.labels, strict=True):
        labels[row] = label
    polarities = [""] * found.n_rows
    for row, value in zip(found.rows, polarity or [], strict=False):
        polarities[row] = value
    topics = tuple(
        TopicSummary(
            id=topic.id,
            label=topic.label,
            keywords=topic.keywords,
            size=topic.size,
            representative_rows=tuple(found.rows[i] for i in topic.representative_rows),
            polarity=topic.polarity,
        )
        for topic in fitted.topics
    )
    params = {
        "text_column": text_column,
        "rating_column": rating_column,
        "by_polarity": by_polarity,
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
        polarity=tuple(polarities) if by_polarity else None,
        bad_ratings=tuple(found.bad_ratings),
    )
