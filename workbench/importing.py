"""Reading import files row by row: CSV (comma, semicolon or tab; UTF-8 with or without BOM)
and JSON Lines, each row tagged with the line it starts on so errors can point at it. A bad line
(an unclosed quote, a JSON value no column can hold) is rejected alone, never the rest."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

DELIMITERS = (",", ";", "\t")
JSON_LINES_SUFFIXES = {".jsonl", ".ndjson", ".json"}
#: Dates outside these years are typing mistakes, and near year 1 or 9999 they break arithmetic.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
#: The longest CSV field read; longer ones (an unclosed quote swallowing the file) are rejected.
MAX_FIELD_SIZE = 1_000_000
#: How often a line swallowed by an unclosed quote is read again as the start of a row; after
#: that each line is read on its own, so a file of broken quotes costs linear, not square, time.
MAX_REREADS = 3
#: Longer integers are typing or export accidents; Python refuses to parse past 4,300 digits.
MAX_NUMBER_DIGITS = 100
#: Deeper JSON is no export of ours, and near Python's recursion limit hashing the row fails.
MAX_JSON_DEPTH = 100
QUOTING = 'a field that starts with a quote (") ends with one, and quotes in it are doubled.'
YES = {"yes", "y", "true", "1", "ja", "j"}
NO = {"no", "n", "false", "0", "nej"}


class FileUnreadable(Exception):
    """The file as a whole cannot be read (empty, no header, not text)."""


@dataclass(frozen=True)
class Row:
    """One record of an import file; ``error`` is set when the row itself is unreadable."""

    line: int
    data: dict[str, Any]
    error: str | None = None


@dataclass(slots=True)
class _Line:
    """A physical line; ``after_quote`` names the unclosed quote's line it is read again after."""

    number: int
    text: str
    utf8: bool = True
    rereads: int = 0
    after_quote: int | None = None


