"""An SMTP outage uses up no message's attempts, and a name with a line break still goes out.

Review findings: "An SMTP outage counts against each message until it is permanently failed"
and "A name with U+2028 can never be sent". Every server here is real: aiosmtpd, a socket that
greets with 421, one that never answers, or a port where nothing listens.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from tests.outbox.conftest import RecordingHandler, free_port, start_server
from workbench.cli import main
from workbench.db import get_database, utcnow
from workbench.outbox.models import MessageStatus, OutboxMessage
from workbench.outbox.sending import (
    TransportUnavailable,
    build_email,
    describe_error,
    transport_from_url,
)
from workbench.outbox.services import MAX_ATTEMPTS, queue_message

SENDER = "Workbench <research@example.se>"


# --- helpers --------------------------------------------------------------------------------


def queue(app, **overrides) -> int:
    values = {
        "kind": "session_reminder",
        "to_address": "asa@example.se",
        "to_name": "Åsa Öberg",
        "subject": "Påminnelse: användartest i morgon",
        "body_text": "Hej! Vi ses i morgon klockan 10.\n",
        "due_at": utcnow() - timedelta(minutes=5),
    }
    values.update(overrides)
    with get_database(app).session_scope() as session:
        return queue_message(session, **values).id


def stored(app) -> list[OutboxMessage]:
    with get_database(app).session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def send(app):
    return app.test_cli_runner().invoke(main, ["outbox", "send"])


@contextmanager
def socket_server(greeting: bytes | None) -> Iterator[int]:
    """A port that greets every connection with ``greeting`` and hangs up; with None it
    accepts nothing, so a client connects (the backlog) and then waits for a greeting."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(greeting or b"")

    thread = threading.Thread(target=serve, daemon=True)
    if greeting is not None:
        thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        if greeting is not None:
            thread.join(5)
        listener.close()


class RefusingHandler(RecordingHandler):
    """Answers EHLO and HELO with 451: the server is there but takes no mail just now."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        return ["451 4.3.2 Not accepting mail right now"]

    async def handle_HELO(self, server, session, envelope, hostname):
        return "451 4.3.2 Not accepting mail right now"


class ClosingHandler(RecordingHandler):
    """Answers MAIL FROM with 421: the server is shutting down, for every message."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return "421 4.3.2 Shutting down"


@contextmanager
def aiosmtpd_server(handler: RecordingHandler) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def unreachable_url(kind: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if kind == "connection refused":
        yield f"smtp://127.0.0.1:{free_port()}"
    elif kind == "421 on connect":
        with socket_server(b"421 4.3.2 Too busy, try later\r\n") as port:
            yield f"smtp://127.0.0.1:{port}"
    elif kind == "timeout":
        with socket_server(None) as port:
            yield f"smtp://127.0.0.1:{port}?timeout=0.3"
    elif kind == "4xx on HELO":
        with aiosmtpd_server(RefusingHandler()) as port:
            yield f"smtp://127.0.0.1:{port}"
    elif kind == "DNS failure":
        resolve = socket.getaddrinfo

        def no_such_host(host, *args, **kwargs):
            if host == "mail.example.invalid":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return resolve(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
        yield "smtp://mail.example.invalid:25"
    else:
        raise AssertionError(kind)


# --- an outage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["connection refused", "421 on connect", "timeout", "4xx on HELO", "DNS failure"]
)
def test_an_outage_uses_up_no_attempts_however_long_it_lasts(make_app, monkeypatch, kind):
    with unreachable_url(kind, monkeypatch) as url:
        app = make_app(SMTP_URL=url, MAIL_FROM=SENDER)
        queue(app)
        queue(app, to_address="kim@example.se", to_name="Kim")
        before = [(m.due_at, m.attempts) for m in stored(app)]
        for _run in range(MAX_ATTEMPTS + 1):
            result = send(app)
            assert result.exit_code == 0, result.output
            assert "SMTP server cannot be reached" in result.output
            assert "Sent 0, retry later 0, failed 0, still due 2." in result.output
    messages = stored(app)
    assert [(m.due_at, m.attempts) for m in messages] == before
    assert {(m.status, m.last_error) for m in messages} == {(MessageStatus.PENDING, "")}


def test_after_the_outage_the_messages_go_out_on_their_first_attempt(make_app):
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_FROM=SENDER)
    queue(app)
    send(app)
    controller, server = start_server()
    try:
        app.config["SMTP_URL"] = server.url()
        result = send(app)
    finally:
        controller.stop()
    assert result.output.strip() == "Sent 1, retry later 0, failed 0, still due 0."
    [message] = stored(app)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_a_server_closing_on_mail_from_is_unavailable_not_a_bad_message():
    email = build_email(an_unsaved_message(), [], mail_from=SENDER, now=NOW)
    with aiosmtpd_server(ClosingHandler()) as port:
        transport = transport_from_url(f"smtp://127.0.0.1:{port}")
        with transport, pytest.raises(TransportUnavailable) as caught:
            transport.send(email)
    assert "421 4.3.2 Shutting down" in describe_error(caught.value)


