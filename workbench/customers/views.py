"""Customer register pages: list, profile, import and consent changes."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.customers import services
from workbench.customers.forms import (
    ConsentChangeForm,
    CustomerFilterForm,
    CustomerImportForm,
)
from workbench.customers.imports import import_customers
from workbench.customers.models import ConsentKind, ConsentSource
from workbench.customers.panels import profile_page
from workbench.db import get_session, utcnow
from workbench.formfields import options
from workbench.hooks import panels
from workbench.paging import Page
from workbench.uploads import import_upload

blueprint = Blueprint("customers", __name__, template_folder="templates")

# Viewers see feedback but not the register: it is personal data.
READERS = (Role.RESEARCHER, Role.PRODUCT_OWNER)
EDITORS = (Role.RESEARCHER,)


@blueprint.get("/customers")
@role_required(*READERS)
def index():
    session = get_session()
    form = CustomerFilterForm(request.args)
    form.segment.choices = options(
        [("", "Any segment")] + [(s, s) for s in services.list_segments(session)]
    )
    per_page = current_app.config["PER_PAGE"]
    if not form.validate():  # the form shows what is wrong; a partial filter would mislead
        page = Page(items=[], total=0, page=1, per_page=per_page)
    else:
        filters = services.CustomerFilters(
            search=form.search.data or "",
            segment=form.segment.data or "",
            language=form.language.data or "",
            tier=form.tier.data or "",
            consent=form.consent.data or "",
        )
        page = services.search_customers(
            session, filters, now=utcnow(), page=form.page.data or 1, per_page=per_page
        )
    return render_template("customers/index.html", form=form, page=page)


@blueprint.get("/customers/<int:customer_id>")
@role_required(*READERS)
def profile(customer_id: int):
    session = get_session()
    found = services.customer_profile(session, customer_id, now=utcnow())
    consent_form = ConsentChangeForm(wording_version=current_app.config["CONSENT_WORDING_VERSION"])
    return render_template(
        "customers/profile.html",
        profile=found,
        consent_form=consent_form,
        panels=panels(profile_page, session, found.row.customer),
    )


@blueprint.post("/customers/<int:customer_id>/consents")
@role_required(*EDITORS)
def change_consent(customer_id: int):
    form = ConsentChangeForm()
    session = get_session()
    customer = services.get_customer(session, customer_id)
    if form.validate_on_submit():
        services.record_consent(
            session,
            customer,
            ConsentKind(form.kind.data),
            given=form.action.data == "given",
            wording_version=form.wording_version.data,
            source=ConsentSource.STAFF,
        )
        session.commit()
        flash(f"Recorded: {form.kind.data} consent {form.action.data}.", "success")
    else:
        problems = "; ".join(message for messages in form.errors.values() for message in messages)
        flash(f"The consent change was not recorded: {problems}", "error")
    return redirect(url_for(".profile", customer_id=customer_id))


@blueprint.route("/customers/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_page():
    form = CustomerImportForm()
    summary = None
    if form.validate_on_submit():
        wording = current_app.config["CONSENT_WORDING_VERSION"]
        summary = import_upload(
            form.file.data,
            lambda session, rows: import_customers(
                session, rows, wording_version=wording, checkpoint=session.commit
            ),
            include_updated=True,
        )
    return render_template("customers/import.html", form=form, summary=summary)
