"""Topic runs: start one over all or some feedback, run it as a job, keep topic ids stable.

A run's topics are ``Topic`` identities that outlive it: the fit is aligned with the current
run (a warm re-fit from its topics when most texts were in it, then the engine's id
alignment), so the same topics keep their ``Topic.id`` and with it their names, merges and
links. Moves by hand (``TopicMove``) are never touched; they win when assignments are read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.services import register_names
from workbench.db import Database, in_chunks, utcnow
from workbench.errors import Conflict, NotFound, ValidationFailed
from workbench.feedback.models import Feedback
from workbench.jobs import services as jobs
from workbench.jobs.models import Job, JobStatus
from workbench.topics import clustering, embeddings
from workbench.topics.alignment import kept_labels, merge_targets, topic_identities
from workbench.topics.assignments import current_run
from workbench.topics.embeddings import (
    compute_and_store,
    purge_erased_embeddings,
    stack,
    stored_embeddings,
)
from workbench.topics.models import FeedbackTopic, TopicRun, TopicVersion
from workbench.topics.polarity import corpus_polarity, refit_polarity
from workbench.topics.selection import TopicRunFilters, clusterable_feedback

log = logging.getLogger(__name__)

JOB_KIND = "topic_run"
#: Where runs keep their fitted models, inside the app's instance folder.
MODEL_FOLDER = "topic-models"
#: A warm re-fit (from the current run's topics) needs at least this share of the texts to
#: have a topic in the current run; otherwise the fit starts afresh and ids are aligned.
WARM_MIN_SHARE = 0.5
REPRESENTATIVES = 3
CHUNK = 1000
#: A dead run's job error (the migration that moved run status onto jobs uses the same text).
INTERRUPTED = "Interrupted: the process running it stopped."


def model_folder(instance_path: str | Path) -> Path:
    """The folder for fitted models in an app's instance folder."""
    return Path(instance_path) / MODEL_FOLDER


