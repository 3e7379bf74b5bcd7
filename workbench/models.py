"""Every feature's models, imported in one place: the registry Alembic and tests read."""

from workbench.auth.models import ApiToken, Role, StaffUser
from workbench.customers.models import (
    ConsentKind,
    ConsentRecord,
    ConsentSource,
    Customer,
    ErasureLog,
)
from workbench.db import metadata
from workbench.feedback.models import Channel, Feedback, FeedbackForm, JourneyStage
from workbench.issues.models import Issue, IssueEvent, IssueKind, IssueStatus
from workbench.outbox.models import MessageStatus, OutboxAttachment, OutboxMessage
from workbench.studies.models import (
    Booking,
    IncentiveKind,
    InvitationToken,
    Observation,
    ParticipantStatus,
    RecruitmentSettings,
    SessionSlot,
    SessionStatus,
    Study,
    StudyMethod,
    StudyParticipant,
    StudySession,
    StudyStatus,
    StudyTask,
    TaskOutcome,
    TaskResult,
)

__all__ = [
    "ApiToken",
    "Booking",
    "Channel",
    "ConsentKind",
    "ConsentRecord",
    "ConsentSource",
    "Customer",
    "ErasureLog",
    "Feedback",
    "FeedbackForm",
    "IncentiveKind",
    "InvitationToken",
    "Issue",
    "IssueEvent",
    "IssueKind",
    "IssueStatus",
    "JourneyStage",
    "MessageStatus",
    "Observation",
    "OutboxAttachment",
    "OutboxMessage",
    "ParticipantStatus",
    "RecruitmentSettings",
    "Role",
    "SessionSlot",
    "SessionStatus",
    "StaffUser",
    "Study",
    "StudyMethod",
    "StudyParticipant",
    "StudySession",
    "StudyStatus",
    "StudyTask",
    "TaskOutcome",
    "TaskResult",
    "metadata",
]
