"""The MIME message and the SMTP connection: URLs, headers, attachments, TLS."""

from __future__ import annotations

import shutil
import smtplib
import ssl
import subprocess
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from tests.outbox.conftest import start_server
from workbench.outbox.models import OutboxAttachment, OutboxMessage
from workbench.outbox.sending import (
    SmtpSettings,
    TransportUnavailable,
    build_email,
    check_mail_from,
    describe_error,
    is_permanent,
    message_headers,
    parse_smtp_url,
    transport_from_url,
)

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
CREATED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
CREATED_STAMP = int(CREATED.timestamp())
ICS_LINES = ["BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:REQUEST", "BEGIN:VEVENT"]
ICS = "\r\n".join([*ICS_LINES, "SUMMARY:Användartest", "END:VEVENT", "END:VCALENDAR", ""])


def a_message(**overrides) -> OutboxMessage:
    values = {
        "id": 42,
        "kind": "session_invitation",
        "to_address": "asa@example.se",
        "to_name": "Åsa Öberg",
        "language": "sv",
        "subject": "Välkommen till användartestet",
        "body_text": "Hej Åsa!\n\nVi ses på torsdag klockan 10.\n",
        "created_at": CREATED,
    }
    values.update(overrides)
    return OutboxMessage(**values)


def ics_attachment() -> OutboxAttachment:
    return OutboxAttachment(
        message_id=42,
        filename="invite.ics",
        content_type="text/calendar; method=REQUEST",
        content=ICS,
    )


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpSettings("mail.example.com", 25, "plain")),
        ("smtp://mail.example.com:2525", SmtpSettings("mail.example.com", 2525, "plain")),
        ("smtp+starttls://mail.example.com", SmtpSettings("mail.example.com", 587, "starttls")),
        ("SMTPS://mail.example.com/", SmtpSettings("mail.example.com", 465, "tls")),
        (
            "smtp+starttls://bot%40example.com:p%3As%2Fs@mail.example.com:25?timeout=5",
            SmtpSettings("mail.example.com", 25, "starttls", "bot@example.com", "p:s/s", 5.0),
        ),
    ],
)
def test_smtp_urls_are_read(url, expected):
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "must start with smtp://"),
        ("mail.example.com", "must start with smtp://"),
        ("smtp://", "no host name"),
        ("smtp://mail.example.com:99999", "port must be a number"),
        ("smtp://mail.example.com:abc", "port must be a number"),
        ("smtp://mail.example.com/relay", "takes no path"),
        ("smtp://mail.example.com?tls=yes", "only option is timeout"),
        ("smtp://mail.example.com?timeout=0", "timeout must be a positive"),
        ("smtp://mail.example.com?timeout=soon", "timeout must be a positive"),
        ("smtp://:secret@mail.example.com", "password but no user name"),
    ],
)
def test_bad_smtp_urls_are_refused_clearly(url, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_smtp_url(url)


def test_no_url_means_no_transport():
    assert transport_from_url(None) is None
    assert transport_from_url("") is None
    assert transport_from_url("  ") is None


def test_the_password_is_never_shown():
    transport = transport_from_url("smtps://bot:hunter2@mail.example.com")
    assert transport is not None
    shown = f"{transport!r} {transport.settings!r} {transport.settings.describe()}"
    assert "hunter2" not in shown
    assert "smtps://bot@mail.example.com:465" in shown


# --- the message ----------------------------------------------------------------------------


def test_email_has_headers_utf8_text_and_a_calendar_attachment():
    email = build_email(
        a_message(), [ics_attachment()], mail_from="Workbench <research@example.se>", now=NOW
    )
    parsed = message_from_bytes(email.as_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Välkommen till användartestet"
    assert parsed["To"].addresses[0].display_name == "Åsa Öberg"
    assert parsed["To"].addresses[0].addr_spec == "asa@example.se"
    assert parsed["From"].addresses[0].addr_spec == "research@example.se"
    assert parsed["Message-ID"] == f"<outbox-42.{CREATED_STAMP}@example.se>"
    assert parsed["Date"].datetime == NOW
    assert parsed["Content-Language"] == "sv"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert (
        parsed.get_body(("plain",)).get_content() == "Hej Åsa!\n\nVi ses på torsdag klockan 10.\n"
    )
    [calendar] = list(parsed.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invite.ics"
    assert "SUMMARY:Användartest" in calendar.get_content()
    # Everything on the wire is 7-bit: no server needs 8BITMIME.
    assert email.as_bytes(policy=policy.SMTP).isascii()


def test_non_text_attachments_are_sent_as_bytes():
    attachment = OutboxAttachment(
        message_id=42, filename="data.json", content_type="application/json", content='{"å": 1}'
    )
    email = build_email(a_message(), [attachment], mail_from="a@example.se", now=NOW)
    [part] = list(email.iter_attachments())
    assert part.get_content_type() == "application/json"
    assert part.get_content().decode("utf-8") == '{"å": 1}'


def test_message_id_is_the_same_on_every_attempt():
    first = build_email(a_message(), [], mail_from="a@example.se", now=NOW)
    later = build_email(a_message(), [], mail_from="a@example.se", now=datetime.now(UTC))
    assert first["Message-ID"] == later["Message-ID"]


def test_an_unsendable_address_fails_when_built_but_shows_on_the_page():
    message = a_message(to_address="not an address")
    with pytest.raises(ValueError, match="Cannot send to"):
        build_email(message, [], mail_from="a@example.se", now=NOW)
    headers = dict(message_headers(message, mail_from="a@example.se"))
    assert headers["To"] == "Åsa Öberg <not an address>"


@pytest.mark.parametrize("good", ["Workbench <workbench@localhost>", "research@example.se"])
def test_good_sender_addresses(good):
    assert check_mail_from(good) == good


@pytest.mark.parametrize("bad", ["", "workbench", "a@example.se, b@example.se", "x <y>"])
def test_bad_sender_addresses(bad):
    with pytest.raises(ValueError, match="sender address"):
        check_mail_from(bad)


def test_errors_are_described_and_sorted_into_permanent_and_passing():
    refused = smtplib.SMTPRecipientsRefused({"x@example.se": (550, b"No such user")})
    busy = smtplib.SMTPRecipientsRefused({"x@example.se": (451, b"Try later")})
    assert describe_error(refused) == "Recipient refused: x@example.se: 550 No such user"
    assert is_permanent(refused)
    assert not is_permanent(busy)
    assert is_permanent(ValueError("bad header"))
    assert not is_permanent(smtplib.SMTPDataError(452, b"Mailbox full"))
    assert (
        describe_error(smtplib.SMTPDataError(452, b"Mailbox full"))
        == "SMTPDataError: 452 Mailbox full"
    )


# --- the connection -------------------------------------------------------------------------


def test_an_unreachable_server_is_reported_as_unavailable(closed_port):
    transport = transport_from_url(f"smtp://127.0.0.1:{closed_port}?timeout=5")
    email = build_email(a_message(), [], mail_from="a@example.se", now=NOW)
    with pytest.raises(TransportUnavailable, match=f"127.0.0.1:{closed_port}") as caught:
        transport.send(email)
    assert "ConnectionRefusedError" in describe_error(caught.value)
    transport.close()


def test_one_connection_carries_several_messages_and_logs_in(smtp_server):
    url = smtp_server.url(credentials="bot%40example.se:p%3Ass%20w%25rd")
    with transport_from_url(url) as transport:
        for number in (1, 2):
            transport.send(build_email(a_message(id=number), [], mail_from="a@example.se", now=NOW))
    assert smtp_server.logins == [("bot@example.se", "p:ss w%rd")]
    assert [r.message["Message-ID"].split(".")[0] for r in smtp_server.received] == [
        "<outbox-1",
        "<outbox-2",
    ]


def test_a_wrong_password_makes_the_server_unavailable(smtp_server):
    transport = transport_from_url(smtp_server.url(credentials="bot:wrong"))
    with pytest.raises(TransportUnavailable, match="Could not connect"):
        transport.send(build_email(a_message(), [], mail_from="a@example.se", now=NOW))
    transport.close()
    assert smtp_server.received == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_connections(certificate, scheme):
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    options = (
        {"tls_context": server_context, "require_starttls": True}
        if scheme == "smtp+starttls"
        else {"ssl_context": server_context}
    )
    controller, server = start_server(**options)
    try:
        client_context = ssl.create_default_context(cafile=cert)
        url = server.url(scheme, credentials="bot:p%3Ass%20w%25rd")
        with transport_from_url(url, ssl_context=client_context) as transport:
            transport.send(build_email(a_message(), [], mail_from="a@example.se", now=NOW))
    finally:
        controller.stop()
    assert len(server.received) == 1
    assert server.logins == [("bot", "p:ss w%rd")]
