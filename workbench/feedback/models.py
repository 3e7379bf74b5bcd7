"""Feedback forms and feedback items."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from workbench.db import UTCDateTime, enum_column, utcnow


class Channel(StrEnum):
    FORM = "form"
    IMPORT = "import"
    API = "api"
    SESSION = "session"


class JourneyStage(StrEnum):
    BEFORE_PURCHASE = "before_purchase"
    ONBOARDING = "onboarding"
    AFTER_PURCHASE = "after_purchase"
    COMPLAINT = "complaint"
    OTHER = "other"


class Polarity(StrEnum):
    """How an item feels: a complaint, neither, or praise (see ``nlp.polarity``)."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class PolaritySource(StrEnum):
    RATING = "rating"  # the item's own rating: 1-2 negative, 3 neutral, 4-5 positive
    MODEL = "model"  # predicted by a model learned from this workbench's rated feedback
    FALLBACK = "fallback"  # predicted before enough feedback was rated (the starter set)


#: Polarities that count as a complaint: what impact scores and follow-ups build on.
COMPLAINT_POLARITIES = (Polarity.NEGATIVE, Polarity.NEUTRAL)


class FeedbackForm(SQLModel, table=True):
    __tablename__ = "feedback_forms"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)
    intro: str = Field(default="", sa_type=sa.Text)
    language: str = Field(default="sv", max_length=8)
    journey_stage: JourneyStage = Field(
        default=JourneyStage.OTHER, sa_type=enum_column(JourneyStage)
    )
    ask_rating: bool = True
    attribute_questions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Feedback(SQLModel, table=True):
    """One piece of feedback from any channel.

    ``(source, external_id)`` makes imports and API posts idempotent; an import without ids
    uses a hash of the row's content as its external id.
    """

    __tablename__ = "feedback"
    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=enum_column(Channel))
    source: str = Field(max_length=100)
    external_id: str | None = Field(default=None, max_length=200)
    form_id: int | None = Field(default=None, foreign_key="feedback_forms.id", ondelete="SET NULL")
    customer_id: int | None = Field(
        default=None, foreign_key="customers.id", index=True, ondelete="SET NULL"
    )
    text: str = Field(sa_type=sa.Text)
    language: str = Field(default="und", max_length=8)
    rating: int | None = None
    # None until the item has been read by the polarity model (it waits for a topic run).
    polarity: Polarity | None = Field(default=None, sa_type=enum_column(Polarity), index=True)
    polarity_source: PolaritySource | None = Field(
        default=None, sa_type=enum_column(PolaritySource)
    )
    polarity_confidence: float | None = None
    attribute_ratings: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON)
    journey_stage: JourneyStage | None = Field(default=None, sa_type=enum_column(JourneyStage))
    email: str | None = Field(default=None, max_length=254)
    consent_publish: bool = False
    erased: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EmailConfirmation(SQLModel, table=True):
    """A public form's e-mail address waiting for its owner's click (double opt-in).

    Anyone can type anyone's address. Until the link in the confirmation letter is used, the
    consents asked for are only wishes here: nothing is in the register, the item is not linked
    to a customer and the address cannot be recruited. The address is the item's own.
    """

    __tablename__ = "email_confirmations"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", unique=True, ondelete="CASCADE")
    # SHA-256 of the link's token: 256 random bits, so a fast hash is enough.
    token_hash: str = Field(max_length=64, unique=True)
    wants_contact: bool = False
    wants_research: bool = False
    wants_publish: bool = False
    wording_version: str = Field(max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def is_complaint() -> sa.ColumnElement[bool]:
    """SQL: the item is a complaint (negative or neutral), or its polarity is not known yet
    (counted as neutral until the model has read it). Praise never is."""
    return sa.or_(Feedback.polarity.in_(COMPLAINT_POLARITIES), Feedback.polarity.is_(None))
