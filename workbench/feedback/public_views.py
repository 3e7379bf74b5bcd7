"""Public feedback forms at /f/<slug>: no login, Swedish or English."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from workbench.db import get_session, utcnow
from workbench.errors import ValidationFailed
from workbench.extensions import post_limit_from_setting
from workbench.feedback import confirmation, services
from workbench.feedback.forms import ConfirmEmailForm, attribute_answers, build_public_form
from workbench.public_links import public_url

blueprint = Blueprint("public_feedback", __name__, template_folder="templates")


@blueprint.route("/f/<slug>", methods=["GET", "POST"])
@post_limit_from_setting("FORM_RATE_LIMIT")
def feedback_form(slug: str):
    session = get_session()
    feedback_form = services.get_active_form(session, slug)
    g.page_language = feedback_form.language
    form = build_public_form(feedback_form)
    if not form.submission_id.data:
        form.submission_id.data = uuid.uuid4().hex
    if form.validate_on_submit():
        if form.website.data:
            # Honeypot filled in: a bot. Show the thank-you page and keep nothing.
            return redirect(url_for(".thanks", slug=slug))
        submission = services.FormSubmission(
            text=form.text.data,
            rating=int(form.rating.data) if feedback_form.ask_rating and form.rating.data else None,
            attribute_ratings=attribute_answers(form, feedback_form),
            email=form.email.data or None,
            consent_contact=form.consent_contact.data,
            consent_research=form.consent_research.data,
            consent_publish=form.consent_publish.data,
            submission_id=form.submission_id.data,
        )
        try:
            services.submit_form_feedback(
                session,
                feedback_form,
                submission,
                wording_version=current_app.config["CONSENT_WORDING_VERSION"],
                confirmation_link=lambda token: public_url(
                    "public_feedback.confirm_email", token=token
                ),
            )
        except ValidationFailed as error:
            form.email.errors = [*form.email.errors, error.message]
        else:
            session.commit()
            letter = {"sent": 1} if submission.email else {}
            return redirect(url_for(".thanks", slug=slug, **letter))
    status = 422 if form.errors else 200
    return render_template(
        "feedback/public_form.html", feedback_form=feedback_form, form=form
    ), status


@blueprint.get("/f/<slug>/thanks")
def thanks(slug: str):
    feedback_form = services.get_active_form(get_session(), slug)
    g.page_language = feedback_form.language
    return render_template(
        "feedback/thanks.html",
        feedback_form=feedback_form,
        letter_sent=request.args.get("sent") == "1",
    )


@blueprint.after_request
def keep_confirmation_links_private(response):
    if request.endpoint == "public_feedback.confirm_email":
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@blueprint.route("/confirm/<token>", methods=["GET", "POST"])
@post_limit_from_setting("FORM_RATE_LIMIT")
def confirm_email(token: str):
    """A page with one button: opening the link (as mail scanners do) confirms nothing."""
    session = get_session()
    g.page_language = request.args.get("lang")
    try:
        pending = confirmation.open_confirmation(session, token, now=utcnow())
    except confirmation.ConfirmationUnavailable:
        return render_template("feedback/confirmation_unavailable.html"), 404
    feedback_form = services.form_of(session, pending)
    if feedback_form is not None:
        g.page_language = feedback_form.language
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        confirmation.confirm(session, pending, now=utcnow())
        session.commit()
    return render_template(
        "feedback/confirm_email.html", form=form, confirmed=pending.confirmed_at is not None
    )
