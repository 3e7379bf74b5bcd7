"""Topic runs: start one over all or some feedback, and watch it run in the background."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import Optional

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.db import get_session, rollback_session, utcnow
from workbench.errors import WorkbenchError
from workbench.feedback.inbox import list_sources
from workbench.feedback.models import JourneyStage
from workbench.feedback.services import list_forms
from workbench.formfields import DateRange, options
from workbench.jobs.models import JobStatus
from workbench.jobs.runner import dispatch
from workbench.topics.clustering import installed_engines
from workbench.topics.runs import get_run, model_folder, recent_runs, start_topic_run
from workbench.topics.selection import TopicRunFilters

blueprint = Blueprint("topic_runs", __name__, template_folder="templates")

READERS = (Role.RESEARCHER, Role.PRODUCT_OWNER, Role.VIEWER)
STARTERS = (Role.RESEARCHER, Role.PRODUCT_OWNER)
TOPIC_COUNTS = [("auto", "Let the engine decide")] + [(str(n), str(n)) for n in (5, 10, 20, 40)]
STAGES = [("", "Any")] + [(stage.value, stage.value.replace("_", " ")) for stage in JourneyStage]
#: What each engine does, in a product owner's words; only installed engines are offered.
ENGINES = {
    "multilingual": "By meaning, Swedish and English together (recommended)",
    "tfidf": "By shared words (fastest; each language apart)",
    "semantic": "By meaning, English only",
}


class RunForm(FlaskForm):
    date_from = DateField("Received from", validators=[Optional(), DateRange()])
    date_to = DateField("Received until", validators=[Optional(), DateRange()])
    source = SelectField("Source", choices=[], default="")
    language = SelectField(
        "Language", choices=options([("", "Any"), ("sv", "Swedish"), ("en", "English")]), default=""
    )
    form_id = SelectField("Form", choices=[], default="")
    journey_stage = SelectField(
        "Journey stage",
        choices=options(STAGES),
        default="",
    )
    engine = SelectField("Group feedback", choices=[])
    n_topics = SelectField("Number of topics", choices=options(TOPIC_COUNTS), default="auto")
    fresh = BooleanField("Fresh run (let new themes appear; ids are still matched)")


def run_form() -> RunForm:
    session = get_session()
    form = RunForm()
    form.source.choices = options([("", "Any")] + [(s, s) for s in list_sources(session)])
    forms = list_forms(session)
    form.form_id.choices = options([("", "Any")] + [(str(f.id), f.title) for f in forms])
    installed = [engine for engine in ENGINES if engine in installed_engines()]
    form.engine.choices = options([(engine, ENGINES[engine]) for engine in installed])
    if form.engine.data is None:
        form.engine.data = installed[0]
    return form


@blueprint.get("/topics/runs")
@role_required(*READERS)
def index():
    return render_template("topics/runs.html", runs=recent_runs(get_session()), form=run_form())


@blueprint.post("/topics/runs")
@role_required(*STARTERS)
def start():
    form = run_form()
    if not form.validate_on_submit():
        problems = "; ".join(m for messages in form.errors.values() for m in messages)
        flash(f"The run was not started: {problems}", "error")
        return redirect(url_for(".index"))
    filters = TopicRunFilters(
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        source=form.source.data or None,
        language=form.language.data or None,
        form_id=int(form.form_id.data) if form.form_id.data else None,
        journey_stage=form.journey_stage.data or None,
    )
    session = get_session()
    try:
        run = start_topic_run(
            session,
            filters,
            model_dir=model_folder(current_app.instance_path),
            engine=form.engine.data,
            n_topics=form.n_topics.data
            if form.n_topics.data == "auto"
            else int(form.n_topics.data),
            warm=not form.fresh.data,
            created_by_id=current_user.id,
            now=utcnow(),
        )
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
        return redirect(url_for(".index"))
    session.commit()
    dispatch(current_app, run.job_id)
    flash(f"Run {run.id} started; this page follows it.", "success")
    return redirect(url_for(".detail", run_id=run.id))


@blueprint.get("/topics/runs/<int:run_id>")
@role_required(*READERS)
def detail(run_id: int):
    run = get_run(get_session(), run_id)
    working = run.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render_template("topics/run.html", run=run, job=run.job, working=working)
