"""Topic runs and topics.

A topic is a stable identity (``topics``) that outlives runs: the engine's alignment maps each
new run's clusters onto earlier ids, and manual edits (a name, a merge, a moved item) are kept
on the identity or beside the run, so they survive the next run. What a run found for a topic
is a ``TopicVersion``; which topic a feedback item belongs to in a run is a ``FeedbackTopic``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlmodel import Field, Relationship, SQLModel

from workbench.db import UTCDateTime, utcnow
from workbench.jobs.models import Job, JobStatus


class TopicRun(SQLModel, table=True):
    """A run's status and end come from its job (``status``, ``finished_at``): the runner
    records them there, once; a run whose job is gone counts as failed."""

    __tablename__ = "topic_runs"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int | None = Field(default=None, foreign_key="jobs.id", ondelete="SET NULL")
    # Loaded with the run (one JOIN), so a run read in one session still knows its status.
    job: Job | None = Relationship(sa_relationship=orm.relationship(Job, lazy="joined"))
    # Filters (date range, source, language, form, journey stage) and engine settings.
    params: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    versions: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    timings: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # The fitted model, saved under the instance folder, so new feedback can be assigned.
    model_path: str = Field(default="", max_length=500)
    is_current: bool = Field(default=False, index=True)
    created_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def status(self) -> JobStatus:
        return JobStatus.FAILED if self.job is None else self.job.status

    @property
    def finished_at(self) -> datetime | None:
        return None if self.job is None else self.job.finished_at


class Topic(SQLModel, table=True):
    """A topic's lasting identity: its id is the stable topic id across runs."""

    __tablename__ = "topics"

    id: int | None = Field(default=None, primary_key=True)
    # A name given by staff; shown instead of the engine's label, and kept across runs.
    custom_label: str = Field(default="", max_length=200)
    merged_into_id: int | None = Field(
        default=None, foreign_key="topics.id", index=True, ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TopicVersion(SQLModel, table=True):
    """What one run found for one topic."""

    __tablename__ = "topic_versions"
    __table_args__ = (sa.UniqueConstraint("run_id", "topic_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="topic_runs.id", index=True, ondelete="CASCADE")
    topic_id: int = Field(foreign_key="topics.id", index=True, ondelete="CASCADE")
    # The engine's own topic number in this run (before alignment), for debugging.
    engine_topic: int
    label: str = Field(max_length=200)
    keywords: list[Any] = Field(default_factory=list, sa_type=sa.JSON)
    size: int = 0
    # The polarity the topic's items share ("negative", "neutral", "positive"); "" for runs
    # made before topics were split by polarity.
    polarity: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    # The theme (a group of close topics) this topic was in: its number in the run, -1 none.
    theme: int = Field(default=-1, sa_column_kwargs={"server_default": "-1"})
    theme_label: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    representative_feedback_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)


class FeedbackTopic(SQLModel, table=True):
    """A feedback item's topic in one run (fitted, or predicted when it arrived later)."""

    __tablename__ = "feedback_topics"
    __table_args__ = (sa.UniqueConstraint("run_id", "feedback_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="topic_runs.id", index=True, ondelete="CASCADE")
    feedback_id: int = Field(foreign_key="feedback.id", index=True, ondelete="CASCADE")
    # None: the engine's unclear bucket.
    topic_id: int | None = Field(
        default=None, foreign_key="topics.id", index=True, ondelete="CASCADE"
    )
    predicted: bool = False
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FeedbackEmbedding(SQLModel, table=True):
    """A feedback item's sentence embedding, computed once for the multilingual engine.

    ``text_sha256`` is the hash of the text it was computed from: an edited or erased text
    no longer matches, and its vector is never used again (and is deleted by the next run).
    """

    __tablename__ = "feedback_embeddings"

    feedback_id: int = Field(foreign_key="feedback.id", primary_key=True, ondelete="CASCADE")
    model: str = Field(max_length=100)
    text_sha256: str = Field(max_length=64)
    vector: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TopicMove(SQLModel, table=True):
    """A feedback item moved to a topic by hand; it wins over every run's assignment."""

    __tablename__ = "topic_moves"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", unique=True, ondelete="CASCADE")
    topic_id: int = Field(foreign_key="topics.id", index=True, ondelete="CASCADE")
    moved_by_id: int | None = Field(default=None, foreign_key="staff_users.id", ondelete="SET NULL")
    moved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
