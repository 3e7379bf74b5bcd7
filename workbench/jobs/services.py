"""A job's life: queued, claimed by one runner, progress reported, then succeeded or failed."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from workbench.db import utcnow
from workbench.errors import InvalidTransition, NotFound
from workbench.jobs.models import Job, JobStatus

#: Longest error message kept on a job (the page shows it; the log has the rest).
MAX_ERROR_LENGTH = 2000
MAX_STEP_LENGTH = 200
#: How often a runner writes its heartbeat, and how long a silent running job is trusted.
HEARTBEAT_INTERVAL = timedelta(seconds=15)
HEARTBEAT_TIMEOUT = timedelta(minutes=2)
#: A queued job no runner has claimed for this long was lost with its process.
START_TIMEOUT = timedelta(minutes=5)


class JobEvent(StrEnum):
    CLAIM = "claim"
    SUCCEED = "succeed"
    FAIL = "fail"


TRANSITIONS: dict[tuple[JobStatus, JobEvent], JobStatus] = {
    (JobStatus.QUEUED, JobEvent.CLAIM): JobStatus.RUNNING,
    (JobStatus.RUNNING, JobEvent.SUCCEED): JobStatus.SUCCEEDED,
    (JobStatus.RUNNING, JobEvent.FAIL): JobStatus.FAILED,
    # A job that cannot even start (its kind is unknown, say) fails from the queue.
    (JobStatus.QUEUED, JobEvent.FAIL): JobStatus.FAILED,
}


def next_status(status: JobStatus, event: JobEvent) -> JobStatus:
    """The status after ``event``; refuses moves the state machine does not allow."""
    try:
        return TRANSITIONS[(JobStatus(status), event)]
    except KeyError:
        raise InvalidTransition(f"A {status} job cannot {event}.") from None


def create_job(
    session: Session,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    created_by_id: int | None = None,
    now: datetime,
) -> Job:
    """Queue a job of ``kind``; whatever dispatches it runs it after the caller commits."""
    job = Job(kind=kind, params=dict(params or {}), created_by_id=created_by_id, created_at=now)
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return job


def claim_job(session: Session, job_id: int, *, now: datetime) -> Job:
    """Mark a queued job running; a job already claimed (or done) is refused.

    The row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writer takes the
    database lock) so that two runners cannot both claim it.
    """
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    job.status = next_status(job.status, JobEvent.CLAIM)
    job.started_at = job.heartbeat_at = now
    job.progress = 0.0
    job.step = "Starting"
    job.error = ""
    session.add(job)
    session.flush()
    return job


def record_heartbeat(session: Session, job_id: int, *, now: datetime) -> None:
    """The runner is alive: one UPDATE, so it never waits on the job's own row changes."""
    session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(heartbeat_at=now)
    )


def is_alive(job: Job, *, now: datetime) -> bool:
    """Whether a queued or running job still has a process behind it."""
    if job.status is JobStatus.RUNNING:
        return (job.heartbeat_at or job.started_at or job.created_at) > now - HEARTBEAT_TIMEOUT
    if job.status is JobStatus.QUEUED:
        return job.created_at > now - START_TIMEOUT
    return False


def report_progress(session: Session, job_id: int, progress: float, step: str) -> Job:
    """Record how far a running job is (0 to 1) and what it is doing now."""
    job = get_job(session, job_id)
    if job.status != JobStatus.RUNNING:
        raise InvalidTransition(f"Job {job_id} is {job.status}, not running.")
    job.progress = min(1.0, max(0.0, float(progress)))
    job.heartbeat_at = utcnow()
    job.step = step[:MAX_STEP_LENGTH]
    session.add(job)
    session.flush()
    return job


def finish_job(session: Session, job_id: int, *, now: datetime) -> Job:
    """Mark a running job succeeded."""
    job = get_job(session, job_id)
    job.status = next_status(job.status, JobEvent.SUCCEED)
    job.progress = 1.0
    job.step = "Done"
    job.finished_at = now
    session.add(job)
    session.flush()
    return job


def fail_job(session: Session, job_id: int, error: str, *, now: datetime) -> Job:
    """Mark a job failed with a message for the page (never a traceback)."""
    job = get_job(session, job_id)
    job.status = next_status(job.status, JobEvent.FAIL)
    job.error = (error.strip() or "The job failed.")[:MAX_ERROR_LENGTH]
    job.step = "Failed"
    job.finished_at = now
    session.add(job)
    session.flush()
    return job
