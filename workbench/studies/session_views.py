"""The moderator's pages: run a session, log observations, no-shows and completion."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.db import get_session, rollback_session, utcnow
from workbench.errors import ValidationFailed, WorkbenchError
from workbench.formfields import options
from workbench.issues.models import SEVERITY_LABELS
from workbench.studies import services, sessions
from workbench.studies.models import SessionStatus, StudySession, TaskOutcome
from workbench.studies.participants import study_participant
from workbench.studies.public_views import current_mailing

blueprint = Blueprint("sessions", __name__, template_folder="templates")

RESEARCHERS = (Role.RESEARCHER,)
OUTCOME_LABELS = {
    TaskOutcome.SUCCESS: "Success",
    TaskOutcome.PARTIAL: "Partial",
    TaskOutcome.FAIL: "Fail",
    TaskOutcome.SKIPPED: "Skipped",
}


class ObservationForm(FlaskForm):
    task_id = IntegerField("Task", validators=[Optional()])
    note = TextAreaField("Note", validators=[Length(max=sessions.MAX_NOTE_LENGTH)])
    severity = IntegerField(
        "Severity",
        default=2,
        validators=[InputRequired("Pick a severity from 0 to 4."), NumberRange(0, 4)],
    )
    tags = StringField("Tags", validators=[Optional(), Length(max=500)])
    is_quote = BooleanField("Quote")
    publishable = BooleanField("Publishable")

    def values(self) -> dict:
        """The service's keyword arguments; WTForms' first complaint becomes a domain error."""
        if not self.validate():
            raise ValidationFailed(next(iter(self.errors.values()))[0])
        return {
            "note": self.note.data or "",
            "severity": self.severity.data,
            "task_id": self.task_id.data,
            "tags": sessions.split_tags(self.tags.data or ""),
            "is_quote": self.is_quote.data,
            "publishable": self.publishable.data,
        }


class TaskResultForm(FlaskForm):
    outcome = SelectField(choices=options((o.value, label) for o, label in OUTCOME_LABELS.items()))
    seconds = IntegerField(
        validators=[
            Optional(),
            NumberRange(0, sessions.MAX_TASK_SECONDS, "Seconds from 0 to 86400."),
        ]
    )


def attempt(action: Callable[[], str | None], back: str):
    """Run a change and commit; a refused change is flashed, not a crash (as run_action)."""
    try:
        message = action()
        get_session().commit()
        if message:
            flash(message, "success")
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
    return redirect(back)


def run_url(study_session: StudySession, anchor: str = "", **args) -> str:
    return url_for(".run", session_id=study_session.id, **args) + (f"#{anchor}" if anchor else "")


def render_run(study_session: StudySession, form: ObservationForm, status: int = 200):
    view = sessions.session_view(get_session(), study_session)
    if not request.form:
        form.task_id.data = view.current_task.id if view.current_task else None
    page = render_template(
        "studies/session.html",
        view=view,
        form=form,
        outcomes=OUTCOME_LABELS,
        severity_labels=SEVERITY_LABELS,
        statuses=SessionStatus,
        focus_note=request.args.get("focus") == "note" or status != 200,
    )
    return page, status


@blueprint.get("/studies/<int:study_id>/sessions")
@role_required(*RESEARCHERS)
def index(study_id: int):
    """Who comes when, and their sessions: start, open, no-show."""
    session = get_session()
    study = services.get_study(session, study_id)
    rows = sessions.study_sessions(session, study)
    return render_template("studies/sessions.html", study=study, rows=rows, statuses=SessionStatus)


@blueprint.post("/studies/<int:study_id>/participants/<int:participant_id>/start")
@role_required(*RESEARCHERS)
def start(study_id: int, participant_id: int):
    """Start a participant's session (a second click opens the same one)."""
    session = get_session()
    try:
        study = services.get_study(session, study_id)
        participant = study_participant(session, study.id, participant_id)
        study_session = sessions.start_session(
            session, participant, moderator_id=current_user.id, now=utcnow()
        )
        session.commit()
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
        return redirect(url_for(".index", study_id=study_id))
    return redirect(run_url(study_session, "tasks"))


