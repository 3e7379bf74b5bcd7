"""A background job: its kind, parameters, progress and outcome, kept in the database."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from workbench.db import UTCDateTime, enum_column, utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(SQLModel, table=True):
    __tablename__ = "jobs"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50, index=True)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=enum_column(JobStatus))
    params: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # 0 to 1, and what the job is doing now, for the page that shows it.
    progress: float = 0.0
    step: str = Field(default="", max_length=200)
    error: str = Field(default="", sa_type=sa.Text)
    created_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Written by the runner every few seconds while the job runs: a job whose heartbeat
    # stopped belongs to a process that died (a restart, kill -9, a crash).
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
