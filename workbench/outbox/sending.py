"""E-mail as it leaves the outbox: the MIME message and the SMTP connection it goes out on."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import format_datetime, parseaddr
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from workbench.addresses import clean_display_name
from workbench.outbox.models import OutboxAttachment, OutboxMessage

DEFAULT_TIMEOUT = 30.0
# scheme: (default port, how the connection is secured)
SCHEMES = {
    "smtp": (25, "plain"),
    "smtp+starttls": (587, "starttls"),
    "smtps": (465, "tls"),
}


class TransportUnavailable(Exception):
    """The mail server cannot be reached, or refused the connection or login: try later.

    ``mid_message``: the connection broke while a message was being handed over, which that
    message may have caused (a size or a content the server drops), so it counts against it."""

    def __init__(self, text: str, *, mid_message: bool = False) -> None:
        super().__init__(text)
        self.mid_message = mid_message


# 421: the server is shutting the connection down (RFC 5321 3.8), whichever command it answers.
SERVICE_NOT_AVAILABLE = 421


class Transport(Protocol):
    """What sending needs: hand over one message (raising on failure), then close."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


# --- the message ----------------------------------------------------------------------------


def recipient(message: OutboxMessage, *, strict: bool = False) -> str:
    """The To header: the name (on one line, quoted when needed) and the address.

    An address that cannot be sent to raises ValueError when ``strict``; otherwise it is shown
    as it is (the staff page shows every message, sendable or not).
    """
    # Rows queued before names were cleaned may hold a U+2028 or a control character, which
    # the email package refuses in a header: clean here too, or such a letter never goes out.
    name = clean_display_name(message.to_name)
    try:
        return str(Address(display_name=name, addr_spec=message.to_address))
    except (ValueError, IndexError, HeaderParseError) as error:
        if strict:
            raise ValueError(f"Cannot send to {message.to_address!r}: {error}") from error
        return f"{name} <{clean_display_name(message.to_address)}>".strip()


def clean_mail_from(mail_from: str) -> str:
    """``mail_from`` on one line: a line break in the sender's name is neither an injection nor
    a reason that nothing can be sent (an address holds no such characters to lose)."""
    return clean_display_name(mail_from)


def check_mail_from(mail_from: str) -> str:
    """Return ``mail_from`` (cleaned) if it is one address such as ``Name <a@b.se>``; else
    ValueError."""
    mail_from = clean_mail_from(mail_from)
    email = EmailMessage()
    try:
        email["From"] = mail_from
        header = email["From"]
    except (ValueError, HeaderParseError) as error:
        raise ValueError(f"The sender address {mail_from!r} is not valid: {error}") from error
    addresses = header.addresses
    if len(addresses) != 1 or header.defects or "@" not in addresses[0].addr_spec:
        raise ValueError(
            f"The sender address {mail_from!r} must be one address, as in "
            "'Workbench <workbench@example.com>'."
        )
    return mail_from


def message_id(message: OutboxMessage, mail_from: str) -> str:
    """A Message-ID that stays the same on every attempt, so a repeat can be recognised."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{domain}>"


def message_headers(message: OutboxMessage, *, mail_from: str) -> list[tuple[str, str]]:
    """The headers that identify the message (the Date header is added when it is sent)."""
    mail_from = clean_mail_from(mail_from)
    return [
        ("From", mail_from),
        ("To", recipient(message)),
        ("Subject", clean_display_name(message.subject)),
        ("Message-ID", message_id(message, mail_from)),
        ("Content-Language", message.language),
        # RFC 3834: no out-of-office replies to automatic mail.
        ("Auto-Submitted", "auto-generated"),
    ]


def build_email(
    message: OutboxMessage,
    attachments: Sequence[OutboxAttachment],
    *,
    mail_from: str,
    now: datetime,
) -> EmailMessage:
    """The MIME message: UTF-8 text body, then each attachment with its own content type."""
    email = EmailMessage()
    email.set_content(message.body_text, charset="utf-8", cte=_transfer_encoding(message.body_text))
    for attachment in attachments:
        _attach(email, attachment)
    # Headers last: setting the content would drop Content-Language, and adding an attachment
    # would move it down into the text part.
    for name, value in message_headers(message, mail_from=mail_from):
        email[name] = value
    email.replace_header("To", recipient(message, strict=True))
    email["Date"] = format_datetime(now)
    return email


def _transfer_encoding(text: str) -> str | None:
    """Quoted-printable for non-ASCII text, so that no server needs to take 8-bit mail."""
    return None if text.isascii() else "quoted-printable"


def _attach(email: EmailMessage, attachment: OutboxAttachment) -> None:
    header = Message()
    header["Content-Type"] = attachment.content_type
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    # Parameters such as method=REQUEST (which calendar clients need) stay with the part.
    params = {key: value for key, value in header.get_params()[1:] if key.lower() != "charset"}
    if maintype == "text":
        email.add_attachment(
            attachment.content,
            subtype=subtype,
            charset="utf-8",
            cte=_transfer_encoding(attachment.content),
            filename=clean_display_name(attachment.filename),
            params=params,
        )
    else:
        email.add_attachment(
            attachment.content.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=clean_display_name(attachment.filename),
            params=params,
        )


def is_permanent(error: Exception) -> bool:
    """Will trying again never help? A message that cannot be built, or refused recipients."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            code >= 500 for code, _text in error.recipients.values()
        )
    return isinstance(error, ValueError | HeaderParseError)


