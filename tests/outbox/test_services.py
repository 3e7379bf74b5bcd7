"""Queueing, cancelling, the status moves and back-off schedule, retrying and listing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import make_customer
from tests.outbox.conftest import ICS, T0, queue
from tests.reading import count, read
from workbench.customers.models import Customer
from workbench.db import get_database, utcnow
from workbench.errors import InvalidTransition, NotFound, ValidationFailed
from workbench.outbox.models import MessageStatus, OutboxAttachment, OutboxMessage
from workbench.outbox.services import (
    Attachment,
    cancel_pending,
    count_by_status,
    get_attachment,
    list_messages,
    next_message_status,
    retry_delay,
    retry_message,
)

# --- queueing -------------------------------------------------------------------------------


def test_queue_message_adds_a_pending_message_with_its_attachments(session):
    customer = make_customer(session)
    message = queue(
        session,
        to_address=" Kund@Example.SE ",
        to_name="Kim Kund",
        language="en",
        customer_id=customer.id,
        due_at=None,
        attachments=[ICS],
    )
    assert message.id is not None
    assert message.status == MessageStatus.PENDING
    assert message.to_address == "kund@example.se"
    assert message.attempts == 0
    assert abs(message.due_at - utcnow()) < timedelta(seconds=5)
    [stored] = session.exec(select(OutboxAttachment)).all()
    assert (stored.message_id, stored.filename, stored.content_type, stored.content) == (
        message.id,
        ICS.filename,
        ICS.content_type,
        ICS.content,
    )


def test_a_dedupe_key_queues_a_message_once(session):
    first = queue(session, dedupe_key="reminder:session:7", attachments=[ICS])
    again = queue(session, dedupe_key="reminder:session:7", subject="Other", attachments=[ICS])
    assert again.id == first.id
    assert again.subject == first.subject
    assert count(session, OutboxMessage) == 1
    assert count(session, OutboxAttachment) == 1


def test_a_key_another_transaction_queued_returns_that_message(app, session):
    """Two transactions queue one key, the second after the first committed: one message."""
    database = get_database(app)
    with database.session_scope() as first:
        winner = queue(first, dedupe_key="invite:9", attachments=[ICS])
    with database.session_scope() as second:
        customer = make_customer(second)  # work of the same transaction that must survive
        loser = queue(
            second,
            dedupe_key="invite:9",
            subject="Other",
            attachments=[ICS, Attachment("notes.txt", "text/plain", "Hej")],
        )
    assert loser.id == winner.id
    assert loser.subject == winner.subject
    assert count(session, OutboxMessage) == 1
    attachments = read(session, select(OutboxAttachment.message_id, OutboxAttachment.filename))
    assert [tuple(row) for row in attachments] == [(winner.id, ICS.filename)]
    assert count(session, Customer, Customer.id == customer.id) == 1


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"to_address": "not-an-address"}, "Invalid e-mail"),
        ({"subject": "Hej\nBcc: someone@example.com"}, "one line"),
        ({"subject": "x" * 301}, "longer than 300"),
        ({"kind": ""}, "needs a kind"),
        ({"attachments": [Attachment("", "text/plain", "x")]}, "file name"),
        ({"attachments": [Attachment("a.txt", "text", "x")]}, "content type"),
        ({"attachments": [ICS, Attachment("a\nb.txt", "text/plain", "x")]}, "one line"),
        ({"attachments": [Attachment("a.txt", "text/" + "x" * 100, "x"), ICS]}, "longer than 100"),
    ],
)
def test_bad_messages_are_refused(session, overrides, complaint):
    with pytest.raises(ValidationFailed, match=complaint):
        queue(session, **overrides)
    assert count(session, OutboxMessage) == 0


def test_cancel_pending_cancels_only_a_pending_message(session):
    queue(session, dedupe_key="reminder:1")
    sent = queue(session, dedupe_key="reminder:2")
    sent.status = MessageStatus.SENT
    session.flush()
    assert cancel_pending(session, dedupe_key="reminder:1") is True
    assert cancel_pending(session, dedupe_key="reminder:1") is False
    assert cancel_pending(session, dedupe_key="reminder:2") is False
    assert cancel_pending(session, dedupe_key="no-such-key") is False
    statuses = {m.dedupe_key: m.status for m in session.exec(select(OutboxMessage))}
    assert statuses == {"reminder:1": MessageStatus.CANCELLED, "reminder:2": MessageStatus.SENT}


# --- the state machine and the schedule -----------------------------------------------------


def test_status_moves():
    pending, sent, failed, cancelled = (
        MessageStatus.PENDING,
        MessageStatus.SENT,
        MessageStatus.FAILED,
        MessageStatus.CANCELLED,
    )
    for target in MessageStatus:
        assert next_message_status(pending, target) == target
    assert next_message_status(failed, pending) == pending
    for current, target in [(sent, pending), (cancelled, pending), (failed, sent), (sent, failed)]:
        with pytest.raises(InvalidTransition):
            next_message_status(current, target)


def test_retry_delays_double_from_one_minute_up_to_six_hours():
    minutes = [retry_delay(attempts) / timedelta(minutes=1) for attempts in range(1, 12)]
    assert minutes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]


# --- retrying and reading -------------------------------------------------------------------


def test_retry_puts_a_failed_message_back_in_line(session):
    message = queue(session)
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 8, "timed out"
    session.flush()
    retried = retry_message(session, message.id, now=T0 + timedelta(hours=3))
    assert (retried.status, retried.attempts, retried.due_at) == (
        MessageStatus.PENDING,
        0,
        T0 + timedelta(hours=3),
    )
    assert retried.last_error == "timed out"  # kept until the next attempt tells more
    assert retry_message(session, message.id, now=T0).status == MessageStatus.PENDING


@pytest.mark.parametrize("status", [MessageStatus.SENT, MessageStatus.CANCELLED])
def test_sent_and_cancelled_messages_cannot_be_retried(session, status):
    message = queue(session)
    message.status = status
    session.flush()
    with pytest.raises(InvalidTransition):
        retry_message(session, message.id, now=T0)


def test_missing_messages_and_attachments_are_not_found(session):
    message = queue(session, attachments=[ICS])
    other = queue(session)
    [attachment] = session.exec(select(OutboxAttachment)).all()
    assert get_attachment(session, message.id, attachment.id).filename == "invite.ics"
    with pytest.raises(NotFound):
        get_attachment(session, other.id, attachment.id)
    with pytest.raises(NotFound):
        retry_message(session, 999_999, now=T0)


def test_listing_filters_by_status_newest_first_with_pages(session):
    made = []
    for number in range(5):
        message = queue(session, subject=f"Message {number}")
        message.created_at = T0 + timedelta(minutes=number)
        made.append(message)
    made[0].status = MessageStatus.FAILED
    made[1].status = MessageStatus.SENT
    session.flush()
    first = list_messages(session, page=1, per_page=2)
    assert ([m.subject for m in first.items], first.total, first.pages) == (
        ["Message 4", "Message 3"],
        5,
        3,
    )
    beyond = list_messages(session, page=9, per_page=2)
    assert (beyond.page, [m.subject for m in beyond.items]) == (3, ["Message 0"])
    failed = list_messages(session, status=MessageStatus.FAILED)
    assert [m.subject for m in failed.items] == ["Message 0"]
    assert count_by_status(session) == {
        MessageStatus.PENDING: 3,
        MessageStatus.SENT: 1,
        MessageStatus.FAILED: 1,
        MessageStatus.CANCELLED: 0,
    }
