"""Benchmark: import 100,000 feedback rows from CSV with `workbench import feedback`.

Target (issue 2): under 60 s. The rows are made from the demo texts with a random order
number, date and rating each, so every row is distinct and language detection runs on all.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, fresh_database, workbench, workbench_env


def write_rows(path: Path, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    texts = [
        json.loads(line)["text"]
        for line in (ROOT / "fixtures" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["review_id", "body", "stars", "posted"])
        for number in range(count):
            text = f"{rng.choice(texts)} (order {rng.randint(10000, 99999)})"
            day = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
            writer.writerow([f"r{number}", text, rng.choice(["", "1", "2", "3", "4", "5"]), day])


def run(count: int = 100_000, database_url: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as folder, fresh_database(database_url, folder) as url:
        csv_path = Path(folder) / "feedback.csv"
        write_rows(csv_path, count)
        env = workbench_env(url)
        workbench(["db", "upgrade"], env)
        arguments = ["import", "feedback", str(csv_path), "--source", "bench", "--text-column"]
        arguments += ["body", "--id-column", "review_id", "--rating-column", "stars"]
        arguments += ["--date-column", "posted"]
        started = time.perf_counter()
        first = workbench(arguments, env)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = workbench(arguments, env)
        second_seconds = time.perf_counter() - started
    first_summary = json.loads(first.stdout.strip().splitlines()[-1])
    second_summary = json.loads(second.stdout.strip().splitlines()[-1])
    return {
        "rows": count,
        "database": url.split(":")[0],
        "import_seconds": round(first_seconds, 1),
        "rows_per_second": round(count / first_seconds),
        "imported": first_summary["imported"],
        "rejected": len(first_summary["rejected"]),
        "reimport_seconds": round(second_seconds, 1),
        "reimport_new_rows": second_summary["imported"],
        "reimport_duplicates": second_summary["duplicates"],
    }


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    database = sys.argv[2] if len(sys.argv) > 2 else None
    print(json.dumps(run(rows, database), indent=2))
