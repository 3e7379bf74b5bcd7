"""``workbench outbox``: send what is due, for cron or a worker."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from workbench.db import Database, get_database, utcnow
from workbench.outbox.sending import (
    SmtpTransport,
    TransportUnavailable,
    check_mail_from,
    describe_error,
    transport_from_url,
)
from workbench.outbox.services import SendSummary, count_due, send_due


@click.group()
def outbox() -> None:
    """The e-mail outbox."""


@outbox.command("send")
@click.option(
    "--limit",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="Send at most this many messages in this run.",
)
@with_appcontext
def send_command(limit: int) -> None:
    """Send the messages that are due (reminders included) and print a one-line summary.

    Without WORKBENCH_SMTP_URL nothing is sent: the messages are kept for the outbox page. When
    the server cannot be reached nothing is tried: the messages wait for the next run.
    """
    try:
        transport = transport_from_url(current_app.config["SMTP_URL"])
    except ValueError as error:
        raise click.ClickException(f"WORKBENCH_SMTP_URL: {error}") from error
    try:
        mail_from = check_mail_from(current_app.config["MAIL_FROM"])
    except ValueError as error:
        raise click.ClickException(f"WORKBENCH_MAIL_FROM: {error}") from error
    database = get_database(current_app)
    if transport is not None:
        unreachable = _check_server(transport, database)
        if unreachable is not None:
            click.echo(unreachable.describe())
            return
    # send_due closes the connection opened above.
    with database.session_scope() as session:
        summary = send_due(
            session,
            transport=transport,
            now=utcnow(),
            limit=limit,
            mail_from=mail_from,
            checkpoint=session.commit,
        )
    click.echo(summary.describe())


def _check_server(transport: SmtpTransport, database: Database) -> SendSummary | None:
    """Reach the server before any message is claimed; what to report when it cannot be.

    Claiming a message counts an attempt, so a run into an outage would use up the attempts
    of one message after another until each failed for good.
    """
    with database.session_scope() as session:
        due = count_due(session, now=utcnow())
    if not due:  # no connection every minute of a quiet day
        return None
    # Out of any transaction: no database lock is held while the connection times out.
    try:
        transport.open()
    except TransportUnavailable as error:
        stopped = (
            "the SMTP server cannot be reached; no message was tried, all wait for the next run. "
            + describe_error(error)
        )
        return SendSummary(smtp_configured=True, kept=due, stopped=stopped)
    return None
