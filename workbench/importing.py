"""Reading import files row by row: CSV (comma, semicolon or tab; UTF-8 with or without BOM)
and JSON Lines, each row tagged with the line it starts on so errors can point at it."""

from __future__ import annotations

import csv
import io
import json
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

    def _raw_lines(self) -> Iterator[bytes]:
        buffered = io.BufferedReader(_Prepend(self._first_chunk, self._stream))
        for raw in buffered:
            self.bytes_read += len(raw)
            yield raw

    def _decoded_lines(self, bad_lines: set[int]) -> Iterator[str]:
        for number, raw in enumerate(self._raw_lines(), start=1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_lines.add(number)
                yield raw.decode("utf-8", errors="replace")

    def __iter__(self) -> Iterator[Row]:
        return self._json_lines() if self.is_json_lines else self._csv_rows()

    def _json_lines(self) -> Iterator[Row]:
        bad_lines: set[int] = set()
        for number, text in enumerate(self._decoded_lines(bad_lines), start=1):
            if not text.strip():
                continue
            if number in bad_lines:
                yield Row(number, {}, "The line is not valid UTF-8.")
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                yield Row(number, {}, f"Not valid JSON: {error.msg}.")
                continue
            except RecursionError:
                yield Row(number, {}, "The JSON is nested too deeply.")
                continue
            if not isinstance(data, dict):
                yield Row(number, {}, "Each line must be a JSON object.")
                continue
            yield Row(number, data)

    def _csv_rows(self) -> Iterator[Row]:
        bad_lines: set[int] = set()
        csv.field_size_limit(MAX_FIELD_SIZE)
        reader = csv.reader(self._decoded_lines(bad_lines), delimiter=self.delimiter)
        header = self.header or []
        next(reader, None)
        previous_end = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                start, previous_end = previous_end + 1, reader.line_num
                yield Row(start, {}, f"The row cannot be read as CSV ({error}); an unclosed quote?")
                continue
            start, previous_end = previous_end + 1, reader.line_num
            if not values or not any(value.strip() for value in values):
                continue
            if any(start <= bad <= previous_end for bad in bad_lines):
                yield Row(start, {}, "The row is not valid UTF-8.")
                continue
            if len(values) > len(header):
                reason = f"The row has {len(values)} fields but the header names {len(header)}."
                yield Row(start, {}, reason)
                continue
            padded = values + [""] * (len(header) - len(values))
            yield Row(start, dict(zip(header, padded, strict=True)))


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
