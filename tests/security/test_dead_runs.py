"""A topic run whose process died is noticed within minutes from its job's heartbeat, not after
two hours; a live run, even a slow one, keeps its place."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from workbench.db import get_database, utcnow
from workbench.errors import Conflict
from workbench.jobs import runner, services
from workbench.jobs.models import Job, JobStatus
from workbench.topics.models import TopicRun
from workbench.topics.runs import start_topic_run
from workbench.topics.selection import TopicRunFilters


def claimed_run(app, *, now):
    """A run whose job a runner claimed at ``now`` (and then, say, was killed)."""
    with get_database(app).session_scope() as session:
        run = start_topic_run(session, TopicRunFilters(), model_dir="/tmp/unused", now=now)
        services.claim_job(session, run.job_id, now=now)
        return run.id, run.job_id


def test_a_running_job_without_a_heartbeat_for_minutes_is_interrupted(app):
    now = utcnow()
    run_id, job_id = claimed_run(app, now=now)
    with get_database(app).session_scope() as session, pytest.raises(Conflict):
        start_topic_run(session, TopicRunFilters(), model_dir="/tmp/unused", now=now)
    three_minutes_later = now + timedelta(minutes=3)
    with get_database(app).session_scope() as session:
        start_topic_run(
            session, TopicRunFilters(), model_dir="/tmp/unused", now=three_minutes_later
        )
    with get_database(app).session_scope() as session:
        assert session.get(TopicRun, run_id).status is JobStatus.FAILED
        assert "Interrupted" in session.get(Job, job_id).error


def test_a_run_that_stored_its_topics_before_its_process_died_succeeded(app):
    """Its results are committed (it is current); only the job's "done" was lost."""
    now = utcnow()
    run_id, _job_id = claimed_run(app, now=now)
    with get_database(app).session_scope() as session:
        session.get(TopicRun, run_id).is_current = True
    three_minutes_later = now + timedelta(minutes=3)
    with get_database(app).session_scope() as session:
        start_topic_run(
            session, TopicRunFilters(), model_dir="/tmp/unused", now=three_minutes_later
        )
    with get_database(app).session_scope() as session:
        run = session.get(TopicRun, run_id)
        assert run.status is JobStatus.SUCCEEDED and run.is_current
        assert run.finished_at == three_minutes_later and run.job.error == ""


def test_a_slow_run_with_a_fresh_heartbeat_keeps_its_place(app):
    now = utcnow()
    _run_id, job_id = claimed_run(app, now=now)
    an_hour_later = now + timedelta(hours=1)
    with get_database(app).session_scope() as session:
        services.record_heartbeat(session, job_id, now=an_hour_later - timedelta(seconds=20))
    with get_database(app).session_scope() as session, pytest.raises(Conflict):
        start_topic_run(session, TopicRunFilters(), model_dir="/tmp/unused", now=an_hour_later)


def test_the_runner_beats_while_a_long_step_reports_nothing(app, monkeypatch):
    monkeypatch.setattr(services, "HEARTBEAT_INTERVAL", timedelta(seconds=0.05))
    seen = []
    release = threading.Event()

    def silent_step(database, job_id):
        time.sleep(0.4)
        with database.session_scope() as session:
            seen.append(session.get(Job, job_id).heartbeat_at)
        release.set()

    runner.register_job("test-silent", silent_step)
    database = get_database(app)
    with database.session_scope() as session:
        job_id = services.create_job(session, "test-silent", now=utcnow()).id
    started = utcnow()
    runner.run_job(database, job_id)
    assert release.is_set()
    assert seen[0] > started + timedelta(seconds=0.1)
    with database.session_scope() as session:
        assert session.get(Job, job_id).status is JobStatus.SUCCEEDED
