"""Staff pages for the outbox: messages kept, sent and failed."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.db import get_session, utcnow
from workbench.outbox import services
from workbench.outbox.forms import OutboxFilterForm, RetryForm
from workbench.outbox.models import MessageStatus
from workbench.outbox.sending import message_headers
from workbench.paging import Page

blueprint = Blueprint("outbox", __name__, template_folder="templates")

# Messages carry customers' names and addresses: the same people who keep the register.
READERS = (Role.RESEARCHER,)


@blueprint.get("/outbox")
@role_required(*READERS)
def index():
    """Messages newest first, filtered by status, with the count of each status."""
    session = get_session()
    form = OutboxFilterForm(request.args)
    per_page = current_app.config["PER_PAGE"]
    if form.validate():
        status = MessageStatus(form.status.data) if form.status.data else None
        page = services.list_messages(
            session, status=status, page=form.page.data or 1, per_page=per_page
        )
    else:  # an unknown status: say so rather than show everything
        status, page = None, Page(items=[], total=0, page=1, per_page=per_page)
    return render_template(
        "outbox/index.html",
        form=form,
        page=page,
        selected=status,
        counts=services.count_by_status(session),
        smtp_configured=bool(current_app.config["SMTP_URL"]),
    )


@blueprint.get("/outbox/<int:message_id>")
@role_required(*READERS)
def detail(message_id: int):
    """One message as it is (or will be) sent: headers, text, attachments, last error."""
    session = get_session()
    message = services.get_message(session, message_id)
    return render_template(
        "outbox/detail.html",
        message=message,
        headers=message_headers(message, mail_from=current_app.config["MAIL_FROM"]),
        attachments=services.list_attachments(session, message_id),
        max_attempts=services.MAX_ATTEMPTS,
        retry_form=RetryForm(),
        smtp_configured=bool(current_app.config["SMTP_URL"]),
    )


@blueprint.get("/outbox/<int:message_id>/attachments/<int:attachment_id>")
@role_required(*READERS)
def attachment(message_id: int, attachment_id: int):
    """Download one attachment as the file the recipient gets."""
    found = services.get_attachment(get_session(), message_id, attachment_id)
    response = send_file(
        io.BytesIO(found.content.encode("utf-8")),
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.post("/outbox/<int:message_id>/retry")
@role_required(*READERS)
def retry(message_id: int):
    """Put a failed message back in line, due now."""
    form = RetryForm()
    if form.validate_on_submit():
        session = get_session()
        services.retry_message(session, message_id, now=utcnow())
        session.commit()
        if current_app.config["SMTP_URL"]:
            flash(f"Message #{message_id} goes out on the next send run.", "success")
        else:
            flash(
                f"Message #{message_id} is due again, but no SMTP server is configured: "
                "it stays in the outbox.",
                "warning",
            )
    else:
        flash("Nothing was changed: the form had expired. Please try again.", "error")
    return redirect(url_for(".detail", message_id=message_id))
