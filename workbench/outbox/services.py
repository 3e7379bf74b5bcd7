"""The outbox: queue e-mail, cancel what became pointless, send what is due with retries.

Messages are composed in full when queued and kept in the database; sending needs nothing but
the row. Without an SMTP server nothing is sent: messages stay pending and staff read them on
the outbox page. Delivery is at least once: a message is marked sent as soon as the server
accepts it, and only a crash between the two sends it again, after ``CLAIM_LEASE`` and with the
same Message-ID, so that mail clients can tell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from workbench.addresses import clean_display_name, normalise_email
from workbench.db import as_utc, utcnow
from workbench.errors import InvalidTransition, NotFound, ValidationFailed
from workbench.outbox.models import MessageStatus, OutboxAttachment, OutboxMessage
from workbench.outbox.sending import (
    Transport,
    TransportUnavailable,
    build_email,
    check_mail_from,
    describe_error,
    is_permanent,
)
from workbench.paging import Page, clamp_page

MAX_ATTEMPTS = 8
FIRST_RETRY_DELAY = timedelta(minutes=1)
LONGEST_RETRY_DELAY = timedelta(hours=6)
# A message is pushed this far ahead before it is handed to the server: a second sender
# running at the same time skips it, and one that dies mid-send leaves it to be tried again.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ERROR_LENGTH = 2000
DEFAULT_MAIL_FROM = "Workbench <workbench@localhost>"

ALLOWED_MOVES: dict[MessageStatus, frozenset[MessageStatus]] = {
    # Pending to pending: a retry is scheduled, or staff ask for it to be sent now.
    MessageStatus.PENDING: frozenset(MessageStatus),
    MessageStatus.FAILED: frozenset({MessageStatus.PENDING}),
    MessageStatus.SENT: frozenset(),
    MessageStatus.CANCELLED: frozenset(),
}

# INSERT ... ON CONFLICT DO NOTHING, per backend (the statement is the same on both).
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def next_message_status(current: MessageStatus, target: MessageStatus) -> MessageStatus:
    """Return ``target`` when a message may move there from ``current``, else raise."""
    if target not in ALLOWED_MOVES[current]:
        raise InvalidTransition(f"A {current.value} message cannot become {target.value}.")
    return target


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1 min, 2, 4 … at most 6 h."""
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), LONGEST_RETRY_DELAY)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: str


@dataclass(frozen=True)
class SendSummary:
    """What one run of the sender did."""

    smtp_configured: bool
    sent: int = 0
    retry_later: int = 0  # failed this time; tried again after the back-off
    failed: int = 0  # gave up; staff can send them again from the outbox page
    kept: int = 0  # due but not sent in this run (no SMTP server, over the limit, stopped)
    stopped: str = ""  # why the run stopped early (the server could not be reached)

    def describe(self) -> str:
        """One line for the command line and logs."""
        if not self.smtp_configured:
            return (
                f"SMTP is not configured (WORKBENCH_SMTP_URL): {self.kept} due "
                f"message{'' if self.kept == 1 else 's'} kept, readable on the outbox page."
            )
        line = (
            f"Sent {self.sent}, retry later {self.retry_later}, failed {self.failed}, "
            f"still due {self.kept}."
        )
        return f"{line} Stopped early: {self.stopped}" if self.stopped else line


# --- queueing -------------------------------------------------------------------------------


