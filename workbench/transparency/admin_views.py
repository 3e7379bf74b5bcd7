"""Staff pages that decide what the transparency page shows: public text, quotes, approval."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.db import get_session, rollback_session, utcnow
from workbench.errors import WorkbenchError
from workbench.issues.lifecycle import STATUS_LABELS
from workbench.issues.services import get_issue
from workbench.transparency import publication

blueprint = Blueprint("publication", __name__, template_folder="templates")


class PublicationForm(FlaskForm):
    public_title = StringField(
        "Public title", validators=[Optional(), Length(max=publication.PUBLIC_TITLE_MAX)]
    )
    public_answer = TextAreaField(
        "Public answer (you said, we did)",
        validators=[Optional(), Length(max=publication.PUBLIC_ANSWER_MAX)],
    )
    published = BooleanField("Published on the transparency page")


class QuoteForm(FlaskForm):
    """Names a feedback item (add) or a quote (approve, remove); the issue is in the URL."""

    item_id = IntegerField("Item", validators=[DataRequired()])


def _change(issue_id: int, action: Callable[..., str]):
    """Run a quote action from a posted form, commit, flash and go back to the page."""
    back = url_for(".edit", issue_id=issue_id)
    form = QuoteForm()
    if not form.validate_on_submit():
        flash("Choose an item first.", "error")
        return redirect(back)
    session = get_session()
    try:
        issue = get_issue(session, issue_id)
        message = action(session, issue, form.item_id.data)
        session.commit()
    except WorkbenchError as error:
        rollback_session()
        flash(error.message, "error")
        return redirect(back)
    flash(message, "success")
    return redirect(back)


@blueprint.route("/issues/<int:issue_id>/publication", methods=["GET", "POST"])
@role_required(Role.PRODUCT_OWNER)
def edit(issue_id: int):
    session = get_session()
    issue = get_issue(session, issue_id)
    form = PublicationForm(obj=issue)
    if form.validate_on_submit():
        typed = (form.public_title.data or "", form.public_answer.data or "")
        try:
            publication.update_publication(
                session,
                issue,
                public_title=typed[0],
                public_answer=typed[1],
                published=form.published.data,
                actor_id=current_user.id,
                now=utcnow(),
            )
            session.commit()
        except WorkbenchError as error:
            rollback_session()
            form.published.errors = [*form.published.errors, error.message]
        else:
            if (issue.public_title, issue.public_answer) != (
                " ".join(typed[0].split()),
                typed[1].strip(),
            ):
                flash(
                    "Personal data was masked in the public text; check it reads well.", "warning"
                )
            flash("Publication saved.", "success")
            return redirect(url_for(".edit", issue_id=issue_id))
    return render_template(
        "transparency/publication.html",
        issue=issue,
        form=form,
        status_label=STATUS_LABELS[issue.status],
        candidates=publication.quote_candidates(session, issue),
        quotes=publication.issue_quotes(session, issue),
    ), 422 if form.errors else 200


@blueprint.post("/issues/<int:issue_id>/publication/quotes")
@role_required(Role.PRODUCT_OWNER)
def add_quote(issue_id: int):
    def add(session, issue, feedback_id: int) -> str:
        quote = publication.add_quote(
            session, issue, feedback_id, actor_id=current_user.id, now=utcnow()
        )
        return f"Quote #{quote.id} added; approve it to show it on the public page."

    return _change(issue_id, add)


@blueprint.post("/issues/<int:issue_id>/publication/quotes/approve")
@role_required(Role.PRODUCT_OWNER)
def approve_quote(issue_id: int):
    def approve(session, issue, quote_id: int) -> str:
        publication.approve_quote(session, issue, quote_id, actor_id=current_user.id, now=utcnow())
        return f"Quote #{quote_id} approved."

    return _change(issue_id, approve)


@blueprint.post("/issues/<int:issue_id>/publication/quotes/remove")
@role_required(Role.PRODUCT_OWNER)
def remove_quote(issue_id: int):
    def remove(session, issue, quote_id: int) -> str:
        publication.remove_quote(session, issue, quote_id, actor_id=current_user.id, now=utcnow())
        return f"Quote #{quote_id} removed."

    return _change(issue_id, remove)
