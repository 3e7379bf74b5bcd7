"""Staff pages: the feedback inbox, one item, CSV export, file import and form editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.customers.models import Customer
from workbench.customers.services import list_segments
from workbench.db import get_session, utcnow
from workbench.errors import WorkbenchError
from workbench.feedback import inbox, services
from workbench.feedback.engagement import customer_feedback
from workbench.feedback.forms import FeedbackFilterForm, FeedbackImportForm, FormEditorForm
from workbench.feedback.imports import FeedbackColumns, import_feedback
from workbench.feedback.models import JourneyStage
from workbench.formfields import options
from workbench.hooks import Panel
from workbench.paging import Page
from workbench.uploads import import_upload

if TYPE_CHECKING:
    from sqlmodel import Session

blueprint = Blueprint("feedback", __name__, template_folder="templates")

READERS = (Role.VIEWER, Role.RESEARCHER, Role.PRODUCT_OWNER)
EDITORS = (Role.RESEARCHER, Role.PRODUCT_OWNER)


def _filters() -> tuple[FeedbackFilterForm, inbox.FeedbackFilters | None]:
    """The filter form and the filters it asks for; None when the form has errors."""
    session = get_session()
    form = FeedbackFilterForm(request.args)
    form.source.choices = options(
        [("", "Any source")] + [(s, s) for s in inbox.list_sources(session)]
    )
    form.segment.choices = options([("", "Any segment")] + [(s, s) for s in list_segments(session)])
    if not form.validate():
        return form, None
    return form, inbox.FeedbackFilters(
        source=form.source.data or "",
        language=form.language.data or "",
        rating=int(form.rating.data) if form.rating.data in {"1", "2", "3", "4", "5"} else None,
        polarity=form.polarity.data or "",
        journey_stage=form.journey_stage.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        segment=form.segment.data or "",
        search=form.search.data or "",
    )


@blueprint.get("/feedback", endpoint="inbox")
@role_required(*READERS)
def inbox_page():
    form, filters = _filters()
    per_page = current_app.config["PER_PAGE"]
    if filters is None:  # the form shows what is wrong; a partial filter would mislead
        page = Page(items=[], total=0, page=1, per_page=per_page)
    else:
        page = inbox.search_feedback(get_session(), filters, page=form.page.data, per_page=per_page)
    return render_template("feedback/inbox.html", form=form, page=page)


@blueprint.get("/feedback/<int:feedback_id>")
@role_required(*READERS)
def detail(feedback_id: int):
    found = inbox.feedback_detail(get_session(), feedback_id, now=utcnow())
    return render_template("feedback/detail.html", detail=found)


@blueprint.get("/feedback/export.csv")
@role_required(*READERS)
def export():
    form, filters = _filters()
    if filters is None:
        problems = "; ".join(
            f"{form[name].label.text}: {', '.join(errors)}" for name, errors in form.errors.items()
        )
        abort(400, f"Nothing exported: the filters are not valid ({problems}).")
    chunks = inbox.export_csv(get_session(), filters)
    filename = f"feedback-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blueprint.route("/feedback/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_page():
    form = FeedbackImportForm()
    summary = None
    if form.validate_on_submit():
        columns = FeedbackColumns(
            text=form.text_column.data.strip(),
            id=(form.id_column.data or "").strip() or None,
            rating=(form.rating_column.data or "").strip() or None,
            date=(form.date_column.data or "").strip() or None,
            language=(form.language_column.data or "").strip() or None,
            email=(form.email_column.data or "").strip() or None,
        )
        summary = import_upload(
            form.file.data,
            lambda session, rows: import_feedback(
                session, rows, source=form.source.data, columns=columns, checkpoint=session.commit
            ),
        )
    return render_template("feedback/import.html", form=form, summary=summary)


@blueprint.get("/forms")
@role_required(*EDITORS)
def forms():
    return render_template("feedback/forms.html", forms=services.list_forms(get_session()))


def _definition(form: FormEditorForm) -> services.FormDefinition:
    return services.FormDefinition(
        slug=form.slug.data.strip(),
        title=form.title.data.strip(),
        intro=(form.intro.data or "").strip(),
        language=form.language.data,
        journey_stage=JourneyStage(form.journey_stage.data),
        ask_rating=form.ask_rating.data,
        attribute_questions=(form.attribute_questions.data or "").splitlines(),
        is_active=form.is_active.data,
    )


@blueprint.route("/forms/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_form():
    form = FormEditorForm()
    return _save_form(form, None)


@blueprint.route("/forms/<int:form_id>", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_form(form_id: int):
    existing = services.get_form(get_session(), form_id)
    # A POST is read from what was sent only: a field missing there is missing, not the
    # stored value in another shape (the questions are a list in the database).
    if request.method == "POST":
        return _save_form(FormEditorForm(), existing)
    form = FormEditorForm(obj=existing)
    form.attribute_questions.data = "\n".join(existing.attribute_questions)
    form.journey_stage.data = existing.journey_stage.value
    return _save_form(form, existing)


def _save_form(form: FormEditorForm, existing):
    if form.validate_on_submit():
        session = get_session()
        try:
            saved = services.save_form(session, _definition(form), existing)
        except WorkbenchError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"Saved. The form is at /f/{saved.slug}.", "success")
            return redirect(url_for("feedback.forms"))
    status = 422 if form.errors else 200
    return render_template("feedback/form_editor.html", form=form, existing=existing), status


def customer_feedback_panel(session: Session, customer: Customer) -> Panel:
    """The customer's feedback, on their profile."""
    return Panel(
        "feedback/_customer_feedback.html",
        {"feedback": customer_feedback(session, customer)},
        order=10,
    )