def queue_message(
    session: Session,
    *,
    kind: str,
    to_address: str,
    subject: str,
    body_text: str,
    to_name: str = "",
    language: str = "sv",
    customer_id: int | None = None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Add a pending message (flushed); with a known ``dedupe_key``, return that one instead.

    A key stays taken once used, also by a sent or cancelled message: make it name the occasion
    (for example ``reminder:session:17:2026-12-03T09:00``), so that a rebooked session gets a
    reminder of its own. Attachments passed with a known key are ignored.
    """
    # A name is the customer's own text: put it on one line rather than refuse the letter.
    to_name = clean_display_name(to_name)
    _check_message(kind, to_address, to_name, subject, language, dedupe_key, attachments)
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key or None,
        customer_id=customer_id,
        to_address=normalise_email(to_address),
        to_name=to_name,
        language=language,
        subject=subject.strip(),
        body_text=body_text,
        due_at=as_utc(due_at) if due_at is not None else utcnow(),
    )
    session.flush()  # the session's own changes first, as an ORM insert would
    # One statement both looks and inserts, so two writers queueing one key at the same time
    # get one message: the second one's insert does nothing and it loads the first one's.
    table = OutboxMessage.__table__
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(table)
        .values(message.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        .returning(table.c.id)
    )
    inserted_id = session.execute(statement).scalar_one_or_none()
    if inserted_id is None:  # the key was taken (only a key can clash)
        return session.exec(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == message.dedupe_key)
        ).one()
    for attachment in attachments:
        session.add(OutboxAttachment(message_id=inserted_id, **asdict(attachment)))
    session.flush()
    return session.get_one(OutboxMessage, inserted_id)


def _check_message(
    kind: str,
    to_address: str,
    to_name: str,
    subject: str,
    language: str,
    dedupe_key: str | None,
    attachments: Sequence[Attachment],
) -> None:
    limits = [
        ("kind", kind, 50),
        ("to_address", to_address, 254),
        ("to_name", to_name, 200),
        ("subject", subject, 300),
        ("language", language, 8),
        ("dedupe_key", dedupe_key or "", 200),
    ]
    for attachment in attachments:
        if not attachment.filename.strip() or "/" not in attachment.content_type:
            raise ValidationFailed("An attachment needs a file name and a content type.")
        limits.append(("attachment's file name", attachment.filename, 200))
        limits.append(("attachment's content type", attachment.content_type, 100))
    for name, value, longest in limits:
        if len(value) > longest:
            raise ValidationFailed(f"The message's {name} is longer than {longest} characters.")
        if "\r" in value or "\n" in value:  # these end up in headers
            raise ValidationFailed(f"The message's {name} must be on one line.")
    if not kind.strip():
        raise ValidationFailed("A message needs a kind, such as session_reminder.")


def cancel_pending(session: Session, *, dedupe_key: str) -> bool:
    """Cancel the still-pending message with this key; whether there was one to cancel."""
    result = session.exec(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.status == MessageStatus.PENDING,
        )
        .values(status=MessageStatus.CANCELLED)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount > 0


def retry_message(session: Session, message_id: int, *, now: datetime) -> OutboxMessage:
    """Put a failed (or pending) message back in line: due now, its attempts counted afresh."""
    message = get_message(session, message_id)
    message.status = next_message_status(message.status, MessageStatus.PENDING)
    message.due_at = as_utc(now)
    message.attempts = 0
    session.add(message)
    session.flush()
    return message


# --- sending --------------------------------------------------------------------------------


def count_due(session: Session, *, now: datetime) -> int:
    """How many pending messages are due by ``now``."""
    query = select(sa.func.count()).select_from(OutboxMessage).where(*_due(now))
    return session.exec(query).one()


def _due(now: datetime) -> tuple:
    return (OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.due_at <= as_utc(now))


def send_due(
    session: Session,
    *,
    transport: Transport | None,
    now: datetime,
    limit: int = 200,
    mail_from: str = DEFAULT_MAIL_FROM,
    checkpoint: Callable[[], None] | None = None,
) -> SendSummary:
    """Send pending messages due by ``now``, oldest first; with no transport, send nothing.

    Pass ``checkpoint=session.commit`` so that each message is claimed and then settled in a
    transaction of its own. A run stops early when the server cannot be reached; the rest wait
    for the next run. The transport's connection is closed at the end. A ``mail_from`` that is
    not one valid address raises ValueError before anything is sent.
    """
    now = as_utc(now)
    if transport is None:
        return SendSummary(smtp_configured=False, kept=count_due(session, now=now))
    check_mail_from(mail_from)
    commit = checkpoint or session.flush
    query = (
        select(OutboxMessage.id)
        .where(*_due(now))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    counts = {MessageStatus.SENT: 0, MessageStatus.PENDING: 0, MessageStatus.FAILED: 0}
    stopped = ""
    try:
        for message_id in list(session.exec(query)):
            message = _claim(session, message_id, now)
            if message is None:  # another sender took it, or it was cancelled meanwhile
                continue
            email = _build(session, message, mail_from, now)
            # Keep the claim, and hold no transaction (on SQLite, no write lock) while the
            # server is talking.
            commit()
            status, stopped = _deliver(transport, message, email, now)
            session.add(message)
            session.flush()
            commit()
            if not (stopped and message.due_at <= now):  # still due, it is counted as kept
                counts[status] += 1
            if stopped:
                break
    finally:
        transport.close()
    return SendSummary(
        smtp_configured=True,
        sent=counts[MessageStatus.SENT],
        retry_later=counts[MessageStatus.PENDING],
        failed=counts[MessageStatus.FAILED],
        kept=count_due(session, now=now),
        stopped=stopped,
    )


def _claim(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    """Count the attempt and move the message out of the queue, if it is still due."""
    result = session.exec(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, *_due(now))
        .values(attempts=OutboxMessage.attempts + 1, due_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def _build(
    session: Session, message: OutboxMessage, mail_from: str, now: datetime
) -> EmailMessage | Exception:
    """The e-mail to send, or why it cannot be built (which no retry would change)."""
    try:
        attachments = list_attachments(session, message.id)
        return build_email(message, attachments, mail_from=mail_from, now=now)
    except Exception as error:
        return error


def _deliver(
    transport: Transport, message: OutboxMessage, email: EmailMessage | Exception, now: datetime
) -> tuple[MessageStatus, str]:
    """Send one claimed message and note the outcome on it: its status, and why to stop."""
    stop = ""
    try:
        if isinstance(email, Exception):
            raise email
        transport.send(email)
    except TransportUnavailable as error:
        stop = describe_error(error)
        _record_failure(message, stop, now, permanent=False)
        if not error.mid_message:  # the server is down, not this message: attempt given back
            message.attempts, message.due_at = max(message.attempts - 1, 0), now
    except Exception as error:  # one bad message must not hold up the others
        _record_failure(message, describe_error(error), now, permanent=is_permanent(error))
    else:
        message.status = next_message_status(message.status, MessageStatus.SENT)
        message.sent_at = now
        message.due_at = now
    return message.status, stop


def _record_failure(message: OutboxMessage, error: str, now: datetime, *, permanent: bool) -> None:
    message.last_error = error[:MAX_ERROR_LENGTH]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = next_message_status(message.status, MessageStatus.FAILED)
        message.due_at = now
    else:
        message.due_at = now + retry_delay(message.attempts)


def get_message(session: Session, message_id: int) -> OutboxMessage:
    """The message with this id; NotFound if there is none."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such message in the outbox.")
    return message