@blueprint.post("/studies/<int:study_id>/participants/<int:participant_id>/no-show")
@role_required(*RESEARCHERS)
def no_show(study_id: int, participant_id: int):
    """Record that a participant did not come; the waitlist is offered the place."""

    def act() -> str:
        session = get_session()
        study = services.get_study(session, study_id)
        participant = study_participant(session, study.id, participant_id)
        marked = sessions.mark_no_show(session, participant, current_mailing(), now=utcnow())
        return (
            f"{marked.pseudonym} marked as a no-show. If anyone was on the waitlist, "
            "the best of them has been invited."
        )

    return attempt(act, url_for(".index", study_id=study_id))


@blueprint.get("/sessions/<int:session_id>")
@role_required(*RESEARCHERS)
def run(session_id: int):
    """The moderator's page: tasks, quick observations, completion."""
    study_session = sessions.get_study_session(get_session(), session_id)
    return render_run(study_session, ObservationForm(formdata=None))


@blueprint.post("/sessions/<int:session_id>/tasks/<int:task_id>")
@role_required(*RESEARCHERS)
def task_result(session_id: int, task_id: int):
    """Record a task's outcome and time on task."""
    session = get_session()
    study_session = sessions.get_study_session(session, session_id)
    form = TaskResultForm()

    def act() -> str:
        if not form.validate():
            raise ValidationFailed("Pick an outcome; time on task is 0 to 86400 seconds.")
        outcome = TaskOutcome(form.outcome.data)
        sessions.record_task_result(
            session,
            study_session,
            task_id,
            outcome=outcome,
            seconds=form.seconds.data,
            now=utcnow(),
        )
        return f"Task recorded: {OUTCOME_LABELS[outcome].lower()}."

    return attempt(act, run_url(study_session, f"task-{task_id}"))


@blueprint.post("/sessions/<int:session_id>/observations")
@role_required(*RESEARCHERS)
def observe(session_id: int):
    """Log an observation; the page comes back with the note field ready for the next one."""
    session = get_session()
    study_session = sessions.get_study_session(session, session_id)
    form = ObservationForm()
    try:
        sessions.log_observation(
            session, study_session, **form.values(), actor_id=current_user.id, now=utcnow()
        )
        session.commit()
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
        return render_run(study_session, form, status=422)  # keeps what was typed
    flash("Observation saved.", "success")
    # No fragment: a fragment target would make the browser skip autofocus on the note.
    return redirect(run_url(study_session, focus="note"))


@blueprint.post("/sessions/<int:session_id>/observations/<int:observation_id>")
@role_required(*RESEARCHERS)
def edit_observation(session_id: int, observation_id: int):
    """Correct an observation."""
    session = get_session()
    study_session = sessions.get_study_session(session, session_id)
    form = ObservationForm()

    def act() -> str:
        observation = sessions.get_observation(session, study_session, observation_id)
        sessions.update_observation(session, observation, **form.values())
        return "Observation updated."

    return attempt(act, run_url(study_session, f"obs-{observation_id}"))


@blueprint.post("/sessions/<int:session_id>/observations/<int:observation_id>/delete")
@role_required(*RESEARCHERS)
def delete_observation(session_id: int, observation_id: int):
    """Delete an observation logged by mistake."""
    session = get_session()
    study_session = sessions.get_study_session(session, session_id)

    def act() -> str:
        observation = sessions.get_observation(session, study_session, observation_id)
        sessions.delete_observation(session, observation)
        return "Observation deleted."

    return attempt(act, run_url(study_session, "observations"))


@blueprint.post("/sessions/<int:session_id>/complete")
@role_required(*RESEARCHERS)
def complete(session_id: int):
    """Complete the session: incentive recorded, the customer's last participation updated."""
    session = get_session()
    study_session = sessions.get_study_session(session, session_id)

    def act() -> str:
        sessions.complete_session(session, study_session, now=utcnow())
        return f"{study_session.pseudonym} completed; the incentive is recorded as given."

    return attempt(act, url_for(".index", study_id=study_session.study_id))