def describe_error(error: Exception) -> str:
    """A readable one-paragraph reason, without bytes literals."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {_reply(code, text)}" for address, (code, text) in error.recipients.items()
        ]
        return "Recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, TransportUnavailable) and error.__cause__ is not None:
        return f"{error} ({describe_error(error.__cause__)})"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


# --- the connection -------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # plain | starttls | tls
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        """The server without the credentials, for messages and logs."""
        scheme = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[self.security]
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read ``smtp[+starttls]://`` or ``smtps://[user:password@]host[:port][?timeout=S]``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError(
            f"The SMTP URL must start with smtp://, smtp+starttls:// or smtps://, not {scheme!r}."
        )
    if not parts.hostname:
        raise ValueError("The SMTP URL has no host name, as in smtp://mail.example.com.")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError("The SMTP URL's port must be a number from 1 to 65535.") from error
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("The SMTP URL takes no path: smtp://[user:password@]host[:port].")
    timeout = DEFAULT_TIMEOUT
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "timeout":
            raise ValueError(f"The SMTP URL's only option is timeout, not {key!r}.")
        try:
            timeout = float(value)
        except ValueError:
            timeout = 0
        if not timeout > 0:
            raise ValueError("The SMTP URL's timeout must be a positive number of seconds.")
    default_port, security = SCHEMES[scheme]
    if parts.password is not None and not parts.username:
        raise ValueError("The SMTP URL has a password but no user name.")
    return SmtpSettings(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        timeout=timeout,
    )


class SmtpTransport:
    """Sends over one SMTP connection, opened on the first message and reused while it lasts."""

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None):
        self.settings = settings
        self._ssl_context = ssl_context
        self._connection: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpTransport({self.settings.describe()})"

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Connect (and log in) now; TransportUnavailable when the server cannot be reached.

        A sender calls this before it claims a message, so that an outage uses up no message's
        attempts: the messages simply wait for the next run.
        """
        self._connect()

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; TransportUnavailable when the server is the problem.

        Any other exception (a refused recipient or message) concerns this message only.
        """
        connection = self._connect()
        try:
            connection.send_message(message)
        except (
            smtplib.SMTPServerDisconnected,
            smtplib.SMTPConnectError,
            smtplib.SMTPHeloError,
        ) as error:
            self.close()
            raise TransportUnavailable(
                f"Lost {self.settings.describe()}", mid_message=True
            ) from error
        except smtplib.SMTPException as error:
            if _server_closing(error):
                self.close()
                raise TransportUnavailable(
                    f"Lost {self.settings.describe()}", mid_message=True
                ) from error
            raise
        except OSError as error:  # timeouts, resets: the connection is no longer usable
            self.close()
            raise TransportUnavailable(
                f"Lost {self.settings.describe()}", mid_message=True
            ) from error

    def close(self) -> None:
        """Say goodbye to the server; sending again opens a new connection."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except OSError:
            connection.close()

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            try:  # servers close idle connections; find out before sending, not during
                if self._connection.noop()[0] == 250:
                    return self._connection
            except OSError:
                pass
            self.close()
        settings = self.settings
        context = self._ssl_context or ssl.create_default_context()
        try:
            if settings.security == "tls":
                connection = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            try:
                # A server that answers HELO with 4xx is as unreachable as one that is down.
                connection.ehlo_or_helo_if_needed()
                if settings.security == "starttls":
                    connection.starttls(context=context)
                if settings.username:
                    connection.login(settings.username, settings.password)
            except BaseException:
                connection.close()
                raise
        except OSError as error:  # smtplib's errors are OSErrors too
            raise TransportUnavailable(f"Could not connect to {settings.describe()}") from error
        self._connection = connection
        return connection


def _server_closing(error: smtplib.SMTPException) -> bool:
    """Did the server answer 421, closing the connection for every message, not just this one?"""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == SERVICE_NOT_AVAILABLE for code, _text in error.recipients.values())
    return getattr(error, "smtp_code", None) == SERVICE_NOT_AVAILABLE


def transport_from_url(
    url: str | None, *, ssl_context: ssl.SSLContext | None = None
) -> SmtpTransport | None:
    """The transport for ``url``; None when no URL is set (messages are kept, not sent)."""
    if not url or not url.strip():
        return None
    return SmtpTransport(parse_smtp_url(url), ssl_context=ssl_context)