def test_a_recipient_refused_for_good_still_fails_that_message_only(make_app):
    controller, server = start_server()
    try:
        app = make_app(SMTP_URL=server.url(), MAIL_FROM=SENDER)
        queue(app, to_address="refused@example.se")
        queue(app)
        result = send(app)
    finally:
        controller.stop()
    assert result.output.strip() == "Sent 1, retry later 0, failed 1, still due 0."
    refused, delivered = stored(app)
    assert (refused.status, refused.attempts) == (MessageStatus.FAILED, 1)
    assert "550" in refused.last_error
    assert delivered.status == MessageStatus.SENT
    assert [r.rcpt_tos for r in server.received] == [["asa@example.se"]]


# --- names with line breaks -----------------------------------------------------------------

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
BREAKERS = ["\u2028", "\u2029", "\r", "\n", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\t\v\f"]


def an_unsaved_message(**overrides) -> OutboxMessage:
    values = {
        "id": 7,
        "kind": "session_reminder",
        "to_address": "asa@example.se",
        "to_name": "Åsa Öberg",
        "subject": "Påminnelse",
        "body_text": "Hej!\n",
        "created_at": NOW,
    }
    values.update(overrides)
    return OutboxMessage(**values)


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


@pytest.mark.parametrize("breaker", BREAKERS, ids=[repr(b) for b in BREAKERS])
def test_a_control_character_in_a_name_is_cleaned_when_the_message_is_built(breaker):
    message = an_unsaved_message(
        to_name=f"Åsa{breaker}Öberg",
        subject=f"Påminnelse{breaker}Bcc: evil@example.com",
    )
    email = build_email(message, [], mail_from=f"Forskning{breaker}Team <r@example.se>", now=NOW)
    raw = email.as_bytes(policy=email.policy.clone(linesep="\r\n"))
    headers = header_block(raw)
    # Every line is a header of its own or a folded continuation; nothing else got in.
    for line in headers.split(b"\r\n"):
        assert re.fullmatch(rb"([A-Za-z-]+: |[ \t])[\x20-\x7e\t]*", line), line
    assert b"\nBcc:" not in headers
    assert email["To"].addresses[0].display_name == "Åsa Öberg"
    assert email["From"].addresses[0].display_name == "Forskning Team"
    assert str(email["Subject"]) == "Påminnelse Bcc: evil@example.com"


def test_a_name_with_u2028_is_sent_by_the_command(make_app):
    controller, server = start_server()
    try:
        app = make_app(SMTP_URL=server.url(), MAIL_FROM="Forskning\u2028Team <research@ex.se>")
        message_id = queue(app)
        with get_database(app).session_scope() as session:
            # As a row queued before names were cleaned on the way in still holds it.
            session.get(OutboxMessage, message_id).to_name = "Åsa\u2028Öberg\r\nBcc: evil@ex.com"
        result = send(app)
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 1, retry later 0, failed 0, still due 0."
    [received] = server.received
    assert received.rcpt_tos == ["asa@example.se"]
    assert received.message["Bcc"] is None
    assert received.message["To"].addresses[0].display_name == "Åsa Öberg Bcc: evil@ex.com"
    assert received.message["From"].addresses[0].display_name == "Forskning Team"
    [message] = stored(app)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)


def test_a_message_that_breaks_the_connection_uses_its_attempts_and_cannot_block_the_queue(
    session,
):
    """A connection lost while a message is handed over may be that message's doing (a size
    or content the server drops): it counts against it, with back-off, so the messages queued
    after it are tried in later runs and it fails for good in the end."""
    from tests.outbox.conftest import T0, FailingTransport, queue, reload
    from workbench.outbox.models import MessageStatus
    from workbench.outbox.sending import TransportUnavailable
    from workbench.outbox.services import MAX_ATTEMPTS, send_due

    breaking = queue(session, due_at=T0)
    session.commit()
    lost = TransportUnavailable("Lost smtp://mail.example", mid_message=True)
    now = T0
    for _ in range(MAX_ATTEMPTS):
        now = max(now, reload(session, breaking).due_at)
        summary = send_due(session, transport=FailingTransport(lost), now=now)
        assert summary.stopped
    after = reload(session, breaking)
    assert (after.status, after.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
