"""``workbench topics``: cluster a file's texts (no database), or run topics over the feedback."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from workbench.db import get_database, utcnow
from workbench.errors import WorkbenchError
from workbench.topics.clustering import ENGINES, LANGUAGES
from workbench.topics.files import cluster_file
from workbench.topics.outputs import check_output_paths, write_outputs

#: Unreadable rows listed on stderr; the rest are counted.
MAX_LISTED_PROBLEMS = 10


class TopicCount(click.ParamType):
    """``auto`` or a positive whole number."""

    name = "auto|N"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        text = str(value).strip().lower()
        if text == "auto":
            return "auto"
        try:
            number = int(text)
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"{value!r} is neither 'auto' nor a positive whole number.", param, ctx)
        return number


def _stage_messages(enabled: bool):
    """Progress on a terminal: each stage on stderr; nothing when piped or redirected."""
    started = time.perf_counter()

    def report(message: str) -> None:
        if enabled:
            click.echo(f"[{time.perf_counter() - started:5.1f} s] {message}…", err=True)

    return report


@click.group()
def topics() -> None:
    """Topics: cluster texts into topics."""


@topics.command("fit")
@click.argument("input_file", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("--text-column", required=True, help="The column (or JSON field) with the text.")
@click.option(
    "--rating-column",
    help="A column with ratings from 1 to 5: a rated row's polarity comes from its rating "
    "(1-2 negative, 3 neutral, 4-5 positive), and the polarity model learns from them.",
)
@click.option(
    "--polarity/--no-polarity",
    "by_polarity",
    default=True,
    show_default=True,
    help="Keep complaints and praise in separate topics, and write each row's polarity.",
)
@click.option("--language", type=click.Choice(LANGUAGES), default="auto", show_default=True)
@click.option(
    "--topics",
    "n_topics",
    type=TopicCount(),
    default="auto",
    show_default=True,
    help="How many topics: a number, or auto to let the texts decide.",
)
@click.option("--engine", type=click.Choice(ENGINES), default="tfidf", show_default=True)
@click.option(
    "--random-state",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="Seed: the same file and seed give the same topics.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="CSV to write: row,topic,polarity for every data row (topic -1: unclear).",
)
@click.option(
    "--topics-out", type=click.Path(dir_okay=False), help="JSON to write: the topics found."
)
def fit(
    input_file: str,
    text_column: str,
    rating_column: str | None,
    by_polarity: bool,
    language: str,
    n_topics: str | int,
    engine: str,
    random_state: int,
    out: str,
    topics_out: str | None,
) -> None:
    """Fit topics on the texts of a CSV or JSON Lines file and write each row's topic.

    Rows with an empty or unreadable text get topic -1. Nothing is written unless the fit
    succeeds; an existing OUT or TOPICS file is then replaced whole.
    """
    started = time.perf_counter()
    progress = _stage_messages(sys.stderr.isatty())
    try:
        check_output_paths(input_file, out, topics_out)
        result = cluster_file(
            input_file,
            text_column,
            language=language,
            n_topics=n_topics,
            engine=engine,
            random_state=random_state,
            progress=progress,
            rating_column=rating_column,
            by_polarity=by_polarity,
        )
        progress("Writing " + " and ".join(path for path in (out, topics_out) if path))
        write_outputs(result, out, topics_out)
    except WorkbenchError as error:
        raise click.ClickException(error.message) from error
    for problem in result.unreadable[:MAX_LISTED_PROBLEMS]:
        click.echo(f"Line {problem.line}: {problem.reason} (topic -1)", err=True)
    if len(result.unreadable) > MAX_LISTED_PROBLEMS:
        more = len(result.unreadable) - MAX_LISTED_PROBLEMS
        click.echo(f"… and {more} more unreadable rows (topic -1)", err=True)
    for problem in result.bad_ratings[:MAX_LISTED_PROBLEMS]:
        click.echo(f"Line {problem.line}: {problem.reason} (polarity read from the text)", err=True)
    if len(result.bad_ratings) > MAX_LISTED_PROBLEMS:
        more = len(result.bad_ratings) - MAX_LISTED_PROBLEMS
        click.echo(f"… and {more} more rows with a bad rating", err=True)
    click.echo(result.summary(time.perf_counter() - started))


@topics.command("run")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Feedback from this day on.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Feedback up to this day.")
@click.option("--source", help="Only feedback from this source.")
@click.option("--language", help="Only feedback in this language (sv, en …).")
@click.option("--engine", type=click.Choice(ENGINES), default="tfidf", show_default=True)
@click.option("--topics", "n_topics", type=TopicCount(), default="auto", show_default=True)
@click.option("--fresh", is_flag=True, help="Fit afresh instead of from the current topics.")
@with_appcontext
def run(since, until, source, language, engine, n_topics, fresh) -> None:
    """Run topics over the stored feedback now and make the result current."""
    from workbench.jobs.models import Job, JobStatus
    from workbench.jobs.runner import InlineDispatcher
    from workbench.topics.models import TopicRun
    from workbench.topics.runs import model_folder, start_topic_run
    from workbench.topics.selection import TopicRunFilters

    filters = TopicRunFilters(
        date_from=since.date() if since else None,
        date_to=until.date() if until else None,
        source=source or None,
        language=language or None,
    )
    database = get_database()
    try:
        with database.session_scope() as session:
            run_id = start_topic_run(
                session,
                filters,
                model_dir=model_folder(current_app.instance_path),
                engine=engine,
                n_topics=n_topics,
                warm=not fresh,
                now=utcnow(),
            ).id
    except WorkbenchError as error:
        raise click.ClickException(error.message) from error
    with database.session_scope() as session:
        job_id = session.get(TopicRun, run_id).job_id
    InlineDispatcher().dispatch(database, job_id)
    with database.session_scope() as session:
        result, job = session.get(TopicRun, run_id), session.get(Job, job_id)
    if job.status != JobStatus.SUCCEEDED:
        raise click.ClickException(f"Topic run {run_id} failed: {job.error}")
    metrics, seconds = result.metrics, sum(result.timings.values())
    click.echo(
        f"Run {run_id}: {metrics['n_texts']} texts, {metrics['n_topics']} topics "
        f"({metrics['n_new_topics']} new), {metrics['unclear_share']:.1%} unclear, {seconds:.1f} s"
    )
