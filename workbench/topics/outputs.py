"""Writing topics of a file to CSV and JSON, each moved into place only when complete."""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from workbench.errors import ValidationFailed
from workbench.topics.files import ClusterResult


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
        if result.polarity is None:
            writer.writerow(["row", "topic"])
            writer.writerows(enumerate(result.labels))
            return
        writer.writerow(["row", "topic", "polarity"])
        for row, (label, polarity) in enumerate(zip(result.labels, result.polarity, strict=True)):
            writer.writerow([row, label, polarity])

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
    """Write ``row,topic,polarity`` (``row,topic`` without polarity) for every row, atomically."""
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
