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
    # What the public transparency page shows; nothing is public until ``published``.
    public_title: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    public_answer: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    published: bool = Field(
        default=False, index=True, sa_column_kwargs={"server_default": sa.false()}
    )
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    public_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IssueTopic(SQLModel, table=True):
    __tablename__ = "issue_topics"
    __table_args__ = (sa.UniqueConstraint("issue_id", "topic_id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", index=True, ondelete="CASCADE")
    topic_id: int = Field(foreign_key="topics.id", index=True, ondelete="CASCADE")
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    linked_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )


class IssueFeedback(SQLModel, table=True):
    """A feedback item linked to an issue directly (topics link whole groups)."""

    __tablename__ = "issue_feedback"
    __table_args__ = (sa.UniqueConstraint("issue_id", "feedback_id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", index=True, ondelete="CASCADE")
    feedback_id: int = Field(foreign_key="feedback.id", index=True, ondelete="CASCADE")
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PublicQuote(SQLModel, table=True):
    """A customer's words chosen for the public page: redacted, and public once approved."""

    __tablename__ = "public_quotes"
    __table_args__ = (sa.UniqueConstraint("issue_id", "feedback_id"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", index=True, ondelete="CASCADE")
    feedback_id: int = Field(foreign_key="feedback.id", index=True, ondelete="CASCADE")
    # nlp.redact's output with the register's names; the raw feedback text is never copied.
    text: str = Field(sa_type=sa.Text)
    language: str = Field(default="sv", max_length=8)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IssueEvent(SQLModel, table=True):
    """One line of an issue's audit trail: who changed what, when."""

    __tablename__ = "issue_events"

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issues.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="staff_users.id", ondelete="SET NULL")
    action: str = Field(max_length=50)
    detail: str = Field(default="", sa_type=sa.Text)