@dataclass
class ImportSummary:
    imported: int = 0
    duplicates: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append({"line": line, "reason": reason})

    def describe(self, include_updated: bool = False) -> str:
        if include_updated:
            return (
                f"Imported {self.imported}, updated {self.updated}, "
                f"unchanged {self.duplicates}, rejected {len(self.rejected)}."
            )
        return (
            f"Imported {self.imported}, skipped {self.duplicates} duplicates, "
            f"rejected {len(self.rejected)} rows."
        )

    def as_dict(self, include_updated: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {"imported": self.imported, "duplicates": self.duplicates}
        if include_updated:
            result["updated"] = self.updated
        result["rejected"] = self.rejected
        return result


def open_rows(source: str | Path | IO[bytes], filename: str | None = None) -> RowFile:
    """Open an import file given as a path or a binary stream (an upload, say)."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise FileUnreadable(f"No such file: {path}")
        return RowFile(path.open("rb"), path.name, path.stat().st_size, owns_stream=True)
    return RowFile(source, filename or "", None, owns_stream=False)


class RowFile:
    """An import file: iterate it for rows; ``header`` lists the CSV columns (None for JSONL)."""

    def __init__(self, stream: IO[bytes], name: str, size: int | None, owns_stream: bool) -> None:
        self._stream = stream
        self._owns_stream = owns_stream
        self.name = name
        self.size = size
        self.bytes_read = 0
        first_chunk = stream.read(65536)
        if not first_chunk.strip():
            self.close()
            raise FileUnreadable("The file is empty.")
        if first_chunk.startswith(b"\xef\xbb\xbf"):
            first_chunk = first_chunk[3:]
            self.bytes_read += 3
        self._first_chunk = first_chunk
        suffix = Path(name).suffix.lower()
        self.is_json_lines = suffix in JSON_LINES_SUFFIXES or (
            suffix != ".csv" and first_chunk.lstrip().startswith(b"{")
        )
        self.header: list[str] | None = None
        self.delimiter: str | None = None
        if not self.is_json_lines:
            header_line = first_chunk.split(b"\n", 1)[0]
            try:
                header_text = header_line.decode("utf-8")
            except UnicodeDecodeError as error:
                self.close()
                raise FileUnreadable("The file is not UTF-8 text.") from error
            self.delimiter = max(DELIMITERS, key=header_text.count)
            self.header = [
                name.strip() for name in next(csv.reader([header_text], delimiter=self.delimiter))
            ]
            if not any(self.header):
                self.close()
                raise FileUnreadable("The first line of a CSV file must name the columns.")

    def __enter__(self) -> RowFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_stream:
            self._stream.close()

    def _lines(self) -> Iterator[_Line]:
        buffered = io.BufferedReader(_Prepend(self._first_chunk, self._stream))
        for number, raw in enumerate(buffered, start=1):
            self.bytes_read += len(raw)
            try:
                yield _Line(number, raw.decode("utf-8"))
            except UnicodeDecodeError:
                yield _Line(number, raw.decode("utf-8", errors="replace"), utf8=False)

    def __iter__(self) -> Iterator[Row]:
        return self._json_lines() if self.is_json_lines else self._csv_rows()

    def _json_lines(self) -> Iterator[Row]:
        for line in self._lines():
            if not line.text.strip():
                continue
            if not line.utf8:
                yield Row(line.number, {}, "The line is not valid UTF-8.")
                continue
            try:
                data = _load_json(line.text)
            except _Unstorable as error:
                yield Row(line.number, {}, str(error))
                continue
            except json.JSONDecodeError as error:
                yield Row(line.number, {}, f"Not valid JSON: {error.msg}.")
                continue
            except RecursionError:
                yield Row(line.number, {}, "The JSON is nested too deeply.")
                continue
            if not isinstance(data, dict):
                yield Row(line.number, {}, "Each line must be a JSON object.")
                continue
            yield Row(line.number, data)

    def _csv_rows(self) -> Iterator[Row]:
        csv.field_size_limit(MAX_FIELD_SIZE)
        lines = self._lines()
        next(lines, None)  # the header, read already from the first line alone
        feed = _LineFeed(lines)
        # strict: a quote that is never closed fails at the end of the file and one "closed" by
        # a stray quote later mostly fails there, instead of both silently merging rows.
        reader = csv.reader(feed, delimiter=self.delimiter, strict=True)
        while True:
            feed.taken, feed.size = [], 0
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield from self._broken_row(feed, str(error))
                continue
            if len(feed.taken) > 1 and len(values) > len(self.header or []):
                detail = f"{len(values)} fields, the header names {len(self.header or [])}"
                yield from self._broken_row(feed, detail)
            elif row := self._csv_row(feed.taken, values):
                yield row

    def _broken_row(self, feed: _LineFeed, detail: str) -> Iterator[Row]:
        """Reject the row's first line; the lines it swallowed are read again as rows."""
        first, swallowed = feed.taken[0], feed.taken[1:]
        if not swallowed:
            yield Row(first.number, {}, f"The row cannot be read as CSV ({detail}); {QUOTING}")
            return
        if detail == "unexpected end of data":
            where = "runs on to the end of the file"
        else:
            where = f"is not closed properly ({detail}, line {swallowed[-1].number})"
        reason = (
            f'A quote (") on this line {where}; the lines after it were read as rows of their own.'
        )
        yield Row(first.number, {}, reason)
        again = [_Line(x.number, x.text, x.utf8, x.rereads + 1, first.number) for x in swallowed]
        if again[0].rereads <= MAX_REREADS:
            feed.push_back(again)
            return
        for line in again:  # read again too often already: each line on its own now
            try:
                values = next(csv.reader([line.text], delimiter=self.delimiter, strict=True), [])
            except csv.Error as error:
                yield Row(line.number, {}, f"The row cannot be read as CSV ({error}); {QUOTING}")
                continue
            if row := self._csv_row([line], values):
                yield row

    def _csv_row(self, lines: list[_Line], values: list[str]) -> Row | None:
        """The row read from ``lines``; None for a blank one."""
        header, start, after_quote = self.header or [], lines[0].number, lines[0].after_quote
        if not values or not any(value.strip() for value in values):
            return None
        if not all(line.utf8 for line in lines):
            return Row(start, {}, "The row is not valid UTF-8.")
        # Padding a line read again would make the tail of a broken quoted field a row.
        if len(values) > len(header) or (len(values) < len(header) and after_quote):
            reason = f"The row has {len(values)} fields but the header names {len(header)}"
            again = f"; it was read again after the unclosed quote on line {after_quote}"
            return Row(start, {}, reason + (again if after_quote else "") + ".")
        padded = values + [""] * (len(header) - len(values))
        return Row(start, dict(zip(header, padded, strict=True)))


class _LineFeed:
    """The csv reader's input: lines pushed back first, then the file; ``taken`` records
    which lines the current row used, so a broken row can be rejected and its tail re-read."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self._lines = lines
        self._pushed: deque[_Line] = deque()
        self.taken: list[_Line] = []
        self.size = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = self._pushed.popleft() if self._pushed else next(self._lines)
        self.taken.append(line)
        self.size += len(line.text)
        if self.size > MAX_FIELD_SIZE and len(self.taken) > 1:
            raise csv.Error(f"longer than {MAX_FIELD_SIZE:,} characters")
        return line.text

    def push_back(self, lines: list[_Line]) -> None:
        self._pushed.extendleft(reversed(lines))


class _Unstorable(ValueError):
    """A JSON value that parses but that no column can hold; the message says which."""


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Unstorable(f"A number on this line has more than {MAX_NUMBER_DIGITS} digits.")
    return int(text)


def _parse_float(text: str) -> float:
    number = float(text)  # also NaN and Infinity, which Python's json reads but JSON has not
    if not math.isfinite(number):
        raise _Unstorable(f"A number on this line is too large or not finite: {text[:40]}.")
    return number


def _load_json(text: str) -> Any:
    """``json.loads`` that refuses what a database cannot store instead of passing it on."""
    hooks = {"parse_int": _parse_int, "parse_float": _parse_float, "parse_constant": _parse_float}
    data = json.loads(text, **hooks)
    # Walked with a stack, not recursion, so any depth json.loads allowed is safe to walk.
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _Unstorable("The JSON is nested too deeply.")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise _Unstorable(
                    "The line holds a lone UTF-16 surrogate (such as \\ud800 without its pair), "
                    "which is no character and cannot be stored."
                ) from error
    return data


class _Prepend(io.RawIOBase):
    """A raw stream that first returns ``head`` and then the rest of ``tail``."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        chunk = self._tail.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class RowError(ValueError):
    """A row that cannot be imported; the message says why."""


def field_text(
    value: Any, column: str, *, numbers: bool = False, keep_nul: bool = False
) -> str | None:
    """A field as text, None when absent. A JSON array, object or true/false is refused rather
    than stored as its Python repr; so is NUL (PostgreSQL cannot store it) unless the caller
    cleans it away itself (``keep_nul``), as feedback text does on every channel."""
    if value is None or isinstance(value, str):
        text = value
    elif numbers and isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        names = {bool: "true or false", dict: "a JSON object", list: "a JSON array"}
        wanted = "text or a number" if numbers else "text"
        raise RowError(f"{column} must be {wanted}, not {names.get(type(value), 'a JSON number')}.")
    if text and "\x00" in text and not keep_nul:
        raise RowError(f"{column} contains a NUL character, which cannot be stored.")
    return text


def parse_flag(value: Any, column: str) -> bool | None:
    """yes/no (also ja/nej, true/false, 1/0); empty means unknown."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowError(f"{column} must be yes or no, not {value!r}.")


def parse_date(value: Any, column: str) -> datetime | None:
    """An ISO date or date-time; a date alone means midnight UTC."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise RowError(f"{column} is not a date (use YYYY-MM-DD): {text!r}.") from error
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise RowError(f"{column} must be between {EARLIEST_YEAR} and {LATEST_YEAR}: {text!r}.")
    return parsed


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
