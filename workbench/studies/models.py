"""Studies, their tasks, participants, session slots, bookings and recruitment settings."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from workbench.db import UTCDateTime, enum_column, utcnow

DEFAULT_TIMEZONE = "Europe/Stockholm"


class StudyStatus(StrEnum):
    DRAFT = "draft"
    RECRUITING = "recruiting"
    FIELDWORK = "fieldwork"
    ANALYSIS = "analysis"
    CLOSED = "closed"


class StudyMethod(StrEnum):
    IN_PERSON = "moderated_in_person"
    REMOTE = "moderated_remote"
    UNMODERATED = "unmoderated"


class IncentiveKind(StrEnum):
    LOYALTY_POINTS = "loyalty_points"
    GIFT = "gift"
    VOUCHER = "voucher"


class ParticipantStatus(StrEnum):
    SHORTLISTED = "shortlisted"  # chosen for the study, not invited yet
    WAITLISTED = "waitlisted"  # next in line when someone declines or cancels
    INVITED = "invited"
    ACCEPTED = "accepted"  # said yes; has a booking or is waiting for a free slot
    DECLINED = "declined"
    CANCELLED = "cancelled"  # said yes, then cancelled
    WITHDRAWN = "withdrawn"  # withdrew research consent
    DROPPED = "dropped"  # taken off the list by a researcher
    COMPLETED = "completed"  # took part in their session
    NO_SHOW = "no_show"  # did not come to their session


class Study(SQLModel, table=True):
    __tablename__ = "studies"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    research_goal: str = Field(default="", sa_type=sa.Text)
    method: StudyMethod = Field(default=StudyMethod.REMOTE, sa_type=enum_column(StudyMethod))
    meeting_link: str = Field(default="", max_length=500)
    target_participants: int = 6
    over_recruit_factor: float = 1.5
    incentive_kind: IncentiveKind = Field(
        default=IncentiveKind.VOUCHER, sa_type=enum_column(IncentiveKind)
    )
    incentive_value: int = 0
    incentive_note: str = Field(default="", max_length=200)
    session_minutes: int = 60
    # The screener's rules as the researcher set them; see studies.screening.ScreenerRules.
    screener: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    status: StudyStatus = Field(default=StudyStatus.DRAFT, sa_type=enum_column(StudyStatus))
    created_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StudyTask(SQLModel, table=True):
    __tablename__ = "study_tasks"
    __table_args__ = (sa.UniqueConstraint("study_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="studies.id", index=True, ondelete="CASCADE")
    position: int
    description: str = Field(sa_type=sa.Text)
    success_criterion: str = Field(default="", sa_type=sa.Text)


class StudyParticipant(SQLModel, table=True):
    """A customer's place in one study, from shortlist to booked session."""

    __tablename__ = "study_participants"
    __table_args__ = (sa.UniqueConstraint("study_id", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="studies.id", index=True, ondelete="CASCADE")
    customer_id: int = Field(foreign_key="customers.id", index=True, ondelete="CASCADE")
    status: ParticipantStatus = Field(sa_type=enum_column(ParticipantStatus))
    rank: int | None = None
    reason: str = Field(default="", max_length=300)
    added_by_hand: bool = False
    invited_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped on every calendar change so that mail clients replace the earlier event.
    calendar_sequence: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InvitationToken(SQLModel, table=True):
    """A participant's link; only its SHA-256 is kept. Every e-mail with a link gets its own."""

    __tablename__ = "invitation_tokens"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="study_participants.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SessionSlot(SQLModel, table=True):
    __tablename__ = "session_slots"

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="studies.id", index=True, ondelete="CASCADE")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int = 60
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    location: str = Field(default="", max_length=300)
    meeting_link: str = Field(default="", max_length=500)
    moderator_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Booking(SQLModel, table=True):
    """A participant in a slot; the partial unique indexes make double bookings impossible."""

    __tablename__ = "bookings"
    __table_args__ = (
        sa.Index(
            "uq_bookings_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=sa.text("cancelled_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL"),
        ),
        sa.Index(
            "uq_bookings_active_participant",
            "participant_id",
            unique=True,
            sqlite_where=sa.text("cancelled_at IS NULL"),
            postgresql_where=sa.text("cancelled_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(foreign_key="session_slots.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="study_participants.id", index=True, ondelete="CASCADE")
    booked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecruitmentSettings(SQLModel, table=True):
    """Governance rules an admin may change; one row (id 1), created with the defaults."""

    __tablename__ = "recruitment_settings"

    id: int | None = Field(default=None, primary_key=True)
    invitation_cooldown_days: int = 90
    max_studies_per_year: int = 2
    invitation_valid_days: int = 21
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


class TaskOutcome(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"
    FAIL = "fail"
    SKIPPED = "skipped"


class StudySession(SQLModel, table=True):
    """One participant's session as it is run; staff see the pseudonym (P1, P2, ...)."""

    __tablename__ = "study_sessions"
    __table_args__ = (sa.UniqueConstraint("study_id", "pseudonym"),)

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="studies.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(
        foreign_key="study_participants.id", unique=True, ondelete="CASCADE"
    )
    slot_id: int | None = Field(default=None, foreign_key="session_slots.id", ondelete="SET NULL")
    pseudonym: str = Field(max_length=10)
    status: SessionStatus = Field(
        default=SessionStatus.IN_PROGRESS, sa_type=enum_column(SessionStatus)
    )
    moderator_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    incentive_given_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str = Field(default="", sa_type=sa.Text)


class TaskResult(SQLModel, table=True):
    __tablename__ = "task_results"
    __table_args__ = (sa.UniqueConstraint("session_id", "task_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="study_sessions.id", index=True, ondelete="CASCADE")
    task_id: int = Field(foreign_key="study_tasks.id", index=True, ondelete="CASCADE")
    outcome: TaskOutcome = Field(sa_type=enum_column(TaskOutcome))
    seconds: int | None = None
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Observation(SQLModel, table=True):
    """Something a participant struggled with (or said), logged while they worked."""

    __tablename__ = "observations"
    __table_args__ = (sa.CheckConstraint("severity BETWEEN 0 AND 4", name="severity_range"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="study_sessions.id", index=True, ondelete="CASCADE")
    task_id: int | None = Field(default=None, foreign_key="study_tasks.id", ondelete="SET NULL")
    note: str = Field(sa_type=sa.Text)
    severity: int = 2
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    is_quote: bool = False
    # Only ever true when the participant had consented to publishing quotes when it was set.
    publishable: bool = False
    issue_id: int | None = Field(
        default=None, foreign_key="issues.id", index=True, ondelete="SET NULL"
    )
    created_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
