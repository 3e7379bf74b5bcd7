"""Benchmark: the public transparency page under gunicorn, against a bare endpoint.

The demo data plus twenty published issues, each with its linked feedback and approved quotes.
wrk (Debian's package) fetches /transparency (and the Atom feed) at 32 concurrent clients without
If-None-Match, so every answer is a full 200 from the workers' page cache. Reports median and
99th-percentile latency and throughput as a share of a bare "hello" endpoint served by the same
gunicorn (target: at least 0.8). Each is measured twice, interleaved, and the best run kept.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile

from bench.common import fresh_database, gunicorn, workbench, workbench_env
from bench.form_load import wrk

ISSUES = 20
QUOTES_PER_ISSUE = 3
FEED = "/transparency/feed.atom?lang=sv"


def best(results: list[dict]) -> dict:
    return max(results, key=lambda result: result["requests_per_second"])


def publish_issues(database_url: str, count: int = ISSUES) -> int:
    """Publish ``count`` issues with linked feedback and approved quotes; returns the quotes."""
    from sqlmodel import select

    from workbench import create_app
    from workbench.db import get_database, utcnow
    from workbench.feedback.models import Feedback
    from workbench.issues.models import IssueFeedback, IssueStatus
    from workbench.issues.services import create_issue
    from workbench.transparency import publication

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-" + "x" * 40})
    quotes = 0
    with get_database(app).session_scope() as session:
        feedback = session.exec(select(Feedback).order_by(Feedback.id)).all()
        for number in range(count):
            now = utcnow()
            issue = create_issue(
                session, title=f"Bench issue {number}", severity=2, actor_id=None, now=now
            )
            if number % 3 == 0:
                issue.status = IssueStatus.DONE
            items = feedback[number * 5 : number * 5 + 5] or feedback[:5]
            for item in items:
                item.consent_publish = True
                session.add(IssueFeedback(issue_id=issue.id, feedback_id=item.id))
            session.flush()
            publication.update_publication(
                session,
                issue,
                public_title=f"Det här har vi ändrat ({number})",
                public_answer="Ni sa att det var svårt; vi har gjort det enklare. " * 3,
                published=True,
                actor_id=None,
                now=now,
            )
            for candidate in publication.quote_candidates(session, issue)[:QUOTES_PER_ISSUE]:
                feedback_id = candidate.feedback_id
                quote = publication.add_quote(session, issue, feedback_id, actor_id=None, now=now)
                publication.approve_quote(session, issue, quote.id, actor_id=None, now=now)
                quotes += 1
    get_database(app).engine.dispose()
    return quotes


def run(connections: int = 32, seconds: int = 15, database_url: str | None = None) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder, fresh_database(database_url, folder) as url:
        env = workbench_env(url)
        workbench(["db", "upgrade"], env)
        workbench(["demo"], env)
        quotes = publish_issues(url)
        with gunicorn(env) as server:
            wrk(server + "/bench-hello", connections, 3)  # warm-up
            wrk(server + "/transparency?lang=sv", connections, 3)
            # Interleaved and best of two, so that a noisy neighbour hurts both sides alike.
            runs: dict[str, list[dict]] = {"hello": [], "page": [], "feed": []}
            for _round in range(2):
                runs["hello"].append(wrk(server + "/bench-hello", connections, seconds))
                runs["page"].append(wrk(server + "/transparency?lang=sv", connections, seconds))
                runs["feed"].append(wrk(server + FEED, connections, seconds))
            hello, page, feed = (best(runs[name]) for name in ("hello", "page", "feed"))
    return {
        "connections": connections,
        "database": url.split(":")[0],
        "published_issues": ISSUES,
        "approved_quotes": quotes,
        "hello": hello,
        "transparency_page": page,
        "transparency_feed": feed,
        "page_share_of_hello": round(page["requests_per_second"] / hello["requests_per_second"], 2),
        "feed_share_of_hello": round(feed["requests_per_second"] / hello["requests_per_second"], 2),
    }


if __name__ == "__main__":
    database = sys.argv[1] if len(sys.argv) > 1 else None
    print(json.dumps(run(database_url=database), indent=2))