def _refuse_a_second_run(session: Session, *, now: datetime) -> None:
    """One run at a time; a run whose job's heartbeat stopped (its process died: a restart,
    kill -9) fails with its job instead, within minutes. A run whose results were stored
    (it is current) but whose process died before the job was marked done succeeded."""
    unfinished = session.exec(
        select(TopicRun)
        .join(Job, TopicRun.job_id == Job.id)
        .where(Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
    ).all()
    for run in unfinished:
        if jobs.is_alive(run.job, now=now):
            raise Conflict(f"Run {run.id} is still working; wait for it to finish.")
        if run.is_current and run.job.status is JobStatus.RUNNING:
            jobs.finish_job(session, run.job_id, now=now)
        else:
            jobs.fail_job(session, run.job_id, INTERRUPTED, now=now)
    session.flush()


def start_topic_run(
    session: Session,
    filters: TopicRunFilters,
    *,
    model_dir: str | Path,
    engine: str = "tfidf",
    n_topics: str | int = "auto",
    random_state: int = 0,
    warm: bool = True,
    created_by_id: int | None = None,
    now: datetime,
) -> TopicRun:
    """Queue a run (and its job); dispatch the job after committing.

    ``warm=False`` fits afresh: a warm re-fit keeps the current topics and creates none, so
    a new theme only shows up as a topic of its own after a fresh run.
    """
    filters.check()
    if engine not in clustering.ENGINES:
        raise ValidationFailed(f"engine must be one of {', '.join(clustering.ENGINES)}.")
    if n_topics != "auto" and (isinstance(n_topics, bool) or not isinstance(n_topics, int)):
        raise ValidationFailed("The number of topics must be 'auto' or a whole number.")
    if n_topics != "auto" and n_topics < 1:
        raise ValidationFailed("The number of topics must be at least 1.")
    _refuse_a_second_run(session, now=now)
    job = jobs.create_job(
        session, JOB_KIND, {"model_dir": str(model_dir)}, created_by_id=created_by_id, now=now
    )
    params = {
        "filters": filters.as_params(),
        "engine": engine,
        "n_topics": n_topics,
        "random_state": random_state,
        "warm": warm,
    }
    run = TopicRun(
        job=job,
        params=params,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(run)
    session.flush()
    job.params = {**job.params, "run_id": run.id}
    session.add(job)
    session.flush()
    return run


def run_for_job(session: Session, job_id: int) -> TopicRun:
    run = session.exec(select(TopicRun).where(TopicRun.job_id == job_id)).first()
    if run is None:
        raise NotFound(f"Job {job_id} has no topic run.")
    return run


def execute_topic_run(database: Database, job_id: int) -> None:
    """The job function: fit, align and store a run; an error is raised for the runner, which
    fails the job (and with it the run), and the current run stays current."""
    with database.session_scope() as session:
        run_id = run_for_job(session, job_id).id
    _execute(database, job_id, run_id)


def _progress(database: Database, job_id: int, progress: float, step: str) -> None:
    with database.session_scope() as session:
        jobs.report_progress(session, job_id, progress, step)


@dataclass
class _Corpus:
    ids: list[int]
    texts: list[str]
    previous_labels: list[int]  # the current run's topic of each text, merges followed
    previous_run: TopicRun | None
    names: list[str]  # the register's names: never a topic's label or keyword


def _read(session: Session, run: TopicRun) -> _Corpus:
    filters = TopicRunFilters.from_params(run.params.get("filters", {}))
    rows = session.execute(filters.apply(clusterable_feedback()).order_by(Feedback.id)).all()
    previous = current_run(session)
    earlier: dict[int, int] = {}
    if previous is not None:
        query = sa.select(FeedbackTopic.feedback_id, FeedbackTopic.topic_id).where(
            FeedbackTopic.run_id == previous.id, FeedbackTopic.topic_id.is_not(None)
        )
        earlier = dict(session.execute(query).tuples().all())
    merged = merge_targets(session).target
    labels = [merged(earlier.get(row.id, clustering.UNCLEAR)) for row in rows]
    names = register_names(session)
    return _Corpus([r.id for r in rows], [r.text for r in rows], labels, previous, names)


def _embed(database: Database, job_id: int, corpus: _Corpus):
    """The corpus's sentence vectors: those stored, and the missing ones computed and stored a
    batch at a time (each batch its own transaction: a cut-off run keeps what it computed)."""
    _progress(database, job_id, 0.2, "Reading meaning (sentence embeddings)")
    with database.session_scope() as session:
        vectors = stored_embeddings(session, corpus.ids, corpus.texts)
    missing = [i for i, feedback_id in enumerate(corpus.ids) if feedback_id not in vectors]
    for done, chunk in enumerate(in_chunks(missing, embeddings.BATCH), start=1):
        with database.session_scope() as session:
            vectors.update(
                compute_and_store(
                    session, [corpus.ids[i] for i in chunk], [corpus.texts[i] for i in chunk]
                )
            )
        finished = min(done * embeddings.BATCH, len(missing))
        _progress(
            database,
            job_id,
            0.2 + 0.4 * finished / len(missing),
            f"Reading meaning: {finished} of {len(missing)} new texts",
        )
    return stack(vectors, corpus.ids)


def _execute(database: Database, job_id: int, run_id: int) -> None:
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    _progress(database, job_id, 0.05, "Reading feedback")
    with database.session_scope() as session:
        purge_erased_embeddings(session)  # whatever this run finds, erased texts go
    with database.session_scope() as session:
        run = session.get(TopicRun, run_id)
        params = dict(run.params)
        model_dir = Path(session.get(Job, job_id).params["model_dir"])
        corpus = _read(session, run)
    if len(corpus.texts) < 2:
        raise ValidationFailed(
            f"Topics need at least 2 feedback texts; the filters match {len(corpus.texts)}."
        )
    timings["select_seconds"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _progress(database, job_id, 0.15, "Learning praise and complaints from rated feedback")
    with database.session_scope() as session:
        polarity_model, predicted = refit_polarity(session)
        polarity = corpus_polarity(session, corpus.ids)
    timings["polarity_seconds"] = time.perf_counter() - clock

    vectors = None
    if params["engine"] in clustering.EMBEDDING_ENGINES:
        clock = time.perf_counter()
        vectors = _embed(database, job_id, corpus)
        timings["embed_seconds"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _progress(database, job_id, 0.6, f"Finding topics in {len(corpus.texts)} texts")
    labelled = sum(label != clustering.UNCLEAR for label in corpus.previous_labels)
    warm = (
        params.get("warm", True)
        and params["n_topics"] == "auto"
        and corpus.previous_run is not None
        and corpus.previous_run.params.get("engine") == params["engine"]
        and labelled >= WARM_MIN_SHARE * len(corpus.texts)
    )
    language = TopicRunFilters.from_params(params["filters"]).language
    fitted = clustering.fit_topics(
        corpus.texts,
        previous_labels=corpus.previous_labels if warm else None,
        polarity=polarity,
        exclude_words=corpus.names,
        embeddings=vectors,
        engine=params["engine"],
        n_topics=params["n_topics"],
        language=language if language in clustering.LANGUAGES else "auto",
        random_state=params["random_state"],
    )
    timings["fit_seconds"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _progress(database, job_id, 0.7, "Saving topics")
    model_path = model_dir / f"run-{run_id}.pkl"
    try:
        clustering.save_topic_model(polarity_model, clustering.polarity_model_path(model_path))
        with database.session_scope() as session:
            _store(session, session.get(TopicRun, run_id), corpus, fitted, model_path)
            timings["store_seconds"] = time.perf_counter() - clock
            run = session.get(TopicRun, run_id)
            run.timings = {name: round(value, 3) for name, value in timings.items()}
            run.metrics = {
                **run.metrics,
                "polarity_rated": polarity_model.n_rated_,
                "polarity_predicted": predicted,
            }
            session.add(run)
    except BaseException:
        model_path.unlink(missing_ok=True)
        clustering.polarity_model_path(model_path).unlink(missing_ok=True)
        raise


def _store(
    session: Session,
    run: TopicRun,
    corpus: _Corpus,
    fitted: clustering.FittedTopics,
    model_path: Path,
) -> None:
    """Map clusters onto topic identities, save the model, store versions and assignments,
    and make the run current."""
    merges = merge_targets(session)
    identities = topic_identities(session, corpus.previous_labels, fitted, merges)
    known = set(corpus.previous_labels) - {clustering.UNCLEAR}
    new_topics = sum(merges.target(target) not in known for target in identities.values())
    fitted = clustering.relabel(fitted, identities)
    clustering.save_topic_model(fitted.model, model_path)

    merged = merges.target
    groups: dict[int, list[tuple[int, clustering.TopicSummary]]] = {}
    by_identity = {topic.id: topic for topic in fitted.topics}
    for engine_id, topic_id in identities.items():
        groups.setdefault(merged(topic_id), []).append((engine_id, by_identity[topic_id]))
    labels = kept_labels(
        session, corpus.previous_run.id if corpus.previous_run else None, fitted, groups
    )
    for topic_id, parts in groups.items():
        parts.sort(key=lambda part: (part[1].id != topic_id, -part[1].size))
        engine_id, main = parts[0]
        representative = [corpus.ids[i] for _, part in parts for i in part.representative_rows]
        session.add(
            TopicVersion(
                run_id=run.id,
                topic_id=topic_id,
                engine_topic=engine_id,
                label=labels.get(topic_id, main.label)[:200],
                keywords=[[word, weight] for word, weight in main.keywords],
                size=sum(part.size for _, part in parts),
                polarity=main.polarity,
                theme=main.theme,
                theme_label=main.theme_label[:200],
                representative_feedback_ids=representative[:REPRESENTATIVES],
            )
        )
    now = utcnow()
    rows = [
        {
            "run_id": run.id,
            "feedback_id": feedback_id,
            "topic_id": None if label == clustering.UNCLEAR else merged(label),
            "predicted": False,
            "assigned_at": now,
        }
        for feedback_id, label in zip(corpus.ids, fitted.labels, strict=True)
    ]
    for chunk in in_chunks(rows):
        session.execute(sa.insert(FeedbackTopic), chunk)

    unclear = sum(label == clustering.UNCLEAR for label in fitted.labels)
    kept = [
        before == merged(after)
        for before, after in zip(corpus.previous_labels, fitted.labels, strict=True)
        if before != clustering.UNCLEAR
    ]
    run.metrics = {
        "n_texts": len(corpus.ids),
        "n_topics": len(groups),
        "n_new_topics": new_topics,
        "n_unclear": unclear,
        "unclear_share": round(unclear / len(corpus.ids), 4),
        "warm_start": fitted.warm_start,
        "kept_share": round(sum(kept) / len(kept), 4) if kept else None,
        "previous_run_id": corpus.previous_run.id if corpus.previous_run else None,
    }
    run.versions = clustering.library_versions()
    run.model_path = str(model_path)
    session.execute(
        sa.update(TopicRun).where(TopicRun.is_current.is_(True)).values(is_current=False)
    )
    run.is_current = True
    session.add(run)
    session.flush()


def recent_runs(session: Session, limit: int = 50) -> list[TopicRun]:
    """The newest runs (each with its job, ``run.job``), for the runs page."""
    return list(session.exec(select(TopicRun).order_by(TopicRun.id.desc()).limit(limit)).all())


def get_run(session: Session, run_id: int) -> TopicRun:
    """A run with its job (``run.job``, None when the job is gone)."""
    run = session.get(TopicRun, run_id)
    if run is None:
        raise NotFound("No such topic run.")
    return run
