"""The ``workbench`` command: database, demo data, serving, users, tokens and imports."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command

from workbench import create_app
from workbench.auth.models import Role, Scope
from workbench.auth.services import create_api_token, create_staff_user
from workbench.db import get_database
from workbench.errors import WorkbenchError
from workbench.importing import FileUnreadable, ImportSummary, open_rows

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_cli_app() -> Flask:
    # Commands do not serve requests, so they may run without a production secret.
    return create_app({"CLI_ONLY": True})


@click.group(cls=FlaskGroup, create_app=create_cli_app, add_default_commands=False)
def main() -> None:
    """Workbench: feedback and user-testing research."""


main.add_command(shell_command)
main.add_command(routes_command)


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest (or the given) revision."""
    from alembic import command

    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    click.echo(f"Database is at {revision}.")


@db.command("check")
def db_check() -> None:
    """Fail when the models and the migrations disagree."""
    from alembic import command

    command.check(alembic_config(current_app.config["DATABASE_URL"]))
    click.echo("Models and migrations agree.")


def demo_password(instance_path: str) -> str:
    """The demo users' password: WORKBENCH_DEMO_PASSWORD, or one made once and kept in the
    instance folder, so that a demo served on a network has no well-known password."""
    path = Path(instance_path) / "demo-password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    password = os.environ.get("WORKBENCH_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return password


@main.command()
def demo() -> None:
    """Load the demo forms, customers, feedback and staff users (safe to run twice)."""
    from workbench.demo import DEMO_USERS, load_demo

    password = demo_password(current_app.instance_path)
    with get_database().session_scope() as session:
        summary = load_demo(
            session,
            wording_version=current_app.config["CONSENT_WORDING_VERSION"],
            password=password,
        )
    users = ", ".join(DEMO_USERS.values())
    click.echo(f"Demo staff users: {users}; password: {password}")
    click.echo(json.dumps({"created": summary.as_dict()}))


@main.command()
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1"
)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="5000"
)
@click.option(
    "--workers", default=lambda: int(os.environ.get("WORKERS", "2")), type=int, show_default="2"
)
@click.option("--threads", default=4, type=int, show_default=True, help="Threads per worker.")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the app under gunicorn."""
    from workbench.config import InsecureConfigError, check_production_settings, load_config

    try:
        check_production_settings(load_config())
    except InsecureConfigError as error:
        raise click.ClickException(str(error)) from error
    arguments = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--config", "python:workbench.serving",
        "--access-logfile", "-",
        # Path only: query strings can hold searches for names and e-mail addresses.
        "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "workbench:create_app()",
    ]  # fmt: skip
    click.echo(f"Serving on http://{host}:{port} with {workers} workers")
    os.execv(sys.executable, arguments)


@main.group()
def users() -> None:
    """Staff accounts."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--name", default="")
def users_create(email: str, role: str, name: str) -> None:
    """Create a staff user; the password comes from a prompt, or stdin when piped."""
    password = _read_password()
    try:
        with get_database().session_scope() as session:
            user = create_staff_user(session, email, role, password, name)
            click.echo(f"Created {user.email} ({user.role.value}).")
    except WorkbenchError as error:
        raise click.ClickException(error.message) from error


@users.command("unlock")
@click.option("--email", required=True)
def users_unlock(email: str) -> None:
    """Let an account locked after wrong passwords log in again at once."""
    from workbench.auth.services import unlock_staff_user

    try:
        with get_database().session_scope() as session:
            user = unlock_staff_user(session, email)
            click.echo(f"Unlocked {user.email}.")
    except WorkbenchError as error:
        raise click.ClickException(error.message) from error


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.option(
    "--name", required=True, help="The integration's name; it becomes the source of its feedback."
)
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice([scope.value for scope in Scope]),
    default=[Scope.WRITE.value],
    show_default=True,
    help="Repeat for both. write sends feedback in; read lists every customer's feedback.",
)
def tokens_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create an API token and print it once; only its hash is stored."""
    try:
        with get_database().session_scope() as session:
            token, plain = create_api_token(session, name, scopes=scopes)
            chosen = token.scopes.replace(",", ", ")
    except WorkbenchError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Scopes: {chosen}.")
    click.echo("Store this token now; it cannot be shown again.")
    click.echo(f"API token for {name}: {plain}")


@main.group("import")
def import_group() -> None:
    """Import customers or feedback from CSV or JSON Lines."""


def _run_import(path: str, run, include_updated: bool = False) -> None:
    """Open the file, show progress on a terminal, commit, print the JSON summary last."""
    try:
        rows = open_rows(path)
    except FileUnreadable as error:
        raise click.ClickException(str(error)) from error
    hidden = not sys.stderr.isatty()
    with (
        rows,
        click.progressbar(
            length=rows.size or 0, label="Importing", file=sys.stderr, hidden=hidden
        ) as bar,
    ):

        def progress(_count: int) -> None:
            bar.update(rows.bytes_read - bar.pos)

        try:
            with get_database().session_scope() as session:
                summary: ImportSummary = run(session, rows, progress)
        except FileUnreadable as error:
            raise click.ClickException(str(error)) from error
    if summary.rejected:
        click.echo(f"{len(summary.rejected)} rows rejected; see the summary below.", err=True)
    click.echo(json.dumps(summary.as_dict(include_updated=include_updated), ensure_ascii=False))


@import_group.command("customers")
@click.argument("file", type=click.Path(dir_okay=False))
def import_customers_command(file: str) -> None:
    """Create or update customers (matched by external_ref, then e-mail)."""
    from workbench.customers.imports import import_customers

    wording = current_app.config["CONSENT_WORDING_VERSION"]
    _run_import(
        file,
        lambda session, rows, progress: import_customers(
            session, rows, wording_version=wording, progress=progress, checkpoint=session.commit
        ),
        include_updated=True,
    )


@import_group.command("feedback")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--source", required=True, help="Where the feedback comes from, e.g. trustpilot.")
@click.option("--text-column", required=True)
@click.option("--id-column")
@click.option("--rating-column")
@click.option("--date-column")
@click.option("--language-column")
@click.option("--email-column")
def import_feedback_command(
    file: str,
    source: str,
    text_column: str,
    id_column: str | None,
    rating_column: str | None,
    date_column: str | None,
    language_column: str | None,
    email_column: str | None,
) -> None:
    """Import feedback; re-importing the same rows adds nothing."""
    from workbench.feedback.imports import FeedbackColumns, import_feedback

    columns = FeedbackColumns(
        text=text_column,
        id=id_column,
        rating=rating_column,
        date=date_column,
        language=language_column,
        email=email_column,
    )
    _run_import(
        file,
        lambda session, rows, progress: import_feedback(
            session,
            rows,
            source=source,
            columns=columns,
            progress=progress,
            checkpoint=session.commit,
        ),
    )


from workbench.topics.cli import topics  # noqa: E402  (registered here, with the feature's commands)

main.add_command(topics)

from workbench.outbox.cli import outbox  # noqa: E402

main.add_command(outbox)
