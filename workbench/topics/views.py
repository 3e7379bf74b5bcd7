"""The topic browser: runs, topics, edits and triage into the issue log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from workbench.auth.access import has_role, role_required
from workbench.auth.models import Role
from workbench.db import get_session, utcnow
from workbench.feedback.forms import FeedbackFilterForm
from workbench.feedback.inbox import FeedbackFilters, list_sources
from workbench.formfields import options
from workbench.issues.models import SEVERITY_LABELS, IssueKind
from workbench.issues.services import get_issue
from workbench.paging import Page
from workbench.topics import browser, triage
from workbench.topics.assignments import current_run
from workbench.topics.forms import (
    ActionForm,
    LinkIssueForm,
    MergeForm,
    MoveForm,
    OpenIssueForm,
    RenameForm,
    SplitForm,
)
from workbench.web import Done, act, safe_next

blueprint = Blueprint("topics", __name__, template_folder="templates")

READERS = (Role.RESEARCHER, Role.PRODUCT_OWNER, Role.VIEWER)
EDITORS = (Role.PRODUCT_OWNER, Role.RESEARCHER)
POLARITY_FILTERS = {
    "": "All topics",
    "negative": "Complaints",
    "neutral": "Neutral",
    "positive": "Praise",
}
#: The badge beside a topic's label: what its items share.
POLARITY_NAMES = {"negative": "complaints", "neutral": "neutral", "positive": "praise"}
SORT_LABELS = {
    "impact": "Impact",
    "size": "Size",
    "trend": "Trend",
    "rating": "Lowest rating",
    "label": "Name",
}


@blueprint.get("/topics")
@role_required(*READERS)
def index():
    session = get_session()
    sort = request.args.get("sort", "impact")
    sort = sort if sort in SORT_LABELS else "impact"
    polarity = request.args.get("polarity", "")
    polarity = polarity if polarity in POLARITY_FILTERS else ""
    rows = browser.topic_rows(session, now=utcnow(), sort=sort, polarity=polarity)
    return render_template(
        "topics/index.html",
        run=current_run(session),
        rows=rows,
        themes=browser.theme_rows(rows),
        sort=sort,
        sort_labels=SORT_LABELS,
        polarity_filter=polarity,
        polarity_filters=POLARITY_FILTERS,
        polarity_names=POLARITY_NAMES,
    )


def _filters(form: FeedbackFilterForm) -> FeedbackFilters | None:
    if not form.validate():
        return None
    rating = form.rating.data
    return FeedbackFilters(
        source=form.source.data or "",
        language=form.language.data or "",
        rating=int(rating) if rating in {"1", "2", "3", "4", "5"} else None,
        polarity=form.polarity.data or "",
        journey_stage=form.journey_stage.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        search=form.search.data or "",
    )


@blueprint.get("/topics/<int:topic_id>")
@role_required(*READERS)
def detail(topic_id: int):
    session = get_session()
    topic = browser.get_topic(session, topic_id)
    if topic.merged_into_id is not None:
        flash(f"Topic #{topic.id} was merged into this one.", "info")
        return redirect(url_for(".detail", topic_id=topic.merged_into_id))
    row = browser.topic_row(session, topic, now=utcnow())
    form = FeedbackFilterForm(request.args)
    form.source.choices = options([("", "Any source")] + [(s, s) for s in list_sources(session)])
    filters = _filters(form)
    per_page = current_app.config["PER_PAGE"]
    page = (
        Page(items=[], total=0, page=1, per_page=per_page)
        if filters is None
        else browser.topic_feedback(session, topic, filters, page=form.page.data, per_page=per_page)
    )
    choices = browser.topic_choices(session, exclude_id=topic.id)
    merge_form = MergeForm()
    merge_form.target_id.choices = options(
        [("", "Choose a topic")] + [(str(i), label) for i, label in choices]
    )
    chart = {
        "labels": [w.start.isoformat() for w in row.weeks],
        "counts": [w.count for w in row.weeks],
    }
    return render_template(
        "topics/detail.html",
        run=current_run(session),
        polarity_names=POLARITY_NAMES,
        row=row,
        form=form,
        page=page,
        choices=choices,
        chart_data=chart,
        rename_form=RenameForm(label=topic.custom_label),
        merge_form=merge_form,
        split_form=SplitForm(),
        issue_form=OpenIssueForm(title=row.label),
        link_form=LinkIssueForm(),
        action_form=ActionForm(),
        severity_labels=SEVERITY_LABELS,
        can_change=has_role(*EDITORS),
    )


def _back(topic_id: int) -> str:
    return url_for(".detail", topic_id=topic_id)


def _refused(message: str, topic_id: int):
    flash(message, "error")
    return redirect(_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/rename")
@role_required(*EDITORS)
def rename(topic_id: int):
    session = get_session()
    topic = browser.get_topic(session, topic_id)
    form = RenameForm()
    if not form.validate_on_submit():
        return _refused("Keep the name to 200 characters.", topic_id)

    def do_rename() -> Done:
        browser.rename_topic(session, topic, form.label.data or "")
        renamed = "Topic renamed." if topic.custom_label else "The engine's name is back."
        return Done(renamed, _back(topic_id))

    return act(do_rename, back=_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/merge")
@role_required(*EDITORS)
def merge(topic_id: int):
    session = get_session()
    source = browser.get_topic(session, topic_id)
    form = MergeForm()
    form.target_id.choices = options(
        [(str(i), label) for i, label in browser.topic_choices(session, exclude_id=topic_id)]
    )
    if not form.validate_on_submit() or form.target_id.data is None:
        return _refused("Choose the topic to merge this one into.", topic_id)

    def do_merge() -> Done:
        target = browser.get_topic(session, form.target_id.data)
        browser.merge_topics(session, source, target, actor_id=current_user.id, now=utcnow())
        return Done(f"Topic #{source.id} merged into this one; nothing was lost.", _back(target.id))

    return act(do_merge, back=_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/split")
@role_required(*EDITORS)
def split(topic_id: int):
    session = get_session()
    topic = browser.get_topic(session, topic_id)
    form = SplitForm()
    if not form.validate_on_submit():
        return _refused("Choose how many topics to split into.", topic_id)
    n = "auto" if form.n.data == "auto" else int(form.n.data)

    def do_split() -> Done:
        parts = browser.split_topic(session, topic, n=n, actor_id=current_user.id, now=utcnow())
        return Done(f"Split into {len(parts)} new topics.", url_for(".index"))

    return act(do_split, back=_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/move")
@role_required(*EDITORS)
def move(topic_id: int):
    session = get_session()
    browser.get_topic(session, topic_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.topic_id.data is None:
        return _refused("Choose the topic to move the item to.", topic_id)

    def do_move() -> Done:
        browser.move_feedback(
            session, form.feedback_id.data, form.topic_id.data, actor_id=current_user.id
        )
        return Done(f"Feedback #{form.feedback_id.data} moved.", _back(topic_id))

    return act(do_move, back=_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/issue")
@role_required(*EDITORS)
def open_issue(topic_id: int):
    session = get_session()
    topic = browser.get_topic(session, topic_id)
    form = OpenIssueForm()
    if not form.validate_on_submit():
        return _refused("An issue needs a title (up to 200 characters).", topic_id)

    def do_open() -> Done:
        issue = triage.open_issue_from_topic(
            session,
            topic,
            title=form.title.data,
            kind=IssueKind(form.kind.data),
            severity=form.severity.data,
            actor_id=current_user.id,
            now=utcnow(),
        )
        return Done(
            f"Issue #{issue.id} opened and linked.", url_for("issues.detail", issue_id=issue.id)
        )

    return act(do_open, back=_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/link")
@role_required(*EDITORS)
def link_issue(topic_id: int):
    session = get_session()
    topic = browser.get_topic(session, topic_id)
    form = LinkIssueForm()
    if not form.validate_on_submit():
        return _refused("Give the number of the issue to link.", topic_id)

    def do_link() -> Done:
        issue = get_issue(session, form.issue_id.data)
        triage.link_topic_to_issue(session, issue, topic, actor_id=current_user.id, now=utcnow())
        return Done(f"Topic linked to issue #{issue.id}.", _back(topic_id))

    return act(do_link, back=_back(topic_id))


@blueprint.post("/topics/<int:topic_id>/issues/<int:issue_id>/unlink")
@role_required(*EDITORS)
def unlink_issue(topic_id: int, issue_id: int):
    session = get_session()
    topic = browser.get_topic(session, topic_id)
    form = ActionForm()
    back = safe_next(form.next.data) or _back(topic_id)
    if not form.validate_on_submit():
        flash("The form had expired; try again.", "error")
        return redirect(back)

    def do_unlink() -> Done:
        issue = get_issue(session, issue_id)
        done = triage.unlink_topic(session, issue, topic, actor_id=current_user.id, now=utcnow())
        return Done((f"Unlinked from issue #{issue.id}." if done else "It was not linked."), back)

    return act(do_unlink, back=back)
