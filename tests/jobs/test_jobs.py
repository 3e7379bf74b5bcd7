"""Jobs: the state machine, the runner's bookkeeping and both dispatchers."""

from __future__ import annotations

import threading
import time

import pytest

from tests.conftest import POSTGRES_URL
from workbench.db import Database, get_database, utcnow
from workbench.errors import InvalidTransition
from workbench.jobs import runner, services
from workbench.jobs.models import Job, JobStatus
from workbench.jobs.services import JobEvent, next_status

TIMEOUT = 30


def test_the_state_machine_allows_only_its_moves():
    assert next_status(JobStatus.QUEUED, JobEvent.CLAIM) is JobStatus.RUNNING
    assert next_status(JobStatus.RUNNING, JobEvent.SUCCEED) is JobStatus.SUCCEEDED
    assert next_status(JobStatus.RUNNING, JobEvent.FAIL) is JobStatus.FAILED
    assert next_status(JobStatus.QUEUED, JobEvent.FAIL) is JobStatus.FAILED
    for status, event in [
        (JobStatus.RUNNING, JobEvent.CLAIM),
        (JobStatus.SUCCEEDED, JobEvent.CLAIM),
        (JobStatus.FAILED, JobEvent.SUCCEED),
        (JobStatus.QUEUED, JobEvent.SUCCEED),
    ]:
        with pytest.raises(InvalidTransition):
            next_status(status, event)


def queue(database: Database, kind: str) -> int:
    with database.session_scope() as session:
        return services.create_job(session, kind, {"n": 1}, now=utcnow()).id


def load(database: Database, job_id: int) -> Job:
    with database.session_scope() as session:
        return session.get(Job, job_id)


@pytest.fixture
def register(monkeypatch):
    def add(kind, function):
        monkeypatch.setitem(runner.JOB_FUNCTIONS, kind, function)

    return add


def steady_job(database: Database, job_id: int) -> None:
    for progress, step in [(0.3, "First half"), (0.8, "Second half")]:
        with database.session_scope() as session:
            job = services.report_progress(session, job_id, progress, step)
            assert job.status == JobStatus.RUNNING


def broken_job(database: Database, job_id: int) -> None:
    raise RuntimeError("the disk\nis full")


def test_a_job_goes_from_queued_through_running_to_succeeded(app, register):
    register("steady", steady_job)
    database = get_database(app)
    job_id = queue(database, "steady")
    assert load(database, job_id).status == JobStatus.QUEUED

    runner.InlineDispatcher().dispatch(database, job_id)

    job = load(database, job_id)
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress == 1.0
    assert job.error == ""
    assert job.params == {"n": 1}
    assert job.started_at is not None and job.finished_at >= job.started_at


def test_a_failing_job_function_leaves_the_job_failed_with_its_error(app, register):
    register("broken", broken_job)
    database = get_database(app)
    job_id = queue(database, "broken")

    runner.run_job(database, job_id)  # never raises

    job = load(database, job_id)
    assert job.status == JobStatus.FAILED
    assert job.error == "the disk is full (details in the server log)"
    assert "Traceback" not in job.error
    assert job.finished_at is not None


def test_a_job_of_an_unknown_kind_fails_with_a_message(app):
    database = get_database(app)
    job_id = queue(database, "no-such-kind")
    runner.run_job(database, job_id)
    job = load(database, job_id)
    assert job.status == JobStatus.FAILED
    assert "no-such-kind" in job.error


def test_a_running_job_cannot_be_claimed_twice(app, register):
    calls = []
    register("counted", lambda database, job_id: calls.append(job_id))
    database = get_database(app)
    job_id = queue(database, "counted")
    with database.session_scope() as session:
        services.claim_job(session, job_id, now=utcnow())
    with database.session_scope() as session, pytest.raises(InvalidTransition):
        services.claim_job(session, job_id, now=utcnow())

    runner.run_job(database, job_id)  # a second runner leaves it alone

    assert calls == []
    assert load(database, job_id).status == JobStatus.RUNNING


def test_progress_is_refused_for_a_job_that_is_not_running(app):
    database = get_database(app)
    job_id = queue(database, "anything")
    with database.session_scope() as session, pytest.raises(InvalidTransition):
        services.report_progress(session, job_id, 0.5, "Half")


def wait_until_done(database: Database, job_id: int, thread: threading.Thread) -> Job:
    """Poll the job until it is finished. On PostgreSQL the test's database is one connection
    in an outer transaction, which two threads must not use at once: join the thread first."""
    if POSTGRES_URL:
        thread.join(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job = load(database, job_id)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish within {TIMEOUT} s")


def test_the_thread_dispatcher_runs_the_job_in_a_background_thread(app, register):
    ran_in = []
    started = threading.Event()

    def threaded_job(database: Database, job_id: int) -> None:
        ran_in.append(threading.current_thread())
        started.wait(TIMEOUT)  # the caller got its answer before the job went on
        steady_job(database, job_id)

    register("threaded", threaded_job)
    database = get_database(app)
    job_id = queue(database, "threaded")

    thread = runner.ThreadDispatcher().dispatch(database, job_id)
    assert thread.daemon and thread is not threading.current_thread()
    started.set()
    job = wait_until_done(database, job_id, thread)

    assert job.status == JobStatus.SUCCEEDED and job.progress == 1.0
    assert ran_in == [thread]
    thread.join(TIMEOUT)


def test_dispatch_follows_the_app_setting(make_app, register):
    register("steady", steady_job)
    app = make_app(JOB_DISPATCHER="inline")
    database = get_database(app)
    job_id = queue(database, "steady")
    assert runner.dispatch(app, job_id) is None  # inline: done on return
    assert load(database, job_id).status == JobStatus.SUCCEEDED
    assert isinstance(runner.dispatcher_for(make_app()), runner.ThreadDispatcher)
