"""GDPR pages: a customer's data as JSON, erasure, and their section on the customer profile."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask import Blueprint, Response, flash, redirect, url_for
from flask_login import current_user

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.customers.models import Customer
from workbench.db import get_session, utcnow
from workbench.hooks import Panel
from workbench.privacy import services
from workbench.privacy.forms import EraseForm

if TYPE_CHECKING:
    from sqlmodel import Session

blueprint = Blueprint("privacy", __name__, template_folder="templates")

#: Who may export and erase a customer's data (admins may do everything).
EDITORS = (Role.RESEARCHER,)


@blueprint.get("/customers/<int:customer_id>/export.json")
@role_required(*EDITORS)
def export(customer_id: int):
    data = services.export_customer(get_session(), customer_id, now=utcnow())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@blueprint.post("/customers/<int:customer_id>/erase")
@role_required(*EDITORS)
def erase(customer_id: int):
    form = EraseForm()
    if not form.validate_on_submit() or form.confirm.data.strip() != "ERASE":
        flash("Nothing was erased: type ERASE to confirm.", "error")
        return redirect(url_for("customers.profile", customer_id=customer_id))
    session = get_session()
    log = services.erase_customer(session, customer_id, erased_by_id=current_user.id)
    session.commit()
    flash(
        f"Customer #{customer_id} erased: {log.feedback_anonymised} feedback items anonymised, "
        f"{log.consents_deleted} consent records deleted.",
        "success",
    )
    return redirect(url_for("customers.index"))


def profile_panel(session: Session, customer: Customer) -> Panel | None:
    """The export and erase buttons on the customer profile, for those who may use them."""
    if current_user.role not in (Role.ADMIN, *EDITORS):
        return None
    return Panel(
        "privacy/_profile.html", {"customer": customer, "erase_form": EraseForm()}, order=90
    )
