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
from workbench.outbox.models import MessageStatus, OutboxAttachment, OutboxMessage
from workbench.studies.models import (
    Booking,
    IncentiveKind,
    InvitationToken,
    ParticipantStatus,
    RecruitmentSettings,
    SessionSlot,
    Study,
    StudyMethod,
    StudyParticipant,
    StudyStatus,
    StudyTask,
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
    "JourneyStage",
    "MessageStatus",
    "OutboxAttachment",
    "OutboxMessage",
    "ParticipantStatus",
    "RecruitmentSettings",
    "Role",
    "SessionSlot",
    "StaffUser",
    "Study",
    "StudyMethod",
    "StudyParticipant",
    "StudyStatus",
    "StudyTask",
    "metadata",
]
