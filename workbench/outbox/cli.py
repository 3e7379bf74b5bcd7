"""``workbench outbox``: send what is due, for cron or a worker."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from workbench.db import get_database, utcnow
from workbench.outbox.sending import check_mail_from, transport_from_url
from workbench.outbox.services import send_due


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

    Without WORKBENCH_SMTP_URL nothing is sent: the messages are kept for the outbox page.
    """
    try:
        transport = transport_from_url(current_app.config["SMTP_URL"])
    except ValueError as error:
        raise click.ClickException(f"WORKBENCH_SMTP_URL: {error}") from error
    try:
        mail_from = check_mail_from(current_app.config["MAIL_FROM"])
    except ValueError as error:
        raise click.ClickException(f"WORKBENCH_MAIL_FROM: {error}") from error
    with get_database(current_app).session_scope() as session:
        summary = send_due(
            session,
            transport=transport,
            now=utcnow(),
            limit=limit,
            mail_from=mail_from,
            checkpoint=session.commit,
        )
    click.echo(summary.describe())
