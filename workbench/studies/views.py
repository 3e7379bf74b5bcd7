"""Staff pages for studies: the list, the plan, its status and the governance settings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.db import get_session, rollback_session, utcnow
from workbench.errors import WorkbenchError
from workbench.studies import services
from workbench.studies.forms import (
    ActionForm,
    AddParticipantForm,
    RecruitmentSettingsForm,
    SlotForm,
    StatusForm,
    StudyForm,
)
from workbench.studies.letters import local_time
from workbench.studies.lifecycle import ALLOWED_MOVES
from workbench.studies.models import IncentiveKind, ParticipantStatus, StudyMethod, StudyStatus
from workbench.studies.report import study_discovery
from workbench.studies.scheduling import open_slots, study_calendar
from workbench.studies.screening import ScreenerRules, count_eligible
from workbench.studies.settings import get_recruitment_settings, update_recruitment_settings

blueprint = Blueprint("studies", __name__, template_folder="templates")

RESEARCHERS = (Role.RESEARCHER,)
SHORT_TIME = "EEE d MMM, HH:mm"


@blueprint.app_template_filter("localtime")
def localtime_filter(moment, timezone: str) -> str:
    """A stored UTC time as wall-clock time where the session happens (staff pages: English)."""
    return local_time(moment, timezone, "en")


@blueprint.app_template_filter("shorttime")
def shorttime_filter(moment, timezone: str) -> str:
    """The same, short enough for a menu on a phone: "Tue 8 Dec, 02:00"."""
    return format_datetime(moment.astimezone(ZoneInfo(timezone)), SHORT_TIME, locale="en")


def run_action(action: Callable[[], str], study_id: int, *, anchor: str | None = None):
    """Run a change, commit, say what happened; a refused change is explained, not a crash.
    ``anchor``: the part of the study page to come back to."""
    try:
        message = action()
        get_session().commit()
        flash(message, "success")
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
    return redirect(url_for("studies.detail", study_id=study_id, _anchor=anchor))


def plan_from(form: StudyForm) -> services.StudyPlan:
    return services.StudyPlan(
        title=form.title.data or "",
        research_goal=form.research_goal.data or "",
        method=StudyMethod(form.method.data),
        meeting_link=form.meeting_link.data or "",
        target_participants=form.target_participants.data,
        over_recruit_factor=float(form.over_recruit_factor.data or Decimal("1.5")),
        incentive_kind=IncentiveKind(form.incentive_kind.data),
        incentive_value=form.incentive_value.data or 0,
        incentive_note=form.incentive_note.data or "",
        session_minutes=form.session_minutes.data,
        tasks=services.parse_tasks(form.tasks.data or ""),
    )


@blueprint.get("/studies")
@role_required(*RESEARCHERS)
def index():
    return render_template("studies/index.html", summaries=services.list_studies(get_session()))


@blueprint.route("/studies/new", methods=["GET", "POST"])
@role_required(*RESEARCHERS)
def new():
    form = StudyForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            study = services.create_study(
                session, plan_from(form), created_by_id=current_user.id, now=utcnow()
            )
        except WorkbenchError as error:
            rollback_session()
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"Study “{study.title}” created as a draft.", "success")
            if warning := services.target_warning(study.target_participants):
                flash(warning, "info")
            return redirect(url_for(".detail", study_id=study.id))
    return render_template("studies/edit.html", form=form, study=None)


@blueprint.route("/studies/<int:study_id>/edit", methods=["GET", "POST"])
@role_required(*RESEARCHERS)
def edit(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)
    form = StudyForm(obj=study)
    if request.method == "GET":
        form.tasks.data = services.format_tasks(services.study_tasks(session, study))
    if form.validate_on_submit():
        try:
            services.update_study(session, study, plan_from(form), now=utcnow())
        except WorkbenchError as error:
            rollback_session()
            flash(error.message, "error")
        else:
            session.commit()
            flash("Plan saved.", "success")
            if warning := services.target_warning(study.target_participants):
                flash(warning, "info")
            return redirect(url_for(".detail", study_id=study.id))
    return render_template("studies/edit.html", form=form, study=study)


@blueprint.get("/studies/<int:study_id>")
@role_required(*RESEARCHERS)
def detail(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)
    rules = ScreenerRules.from_dict(study.screener)
    settings = get_recruitment_settings(session)
    eligibility = count_eligible(session, rules, settings, study_id=study.id, now=utcnow())
    slot_form = SlotForm()
    from workbench.studies.recruitment_views import moderator_choices

    slot_form.moderator_id.choices = moderator_choices(session)
    return render_template(
        "studies/detail.html",
        study=study,
        tasks=services.study_tasks(session, study),
        warning=services.target_warning(study.target_participants),
        moves=sorted(ALLOWED_MOVES[study.status], key=list(StudyStatus).index),
        rules=rules,
        eligibility=eligibility,
        calendar=study_calendar(session, study),
        free_slots=open_slots(session, study, now=utcnow()),
        slot_form=slot_form,
        add_form=AddParticipantForm(),
        action_form=ActionForm(),
        statuses=ParticipantStatus,
        discovery=study_discovery(session, study),
    )


@blueprint.post("/studies/<int:study_id>/status")
@role_required(*RESEARCHERS)
def change_status(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)
    form = StatusForm()
    if not form.validate_on_submit() or form.status.data not in {s.value for s in StudyStatus}:
        flash("Pick a status.", "error")
        return redirect(url_for(".detail", study_id=study_id))
    target = StudyStatus(form.status.data)

    def move() -> str:
        services.change_status(session, study, target, now=utcnow())
        return f"The study is now {target.value}."

    return run_action(move, study_id)


@blueprint.route("/admin/recruitment", methods=["GET", "POST"])
@role_required()
def recruitment_settings():
    session = get_session()
    settings = get_recruitment_settings(session)
    form = RecruitmentSettingsForm(obj=settings)
    if form.validate_on_submit():
        try:
            update_recruitment_settings(
                session,
                invitation_cooldown_days=form.invitation_cooldown_days.data,
                max_studies_per_year=form.max_studies_per_year.data,
                invitation_valid_days=form.invitation_valid_days.data,
            )
        except WorkbenchError as error:
            rollback_session()
            flash(error.message, "error")
        else:
            session.commit()
            flash("Recruitment rules saved.", "success")
            return redirect(url_for(".recruitment_settings"))
    return render_template("studies/settings.html", form=form)
