"""The issue log pages: list, detail, create, edit, status, merge, observation to issue."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from workbench.auth.access import has_role, role_required
from workbench.auth.models import Role
from workbench.db import get_session, rollback_session, utcnow
from workbench.errors import WorkbenchError
from workbench.formfields import options
from workbench.issues import services
from workbench.issues.evidence import study_evidence
from workbench.issues.forms import (
    SORT_LABELS,
    ActionForm,
    IssueFilterForm,
    IssueForm,
    MergeForm,
    ObservationIssueForm,
    StatusForm,
)
from workbench.issues.lifecycle import STATUS_LABELS, moves_from
from workbench.issues.models import SEVERITY_LABELS, IssueKind, IssueStatus
from workbench.issues.priority import priority_label, priority_score
from workbench.paging import Page
from workbench.topics.triage import issue_topic_panel
from workbench.web import Done, act, safe_next

blueprint = Blueprint("issues", __name__, template_folder="templates")

READERS = (Role.RESEARCHER, Role.PRODUCT_OWNER, Role.VIEWER)
EDITORS = (Role.RESEARCHER, Role.PRODUCT_OWNER)


def _template_labels() -> dict:
    return {"status_labels": STATUS_LABELS, "severity_labels": SEVERITY_LABELS}


def _owner_choices(field, session, empty: str = "Nobody") -> None:
    owners = services.owners_to_choose(session)
    field.choices = options([("", empty)] + [(str(i), name) for i, name in owners])


@blueprint.get("/issues")
@role_required(*READERS)
def index():
    session = get_session()
    form = IssueFilterForm(request.args)
    _owner_choices(form.owner_id, session, empty="Anybody")
    form.study_id.choices = options(
        [("", "Any study")] + [(str(i), t) for i, t in services.studies_with_issues(session)]
    )
    per_page = current_app.config["PER_PAGE"]
    if not form.validate():  # the form shows what is wrong; a partial filter would mislead
        page = Page(items=[], total=0, page=1, per_page=per_page)
    else:
        filters = services.IssueFilters(
            status=form.status.data or "",
            kind=form.kind.data or "",
            min_severity=form.min_severity.data,
            owner_id=form.owner_id.data,
            study_id=form.study_id.data,
            search=form.search.data or "",
            sort=form.sort.data or "priority",
        )
        page = services.list_issues(session, filters, page=form.page.data or 1, per_page=per_page)
    return render_template(
        "issues/index.html",
        form=form,
        page=page,
        sort_labels=SORT_LABELS,
        can_change=has_role(*EDITORS),
        **_template_labels(),
    )


def _issue_fields(form: IssueForm) -> dict:
    return {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "kind": IssueKind(form.kind.data),
        "severity": form.severity.data,
        "owner_id": form.owner_id.data,
    }


@blueprint.route("/issues/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new():
    session = get_session()
    form = IssueForm()
    _owner_choices(form.owner_id, session)
    if form.validate_on_submit():
        try:
            issue = services.create_issue(
                session, **_issue_fields(form), actor_id=current_user.id, now=utcnow()
            )
        except WorkbenchError as error:
            rollback_session()
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"Issue #{issue.id} opened.", "success")
            return redirect(url_for(".detail", issue_id=issue.id))
    return render_template("issues/edit.html", form=form, issue=None)


@blueprint.route("/issues/<int:issue_id>/edit", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit(issue_id: int):
    session = get_session()
    issue = services.get_issue(session, issue_id)
    form = IssueForm(obj=issue)
    _owner_choices(form.owner_id, session)
    if form.validate_on_submit():
        try:
            services.update_issue(
                session, issue, **_issue_fields(form), actor_id=current_user.id, now=utcnow()
            )
        except WorkbenchError as error:
            rollback_session()
            flash(error.message, "error")
        else:
            session.commit()
            flash("Issue saved.", "success")
            return redirect(url_for(".detail", issue_id=issue.id))
    return render_template("issues/edit.html", form=form, issue=issue)


@blueprint.get("/issues/<int:issue_id>")
@role_required(*READERS)
def detail(issue_id: int):
    session = get_session()
    issue = services.get_issue(session, issue_id)
    evidence = study_evidence(session, [issue.id])[issue.id]
    score = priority_score(issue.severity, evidence.frequency)
    events = services.issue_events(session, issue)
    merge_form = MergeForm()
    candidates = services.open_issues(session, exclude_id=issue.id)
    merge_form.target_id.choices = options(
        [("", "Choose an issue")] + [(str(i.id), f"#{i.id} {i.title}") for i in candidates]
    )
    people = services.staff_names(
        session, [issue.owner_id, issue.created_by_id] + [e.actor_id for e in events]
    )
    return render_template(
        "issues/detail.html",
        issue=issue,
        evidence=evidence,
        score=score,
        label=priority_label(score),
        observations=services.linked_observations(session, issue),
        events=events,
        people=people,
        moves=moves_from(issue.status),
        merge_form=merge_form,
        action_form=ActionForm(),
        can_change=has_role(*EDITORS),
        can_publish=has_role(Role.PRODUCT_OWNER),
        panel=issue_topic_panel(session, issue.id),
        **_template_labels(),
    )


@blueprint.post("/issues/<int:issue_id>/status")
@role_required(*EDITORS)
def change_status(issue_id: int):
    session = get_session()
    issue = services.get_issue(session, issue_id)
    form = StatusForm()
    back = url_for(".detail", issue_id=issue_id)
    if not form.validate_on_submit() or form.status.data not in {s.value for s in IssueStatus}:
        flash("Pick a status.", "error")
        return redirect(back)
    target = IssueStatus(form.status.data)

    def move() -> Done:
        services.change_issue_status(session, issue, target, actor_id=current_user.id, now=utcnow())
        return Done(f"Issue #{issue.id} is now {STATUS_LABELS[target]}.", back)

    return act(move, back=back)


@blueprint.post("/issues/<int:issue_id>/merge")
@role_required(*EDITORS)
def merge(issue_id: int):
    session = get_session()
    source = services.get_issue(session, issue_id)
    form = MergeForm()
    back = url_for(".detail", issue_id=issue_id)
    if not form.validate_on_submit() or form.target_id.data is None:
        flash("Choose the issue to merge this one into.", "error")
        return redirect(back)

    def do_merge() -> Done:
        target = services.get_issue(session, form.target_id.data)
        services.merge_issues(session, source, target, actor_id=current_user.id, now=utcnow())
        message = f"Issue #{source.id} merged into #{target.id}; its observations moved there."
        return Done(message, url_for(".detail", issue_id=target.id))

    return act(do_merge, back=back)


@blueprint.post("/observations/<int:observation_id>/issue")
@role_required(*EDITORS)
def observation_issue(observation_id: int):
    """Attach an observation to ``issue_id``, or with ``new`` open an issue from it."""
    session = get_session()
    observation = services.get_observation(session, observation_id)
    form = ObservationIssueForm()
    next_url = safe_next(form.next.data)
    linked = observation.issue_id
    back = next_url or (url_for(".detail", issue_id=linked) if linked else url_for(".index"))
    if not form.validate_on_submit() or not (form.new.data or form.issue_id.data):
        flash("Choose an issue to attach the observation to, or open a new one.", "error")
        return redirect(back)

    def attach() -> Done:
        now, actor_id = utcnow(), current_user.id
        if form.new.data:
            issue = services.create_issue_from_observation(
                session, observation, actor_id=actor_id, now=now, title=form.title.data
            )
            message = f"Issue #{issue.id} opened from the observation."
        else:
            issue = services.get_issue(session, form.issue_id.data)
            services.link_observation(session, issue, observation, actor_id=actor_id, now=now)
            message = f"Observation attached to issue #{issue.id}."
        return Done(message, next_url or url_for(".detail", issue_id=issue.id))

    return act(attach, back=back)


@blueprint.post("/observations/<int:observation_id>/unlink")
@role_required(*EDITORS)
def unlink_observation(observation_id: int):
    session = get_session()
    observation = services.get_observation(session, observation_id)
    form = ActionForm()
    issue_id = observation.issue_id
    back = safe_next(form.next.data) or (
        url_for(".detail", issue_id=issue_id) if issue_id else url_for(".index")
    )
    if not form.validate_on_submit():
        flash("The form had expired; try again.", "error")
        return redirect(back)

    def unlink() -> Done:
        issue = services.unlink_observation(
            session, observation, actor_id=current_user.id, now=utcnow()
        )
        return Done(
            (f"Observation unlinked from #{issue.id}." if issue else "It was not linked."), back
        )

    return act(unlink, back=back)
