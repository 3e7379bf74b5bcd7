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

__all__ = [
    "ApiToken",
    "Channel",
    "ConsentKind",
    "ConsentRecord",
    "ConsentSource",
    "Customer",
    "ErasureLog",
    "Feedback",
    "FeedbackForm",
    "JourneyStage",
    "Role",
    "StaffUser",
    "metadata",
]
