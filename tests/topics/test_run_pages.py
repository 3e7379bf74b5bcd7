"""Starting a topic run from the page, following it, and new feedback getting a topic on arrival."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.factories import make_feedback, make_form, make_topic_run
from tests.topics.themes import themed_texts
from workbench.auth.models import Role
from workbench.db import get_database, utcnow
from workbench.feedback.models import Feedback
from workbench.jobs import services as jobs
from workbench.jobs.models import Job, JobStatus
from workbench.topics.models import FeedbackTopic, TopicRun


def themed_feedback(app) -> None:
    with get_database(app).session_scope() as session:
        for _theme, text in themed_texts():
            make_feedback(session, text=text, language="en")


def test_a_product_owner_starts_a_run_and_follows_it(make_app):
    app = make_app(JOB_DISPATCHER="inline")
    themed_feedback(app)
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(app, client).login(Role.PRODUCT_OWNER)
    response = client.post("/topics/runs", data={"engine": "tfidf", "n_topics": "auto"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    with get_database(app).session_scope() as session:
        run = session.exec(select(TopicRun)).one()
        job = session.get(Job, run.job_id)
        assert job.status is JobStatus.SUCCEEDED and job.progress == 1.0
        assert run.is_current and run.metrics["n_texts"] == 60
    text = page.get_data(as_text=True)
    assert "succeeded" in text and "See the topics" in text
    assert 'http-equiv="refresh"' not in text  # finished: the page stops refreshing
    listing = client.get("/topics").get_data(as_text=True)
    assert f"topic run #{run.id}" in listing


def test_a_queued_run_page_refreshes_itself_and_a_viewer_may_not_start_one(
    make_app,
):
    app = make_app(JOB_DISPATCHER="inline")
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(app, client).login(Role.VIEWER)
    assert client.post("/topics/runs", data={}).status_code == 403
    with get_database(app).session_scope() as session:
        job = Job(kind="topic_run")
        session.add(job)
        session.flush()
        run = TopicRun(job_id=job.id)
        session.add(run)
        session.flush()
        run_id = run.id
    text = client.get(f"/topics/runs/{run_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in text and "<progress" in text


def status_cell(page: str, run_id: int) -> str:
    """The status cell of a run's row on the runs page, without its markup."""
    row = re.search(rf'/topics/runs/{run_id}".*?</tr>', page, re.S).group(0)
    cell = re.findall(r"<td>(.*?)</td>", row, re.S)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_the_pages_show_a_run_as_its_job_stands(make_app):
    app = make_app(JOB_DISPATCHER="inline")
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(app, client).login(Role.VIEWER)
    with get_database(app).session_scope() as session:
        done, _ = make_topic_run(session)
        working, _ = make_topic_run(session, current=False, status=JobStatus.RUNNING)
        working.job.progress, working.job.started_at = 0.4, utcnow()
        done_id, working_id, job_id = done.id, working.id, working.job_id

    page = client.get("/topics/runs").get_data(as_text=True)
    assert status_cell(page, done_id) == "succeeded"
    assert status_cell(page, working_id) == "running 40%"

    with get_database(app).session_scope() as session:  # the runner fails the job
        jobs.fail_job(session, job_id, "It broke.", now=utcnow())
    page = client.get("/topics/runs").get_data(as_text=True)
    assert status_cell(page, working_id) == "failed"
    detail = client.get(f"/topics/runs/{working_id}").get_data(as_text=True)
    assert "The run failed: It broke." in detail and 'http-equiv="refresh"' not in detail

    with get_database(app).session_scope() as session:  # a run whose job is gone failed
        session.delete(session.get(Job, job_id))
    page = client.get("/topics/runs").get_data(as_text=True)
    assert status_cell(page, working_id) == "failed"
    detail = client.get(f"/topics/runs/{working_id}").get_data(as_text=True)
    assert '<span class="badge">failed</span>' in detail
    assert 'http-equiv="refresh"' not in detail and "<progress" not in detail


def test_new_feedback_gets_a_topic_from_the_current_run_as_it_arrives(make_app):
    app = make_app(JOB_DISPATCHER="inline")
    themed_feedback(app)
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(app, client).login(Role.PRODUCT_OWNER)
    client.post("/topics/runs", data={"engine": "tfidf", "n_topics": "auto"})
    with get_database(app).session_scope() as session:
        form = make_form(
            session, slug="ny", language="en", ask_rating=False, attribute_questions=[]
        )
        slug = form.slug
    response = app.test_client().post(
        f"/f/{slug}",
        data={"text": "My parcel arrived a week late again", "submission_id": "0" * 32},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with get_database(app).session_scope() as session:
        item = session.exec(select(Feedback).where(Feedback.source == "form")).one()
        assigned = session.exec(
            select(FeedbackTopic).where(FeedbackTopic.feedback_id == item.id)
        ).one()
        assert assigned.predicted is True and assigned.topic_id is not None


def test_one_run_at_a_time_and_a_run_whose_process_is_gone_is_marked_failed(app):
    from datetime import timedelta

    import pytest

    from workbench.db import utcnow
    from workbench.errors import Conflict
    from workbench.topics.runs import start_topic_run
    from workbench.topics.selection import TopicRunFilters

    now = utcnow()
    with get_database(app).session_scope() as session:
        first = start_topic_run(session, TopicRunFilters(), model_dir="/tmp/unused", now=now)
        first_id = first.id
    with get_database(app).session_scope() as session, pytest.raises(Conflict):
        start_topic_run(session, TopicRunFilters(), model_dir="/tmp/unused", now=now)
    later = now + timedelta(minutes=6)  # queued, never claimed: its process is gone
    with get_database(app).session_scope() as session:
        second = start_topic_run(session, TopicRunFilters(), model_dir="/tmp/unused", now=later)
        assert second.id != first_id
    with get_database(app).session_scope() as session:
        cut_off = session.get(TopicRun, first_id)
        assert cut_off.status is JobStatus.FAILED
        assert "Interrupted" in session.get(Job, cut_off.job_id).error
