"""Running jobs: ``run_job(database, job_id)`` does one job; dispatchers decide where it runs.

The embedded default is a daemon thread inside the app (``ThreadDispatcher``); tests and the
CLI run jobs at once (``InlineDispatcher``). A queue worker later calls ``run_job`` itself with
its own app's database: nothing here depends on how a job was dispatched.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlmodel import Session

from workbench.db import Database, get_database, utcnow
from workbench.errors import WorkbenchError
from workbench.jobs import services

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

#: ``job_function(database, job_id)`` does the work and may report progress; the runner claims
#: the job before and marks it succeeded or failed after.
JobFunction = Callable[[Database, int], None]

#: Job kinds and their functions (a callable, or "module:function" imported when a job runs).
#: Jobs sit below the features that use them: each feature registers its kinds when the app is
#: built (``register_job``), so this table starts empty.
JOB_FUNCTIONS: dict[str, str | JobFunction] = {}
#: The app setting that picks the dispatcher: "thread" (default) or "inline".
DISPATCHER_SETTING = "JOB_DISPATCHER"


def register_job(kind: str, function: str | JobFunction) -> None:
    """Name the function that runs jobs of ``kind`` (a callable or "module:function")."""
    JOB_FUNCTIONS[kind] = function


def job_function(kind: str) -> JobFunction:
    target = JOB_FUNCTIONS.get(kind)
    if target is None:
        raise WorkbenchError(f"No job function for jobs of kind {kind!r}.")
    if callable(target):
        return target
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)


def failure_message(error: BaseException) -> str:
    """What the page shows: a domain error's own message, otherwise the error in one line."""
    if isinstance(error, WorkbenchError):
        return error.message
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{text} (details in the server log)"


def run_job(database: Database, job_id: int) -> None:
    """Claim the job, run its function, and record the outcome; errors never escape.

    A job that another runner has claimed already is left alone (``InvalidTransition`` is
    logged, nothing changes).
    """
    try:
        with database.session_scope() as session:
            kind = services.claim_job(session, job_id, now=utcnow()).kind
    except WorkbenchError as error:
        log.warning("Job %s not started: %s", job_id, error.message)
        return
    except Exception:
        log.exception("Job %s could not be claimed", job_id)
        return
    stop_beating = threading.Event()
    heart = threading.Thread(
        target=_beat, args=(database, job_id, stop_beating), name=f"workbench-job-{job_id}-beat"
    )
    heart.start()
    try:
        job_function(kind)(database, job_id)
    except Exception as error:  # a failed job is an outcome, recorded for the page
        log.exception("Job %s (%s) failed", job_id, kind)
        message = failure_message(error)
        _record(database, job_id, lambda s: services.fail_job(s, job_id, message, now=utcnow()))
        return
    finally:
        stop_beating.set()
        heart.join()
    _record(database, job_id, lambda s: services.finish_job(s, job_id, now=utcnow()))


def _beat(database: Database, job_id: int, stop: threading.Event) -> None:
    """Write the job's heartbeat until ``stop`` is set; long steps report no progress."""
    while not stop.wait(services.HEARTBEAT_INTERVAL.total_seconds()):
        _record(database, job_id, lambda s: services.record_heartbeat(s, job_id, now=utcnow()))


def _record(database: Database, job_id: int, change: Callable[[Session], object]) -> None:
    """Store a job's outcome; a database that fails now is logged (the job stays running)."""
    try:
        with database.session_scope() as session:
            change(session)
    except Exception:
        log.exception("The outcome of job %s could not be stored", job_id)


class Dispatcher(Protocol):
    def dispatch(self, database: Database, job_id: int) -> object: ...


class InlineDispatcher:
    """Runs the job at once, in the caller's thread (tests, CLI)."""

    def dispatch(self, database: Database, job_id: int) -> None:
        run_job(database, job_id)


class ThreadDispatcher:
    """Runs the job in a daemon thread with its own sessions on the app's database."""

    def dispatch(self, database: Database, job_id: int) -> threading.Thread:
        thread = threading.Thread(
            target=run_job, args=(database, job_id), name=f"workbench-job-{job_id}", daemon=True
        )
        thread.start()
        return thread


DISPATCHERS: dict[str, Callable[[], Dispatcher]] = {
    "thread": ThreadDispatcher,
    "inline": InlineDispatcher,
}


def dispatcher_for(app: Flask) -> Dispatcher:
    name = app.config.get(DISPATCHER_SETTING, "thread")
    if name not in DISPATCHERS:
        raise WorkbenchError(f"{DISPATCHER_SETTING} must be one of {', '.join(DISPATCHERS)}.")
    return DISPATCHERS[name]()


def dispatch(app: Flask, job_id: int) -> object:
    """Start a queued job the way the app is set up to; call it after committing the job."""
    return dispatcher_for(app).dispatch(get_database(app), job_id)
