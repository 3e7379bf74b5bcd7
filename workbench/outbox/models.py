"""Outgoing messages and their attachments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from workbench.db import UTCDateTime, enum_column, utcnow


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Gave up after the last retry; staff can send it again from the outbox page.
    FAILED = "failed"
    # Made pointless before it was sent, such as a reminder for a cancelled session.
    CANCELLED = "cancelled"


class OutboxMessage(SQLModel, table=True):
    """One e-mail; composed in full when queued, so sending needs nothing but this row."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_status_due_at", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    # Makes queueing idempotent: a second message with the same key is not queued.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    customer_id: int | None = Field(
        default=None, foreign_key="customers.id", index=True, ondelete="CASCADE"
    )
    to_address: str = Field(max_length=254)
    to_name: str = Field(default="", max_length=200)
    language: str = Field(default="sv", max_length=8)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_type=sa.Text)
    status: MessageStatus = Field(default=MessageStatus.PENDING, sa_type=enum_column(MessageStatus))
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxAttachment(SQLModel, table=True):
    __tablename__ = "outbox_attachments"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outbox_messages.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    content: str = Field(sa_type=sa.Text)
