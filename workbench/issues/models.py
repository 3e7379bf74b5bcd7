"""Issues and their audit trail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from workbench.db import UTCDateTime, enum_column, utcnow


class IssueKind(StrEnum):
    USABILITY = "usability"
    PRODUCT = "product"
    SERVICE = "service"


class IssueStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_FIX = "wont_fix"


# Nielsen's severity scale.
SEVERITY_LABELS = {
    0: "not a problem",
    1: "cosmetic",
    2: "minor",
    3: "major",
    4: "catastrophe",
}


class Issue(SQLModel, table=True):
    __tablename__ = "issues"
    __table_args__ = (sa.CheckConstraint("severity BETWEEN 0 AND 4", name="severity_range"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    kind: IssueKind = Field(default=IssueKind.USABILITY, sa_type=enum_column(IssueKind))
    severity: int = 2
    status: IssueStatus = Field(
        default=IssueStatus.NEW, sa_type=enum_column(IssueStatus), index=True
    )
    owner_id: int | None = Field(default=None, foreign_key="staff_users.id", ondelete="SET NULL")
    # Set when this issue was merged into another; it then stays only as a pointer.
    merged_into_id: int | None = Field(
        default=None, foreign_key="issues.id", index=True, ondelete="SET NULL"
    )
    created_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssueEvent(SQLModel, table=True):
    """One line of an issue's audit trail: who changed what, when."""

    __tablename__ = "issue_events"

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff_users.id", ondelete="SET NULL")
    action: str = Field(max_length=50)
    detail: str = Field(default="", sa_type=sa.Text)