def list_attachments(session: Session, message_id: int) -> list[OutboxAttachment]:
    """A message's attachments in the order they were queued."""
    query = (
        select(OutboxAttachment)
        .where(OutboxAttachment.message_id == message_id)
        .order_by(OutboxAttachment.id)
    )
    return list(session.exec(query))


def get_attachment(session: Session, message_id: int, attachment_id: int) -> OutboxAttachment:
    """One attachment of one message; NotFound if it belongs to another message."""
    attachment = session.get(OutboxAttachment, attachment_id)
    if attachment is None or attachment.message_id != message_id:
        raise NotFound("No such attachment.")
    return attachment


def count_by_status(session: Session) -> dict[MessageStatus, int]:
    """How many messages are in each status (every status present, zero included)."""
    query = select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    counts = dict.fromkeys(MessageStatus, 0)
    counts.update({status: total for status, total in session.exec(query)})
    return counts


def list_messages(
    session: Session,
    *,
    status: MessageStatus | None = None,
    customer_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[OutboxMessage]:
    """Messages newest first, optionally of one status or to one customer."""
    conditions = []
    if status is not None:
        conditions.append(OutboxMessage.status == status)
    if customer_id is not None:
        conditions.append(OutboxMessage.customer_id == customer_id)
    total = session.exec(
        select(sa.func.count()).select_from(OutboxMessage).where(*conditions)
    ).one()
    page = clamp_page(page, total, per_page)
    query = (
        select(OutboxMessage)
        .where(*conditions)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(items=list(session.exec(query)), total=total, page=page, per_page=per_page)
