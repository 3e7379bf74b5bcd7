"""The outbox tests' helpers: a real SMTP server (aiosmtpd) on 127.0.0.1 and what it received,
queueing with defaults, reading back, and a transport that always fails."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlmodel import select

from tests.reading import read
from workbench.outbox.models import OutboxMessage
from workbench.outbox.services import Attachment, queue_message

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ICS = Attachment(
    "invite.ics", "text/calendar; method=REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """Keeps every message; refuses recipients whose address starts with ``refused``."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler
    logins: list[tuple[str, str]]

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def url(self, scheme: str = "smtp", credentials: str = "") -> str:
        user = f"{credentials}@" if credentials else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(**controller_options) -> tuple[Controller, SmtpServer]:
    handler = RecordingHandler()
    logins: list[tuple[str, str]] = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            logins.append((auth_data.login.decode(), auth_data.password.decode()))
            # handled=False: aiosmtpd answers 535 itself when the password is wrong.
            return AuthResult(success=auth_data.password == b"p:ss w%rd", handled=False)
        return AuthResult(success=False, handled=False)

    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
        **controller_options,
    )
    controller.start()
    return controller, SmtpServer("127.0.0.1", port, handler, logins)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server; the password it accepts is ``p:ss w%rd``."""
    controller, server = start_server()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused at once."""
    return free_port()


def queue(session, **overrides) -> OutboxMessage:
    values = {
        "kind": "session_reminder",
        "to_address": "kund@example.se",
        "subject": "Påminnelse: användartest i morgon",
        "body_text": "Hej! Vi ses i morgon klockan 10.",
        "due_at": T0,
    }
    values.update(overrides)
    return queue_message(session, **values)


class FailingTransport:
    """Refuses every message with ``error`` (for the failure paths only)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.closed = 0

    def send(self, message) -> None:
        raise self.error

    def close(self) -> None:
        self.closed += 1


def reload(session, message: OutboxMessage) -> OutboxMessage:
    return read(session, select(OutboxMessage).where(OutboxMessage.id == message.id))[0]
