"""`make bench`: run every benchmark and print one JSON report (also saved in bench/results/).

Set WORKBENCH_BENCH_DATABASE_URL to a PostgreSQL server (for example
postgresql+psycopg://postgres@127.0.0.1:5432/test) to run each benchmark there too, in a
throwaway database.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from bench import (
    api_load,
    form_load,
    import_feedback,
    language,
    topic_sets,
    topics,
    transparency,
)
from nlp.representation import semantic_available


def main() -> None:
    report: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "results": {}}
    started = time.perf_counter()
    report["results"]["language_identification"] = language.run()
    engines = ("tfidf", "semantic") if semantic_available() else ("tfidf",)
    report["results"]["topics"] = topics.run(engines=engines)
    report["results"]["topic_sets_and_polarity"] = topic_sets.run()
    report["results"]["import_100k_csv"] = import_feedback.run(100_000)
    report["results"]["api_1000_posts_20_clients"] = api_load.run()
    report["results"]["public_form_post_32_clients"] = form_load.run()
    report["results"]["transparency_page_32_clients"] = transparency.run()
    postgres = os.environ.get("WORKBENCH_BENCH_DATABASE_URL")
    if postgres:
        results = report["results"]
        results["import_100k_csv_postgres"] = import_feedback.run(100_000, postgres)
        results["api_1000_posts_20_clients_postgres"] = api_load.run(database_url=postgres)
        results["public_form_post_32_clients_postgres"] = form_load.run(database_url=postgres)
        results["transparency_page_32_clients_postgres"] = transparency.run(database_url=postgres)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=2)
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
