"""Sending what is due: real SMTP for success, failing transports for the failure paths."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.outbox.conftest import T0, FailingTransport, queue, reload
from tests.reading import read
from workbench.outbox.models import MessageStatus, OutboxMessage
from workbench.outbox.sending import transport_from_url
from workbench.outbox.services import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    SendSummary,
    cancel_pending,
    send_due,
)


def test_failures_back_off_and_give_up_after_the_last_attempt(session):
    message = queue(session)
    other = queue(session, due_at=T0 + timedelta(days=1))  # not due: never touched
    session.commit()
    transport = FailingTransport(smtplib.SMTPDataError(451, b"Try again later"))
    now, delays = T0, []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        summary = send_due(session, transport=transport, now=now, checkpoint=session.commit)
        stored = reload(session, message)
        assert stored.attempts == attempt
        assert stored.last_error == "SMTPDataError: 451 Try again later"
        if attempt < MAX_ATTEMPTS:
            assert (summary.retry_later, summary.failed) == (1, 0)
            assert stored.status == MessageStatus.PENDING
            delays.append((stored.due_at - now) / timedelta(minutes=1))
            # Nothing happens before the back-off is over.
            early = send_due(session, transport=transport, now=stored.due_at - timedelta(seconds=1))
            assert (early.retry_later, early.kept) == (0, 0)
            now = stored.due_at
        else:
            assert (summary.retry_later, summary.failed) == (0, 1)
            assert stored.status == MessageStatus.FAILED
    assert delays == [1, 2, 4, 8, 16, 32, 64]
    assert transport.closed == 2 * MAX_ATTEMPTS - 1
    later = send_due(session, transport=transport, now=now + timedelta(hours=1))
    assert (later.sent, later.retry_later, later.failed) == (0, 0, 0)
    assert reload(session, other).attempts == 0


def test_without_smtp_nothing_is_sent_and_messages_are_kept(session):
    message = queue(session)
    queue(session, due_at=T0 + timedelta(days=1))
    session.commit()
    summary = send_due(session, transport=None, now=T0 + timedelta(minutes=5))
    assert summary == SendSummary(smtp_configured=False, kept=1)
    assert "not configured" in summary.describe()
    stored = reload(session, message)
    assert (stored.status, stored.attempts) == (MessageStatus.PENDING, 0)


def test_due_messages_go_out_oldest_first_up_to_the_limit(session, smtp_server):
    for minutes in (3, 1, 2):
        queue(session, subject=f"due {minutes} min after", due_at=T0 + timedelta(minutes=minutes))
    cancelled = queue(session, dedupe_key="gone", due_at=T0)
    cancel_pending(session, dedupe_key="gone")
    session.commit()
    transport = transport_from_url(smtp_server.url())
    now = T0 + timedelta(minutes=10)
    summary = send_due(session, transport=transport, now=now, limit=2, checkpoint=session.commit)
    assert (summary.sent, summary.kept, summary.stopped) == (2, 1, "")
    assert [r.message["Subject"] for r in smtp_server.received] == [
        "due 1 min after",
        "due 2 min after",
    ]
    rest = send_due(session, transport=transport, now=now, checkpoint=session.commit)
    assert (rest.sent, rest.kept) == (1, 0)
    sent = read(session, select(OutboxMessage).where(OutboxMessage.status == MessageStatus.SENT))
    assert {(m.attempts, m.sent_at) for m in sent} == {(1, now)}
    assert reload(session, cancelled).status == MessageStatus.CANCELLED
    assert len(smtp_server.received) == 3


def test_a_refused_recipient_fails_at_once_and_the_others_still_go(session, smtp_server):
    refused = queue(session, to_address="refused@example.se", due_at=T0)
    queue(session, to_address="kund@example.se", due_at=T0 + timedelta(seconds=1))
    session.commit()
    summary = send_due(
        session,
        transport=transport_from_url(smtp_server.url()),
        now=T0 + timedelta(minutes=1),
        checkpoint=session.commit,
    )
    assert (summary.sent, summary.failed, summary.retry_later) == (1, 1, 0)
    stored = reload(session, refused)
    assert stored.status == MessageStatus.FAILED
    assert stored.attempts == 1
    assert "550" in stored.last_error and "refused@example.se" in stored.last_error
    assert [r.rcpt_tos for r in smtp_server.received] == [["kund@example.se"]]


def test_an_unreachable_server_stops_the_run_and_the_rest_wait(session, closed_port):
    first, second = queue(session, due_at=T0), queue(session, due_at=T0 + timedelta(seconds=1))
    session.commit()
    now = T0 + timedelta(minutes=1)
    summary = send_due(
        session,
        transport=transport_from_url(f"smtp://127.0.0.1:{closed_port}"),
        now=now,
        checkpoint=session.commit,
    )
    assert (summary.sent, summary.retry_later, summary.kept) == (0, 0, 2)
    assert "Could not connect" in summary.stopped
    assert "Stopped early" in summary.describe()
    tried, waiting = reload(session, first), reload(session, second)
    # An outage uses up no attempt: the message is due again at once, for the next run.
    assert (tried.attempts, tried.due_at) == (0, now)
    assert "ConnectionRefusedError" in tried.last_error
    assert (waiting.attempts, waiting.due_at, waiting.last_error) == (0, second.due_at, "")


def test_a_crash_while_sending_loses_nothing_and_sends_nothing_twice(session, smtp_server):
    """The claim is committed before the server is called: a second run skips the message
    until the lease is over, and then sends it."""
    message = queue(session)
    session.commit()
    with pytest.raises(KeyboardInterrupt):
        send_due(
            session,
            transport=FailingTransport(KeyboardInterrupt()),
            now=T0,
            checkpoint=session.commit,
        )
    session.rollback()
    claimed = reload(session, message)
    assert (claimed.status, claimed.attempts) == (MessageStatus.PENDING, 1)
    assert claimed.due_at == T0 + CLAIM_LEASE
    transport = transport_from_url(smtp_server.url())
    meanwhile = send_due(session, transport=transport, now=T0 + timedelta(minutes=1))
    assert (meanwhile.sent, meanwhile.kept) == (0, 0)
    after = send_due(session, transport=transport, now=T0 + CLAIM_LEASE, checkpoint=session.commit)
    assert after.sent == 1
    assert len(smtp_server.received) == 1


def test_a_message_that_cannot_be_built_fails_at_once(session, smtp_server):
    broken = queue(session, due_at=T0)
    broken.to_address = "two words@example.se"  # bypasses queue_message's check
    queue(session, due_at=T0 + timedelta(seconds=1))
    session.commit()
    transport = transport_from_url(smtp_server.url())
    summary = send_due(session, transport=transport, now=T0 + timedelta(minutes=1))
    assert (summary.sent, summary.failed) == (1, 1)
    stored = reload(session, broken)
    assert (stored.status, stored.attempts) == (MessageStatus.FAILED, 1)
    assert "Cannot send to 'two words@example.se'" in stored.last_error


def test_no_transaction_is_open_while_the_server_is_called(session):
    """On SQLite an open write transaction would block every other writer during SMTP."""
    queue(session)
    session.commit()
    seen = []

    class WatchingTransport(FailingTransport):
        def send(self, message) -> None:
            seen.append(session.in_transaction())
            super().send(message)

    transport = WatchingTransport(smtplib.SMTPDataError(451, b"Later"))
    send_due(session, transport=transport, now=T0, checkpoint=session.commit)
    assert seen == [False]


def test_a_bad_sender_address_is_a_configuration_error(session):
    queue(session)
    with pytest.raises(ValueError, match="sender address"):
        send_due(session, transport=FailingTransport(OSError()), now=T0, mail_from="nobody")
