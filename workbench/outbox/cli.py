"""``workbench outbox``: send what is due, for cron or a worker."""

from __future__ import annotations

import click


@click.group()
def outbox() -> None:
    """The e-mail outbox."""
