"""``workbench outbox send`` against a real SMTP server, without one, and misconfigured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from workbench.cli import main
from workbench.db import get_database, utcnow
from workbench.outbox.models import MessageStatus, OutboxMessage
from workbench.outbox.services import Attachment, queue_message

ICS = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Workbench//Outbox test//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        "UID:session-7@workbench",
        "DTSTART:20261203T090000Z",
        "SUMMARY:Användartest",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)
BODY = "Hej Åsa!\n\nVälkommen till användartestet på torsdag klockan 10.\n\nHälsningar\nTeamet\n"


def queue_invitation(app, **overrides) -> int:
    values = {
        "kind": "session_invitation",
        "to_address": "asa@example.se",
        "to_name": "Åsa Öberg",
        "subject": "Inbjudan: användartest torsdag 10.00",
        "body_text": BODY,
        "attachments": [Attachment("invite.ics", "text/calendar; method=REQUEST", ICS)],
    }
    values.update(overrides)
    with get_database(app).session_scope() as session:
        return queue_message(session, **values).id


def stored(app) -> list[OutboxMessage]:
    with get_database(app).session_scope() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def send(app, *args: str):
    return app.test_cli_runner().invoke(main, ["outbox", "send", *args])


def test_send_delivers_due_messages_to_the_smtp_server(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url(), MAIL_FROM="Workbench <research@example.se>")
    queue_invitation(app)
    queue_invitation(app, subject="Later", due_at=utcnow() + timedelta(days=1))
    result = send(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 1, retry later 0, failed 0, still due 0."
    [received] = smtp_server.received
    assert received.mail_from == "research@example.se"
    assert received.rcpt_tos == ["asa@example.se"]
    email = received.message
    assert email["Subject"] == "Inbjudan: användartest torsdag 10.00"
    assert str(email["To"]) == "Åsa Öberg <asa@example.se>"
    assert email.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    [calendar] = list(email.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invite.ics"
    assert "SUMMARY:Användartest" in calendar.get_content()
    sent, later = stored(app)
    assert (sent.status, sent.attempts, sent.sent_at is not None) == (MessageStatus.SENT, 1, True)
    assert (later.status, later.attempts) == (MessageStatus.PENDING, 0)
    again = send(app)
    assert again.output.strip() == "Sent 0, retry later 0, failed 0, still due 0."
    assert len(smtp_server.received) == 1


def test_send_honours_the_limit(make_app, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url())
    for number in range(3):
        queue_invitation(app, subject=f"Message {number}")
    result = send(app, "--limit", "2")
    assert result.output.strip() == "Sent 2, retry later 0, failed 0, still due 1."
    assert send(app, "--limit", "0").exit_code == 2


def test_without_smtp_messages_are_kept(make_app):
    app = make_app(SMTP_URL="")
    queue_invitation(app)
    result = send(app)
    assert result.exit_code == 0, result.output
    assert "SMTP is not configured (WORKBENCH_SMTP_URL): 1 due message kept" in result.output
    [message] = stored(app)
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)


def test_an_unreachable_server_is_not_an_error_of_the_command(make_app, closed_port):
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{closed_port}")
    queue_invitation(app)
    result = send(app)
    assert result.exit_code == 0, result.output
    assert "retry later 0" in result.output and "Could not connect" in result.output
    assert "still due 1" in result.output
    [message] = stored(app)
    # An outage is not the message's fault: no attempt is used up.
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"SMTP_URL": "http://user:hunter2@mail.example.com"}, "WORKBENCH_SMTP_URL"),
        ({"SMTP_URL": "smtp://user:hunter2@mail.example.com:port"}, "WORKBENCH_SMTP_URL"),
        ({"SMTP_URL": "smtp://127.0.0.1", "MAIL_FROM": "hunter2"}, "WORKBENCH_MAIL_FROM"),
    ],
)
def test_configuration_errors_exit_non_zero_without_sending(make_app, settings, complaint):
    app = make_app(**settings)
    queue_invitation(app)
    result = send(app)
    assert result.exit_code == 1
    assert complaint in result.output
    if "SMTP_URL" in complaint:
        assert "hunter2" not in result.output
    [message] = stored(app)
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
