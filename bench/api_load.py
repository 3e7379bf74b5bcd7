"""Benchmark: 1,000 API posts from 20 concurrent clients against `workbench serve` (gunicorn).

Target (issue 2): 1,000 rows stored, no errors. Each post carries one item with its own
external id; every client then re-posts its first item to check idempotency under load.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from bench.common import fresh_database, gunicorn, workbench, workbench_env


def post(url: str, token: str, body: dict) -> tuple[int, float]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/api/v1/feedback",
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, time.perf_counter() - started


def run(posts: int = 1000, clients: int = 20, database_url: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as folder, fresh_database(database_url, folder) as url:
        env = workbench_env(url)
        workbench(["db", "upgrade"], env)
        token = workbench(["tokens", "create", "--name", "bench-api"], env).stdout.split()[-1]
        bodies = [
            {
                "external_id": f"api-{number}",
                "text": f"Appen loggar ut mig hela tiden, försök nummer {number}.",
                "rating": number % 5 + 1,
            }
            for number in range(posts)
        ]
        with gunicorn(env) as server:
            started = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(lambda body: post(server, token, body), bodies))
            seconds = time.perf_counter() - started
            with ThreadPoolExecutor(clients) as pool:
                repeats = list(pool.map(lambda body: post(server, token, body), bodies[:clients]))
            parts = urlsplit(server)
            connection = http.client.HTTPConnection(parts.hostname, parts.port)
            connection.request(
                "GET", "/api/v1/feedback?limit=1", headers={"Authorization": f"Bearer {token}"}
            )
            total = json.loads(connection.getresponse().read())["total"]
    statuses = [status for status, _ in results]
    latencies = sorted(latency for _, latency in results)
    return {
        "posts": posts,
        "clients": clients,
        "database": url.split(":")[0],
        "seconds": round(seconds, 2),
        "posts_per_second": round(posts / seconds),
        "errors": sum(status != 201 for status in statuses),
        "rows_stored": total,
        "repeat_posts_errors": sum(status != 201 for status, _ in repeats),
        "latency_median_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


if __name__ == "__main__":
    database = sys.argv[1] if len(sys.argv) > 1 else None
    print(json.dumps(run(database_url=database), indent=2))
