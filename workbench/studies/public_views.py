"""The participant's page: answer an invitation, book, reschedule, cancel, withdraw.

No login: the unguessable link is the key. Pages say nothing about why a link fails, keep the
link out of Referer headers and caches, and speak the participant's language.
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from workbench import SUPPORTED_LOCALES
from workbench.auth.services import hash_token
from workbench.db import get_session, rollback_session, utcnow
from workbench.errors import Conflict, InvalidTransition, NotFound
from workbench.extensions import post_limit_from_setting
from workbench.public_links import public_host, public_url
from workbench.studies import bookings, scheduling
from workbench.studies.answers import (
    Invitation,
    InvitationUnavailable,
    PlaceTaken,
    accept_invitation,
    decline_invitation,
    open_invitation,
    withdraw_research_consent,
)
from workbench.studies.forms import ActionForm
from workbench.studies.letters import (
    Mailing,
    incentive_text,
    letter_language,
    local_time,
    method_text,
)
from workbench.studies.models import ParticipantStatus

blueprint = Blueprint("participation", __name__, template_folder="templates")


def _link_key() -> str:
    # The token's hash: the limit store never holds a usable link.
    token = (request.view_args or {}).get("token", "")
    return "link:" + hash_token(token)[:32]


per_link_limit = post_limit_from_setting("LINK_RATE_LIMIT", key_func=_link_key)


def current_mailing() -> Mailing:
    """Letters link back to this server and come from the configured sender."""
    name, address = parseaddr(current_app.config.get("MAIL_FROM", ""))
    return Mailing(
        link_for=lambda token: public_url("participation.page", token=token),
        sender_email=address or "workbench@localhost",
        sender_name=name or "Workbench",
        calendar_domain=public_host(),
    )


@blueprint.after_request
def keep_link_private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@blueprint.errorhandler(InvitationUnavailable)
def link_unavailable(_error: InvitationUnavailable):
    rollback_session()
    g.page_language = request.args.get("lang") or g.get("page_language")
    return render_template("studies/link_unavailable.html"), 404


def opened(token: str) -> Invitation:
    invitation = open_invitation(get_session(), token, now=utcnow())
    wanted = request.args.get("lang")
    g.page_language = (
        wanted if wanted in SUPPORTED_LOCALES else letter_language(invitation.customer.language)
    )
    return invitation


def back(token: str):
    lang = request.args.get("lang")
    return redirect(url_for(".page", token=token, **({"lang": lang} if lang else {})))


@blueprint.get("/p/<token>")
def page(token: str):
    session = get_session()
    invitation = opened(token)
    study, participant = invitation.study, invitation.participant
    language = g.page_language
    booked_slot = bookings.booked_slot(session, participant)
    return render_template(
        "studies/participant.html",
        token=token,
        study=study,
        participant=participant,
        statuses=ParticipantStatus,
        method=method_text(study, language),
        incentive=incentive_text(study, language),
        booked_slot=booked_slot,
        booked_when=local_time(booked_slot.starts_at, booked_slot.timezone, language)
        if booked_slot
        else None,
        slots=[
            (slot, local_time(slot.starts_at, slot.timezone, language))
            for slot in scheduling.open_slots(session, study, now=utcnow())
        ],
        form=ActionForm(),
        wording_version=current_app.config["CONSENT_WORDING_VERSION"],
    )


def act(token: str, action) -> object:
    """Run one of the participant's actions; a lost race or stale page is explained, not hidden."""
    session = get_session()
    invitation = opened(token)
    if not ActionForm().validate_on_submit():
        flash(_("The page had expired. Please try again."), "error")
        return back(token)
    try:
        message = action(session, invitation)
    except PlaceTaken:
        rollback_session()
        flash(_("Sorry, every place in this study is taken now. Thank you for wanting to help."))
        return back(token)
    except Conflict as error:
        rollback_session()
        flash(
            _("Someone else took that time just before you. Please pick another one.")
            if isinstance(error, bookings.SlotTaken)
            else _("That time is no longer available. Please pick another one."),
            "error",
        )
        return back(token)
    except (InvalidTransition, NotFound):
        rollback_session()
        flash(_("That is not possible any more. The page shows what you can do now."), "error")
        return back(token)
    session.commit()
    if message:
        flash(message, "success")
    return back(token)


@blueprint.post("/p/<token>/accept")
@post_limit_from_setting("FORM_RATE_LIMIT")
@per_link_limit
def accept(token: str):
    def run(session, invitation):
        accept_invitation(session, invitation, now=utcnow())
        return _("Thank you! Now pick a time that suits you.")

    return act(token, run)


@blueprint.post("/p/<token>/decline")
@post_limit_from_setting("FORM_RATE_LIMIT")
@per_link_limit
def decline(token: str):
    def run(session, invitation):
        decline_invitation(session, invitation, current_mailing(), now=utcnow())
        return _("Thank you for letting us know. You will not hear from us about this study.")

    return act(token, run)


@blueprint.post("/p/<token>/book")
@post_limit_from_setting("FORM_RATE_LIMIT")
@per_link_limit
def book(token: str):
    def run(session, invitation):
        slot_id = request.form.get("slot_id", type=int)
        if slot_id is None:
            raise NotFound("No time picked.")
        bookings.book_slot(
            session, invitation.participant, slot_id, current_mailing(), now=utcnow()
        )
        return _("Booked! A confirmation with a calendar file is on its way to your inbox.")

    return act(token, run)


@blueprint.post("/p/<token>/cancel")
@post_limit_from_setting("FORM_RATE_LIMIT")
@per_link_limit
def cancel(token: str):
    def run(session, invitation):
        bookings.cancel_booking(session, invitation.participant, current_mailing(), now=utcnow())
        return _("Your session is cancelled. Thank you for letting us know.")

    return act(token, run)


@blueprint.post("/p/<token>/withdraw")
@post_limit_from_setting("FORM_RATE_LIMIT")
def withdraw(token: str):
    session = get_session()
    invitation = opened(token)
    if not ActionForm().validate_on_submit():
        flash(_("The page had expired. Please try again."), "error")
        return back(token)
    withdraw_research_consent(
        session,
        invitation,
        current_mailing(),
        now=utcnow(),
        wording_version=current_app.config["CONSENT_WORDING_VERSION"],
    )
    session.commit()
    # The link stops working now, so the answer is shown here rather than after a redirect.
    return render_template("studies/withdrawn.html")
