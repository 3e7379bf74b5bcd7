"""Staff pages that fill a study: screener, ranked list, invitations and session slots."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from sqlmodel import Session

from workbench.auth.access import role_required
from workbench.auth.models import Role
from workbench.customers.models import Customer
from workbench.customers.services import find_customer, list_segments
from workbench.db import get_session, utcnow
from workbench.errors import InvalidTransition, NotFound, ValidationFailed, WorkbenchError
from workbench.formfields import options
from workbench.studies import bookings, recruitment, scheduling, services
from workbench.studies.forms import (
    ActionForm,
    AddParticipantForm,
    BookingForm,
    ScreenerForm,
    SlotForm,
)
from workbench.studies.invitations import (
    OPEN_STUDY_STATUSES,
    invite_participant,
    invite_shortlisted,
)
from workbench.studies.letters import local_time
from workbench.studies.models import SessionSlot
from workbench.studies.participants import study_participant
from workbench.studies.public_views import current_mailing
from workbench.studies.screening import ScreenerRules, count_eligible
from workbench.studies.settings import get_recruitment_settings
from workbench.studies.views import run_action

blueprint = Blueprint("recruiting", __name__, template_folder="templates")

RESEARCHERS = (Role.RESEARCHER,)


def moderator_choices(session: Session) -> list:
    people = scheduling.possible_moderators(session)
    return options(
        [("", "Not decided")] + [(str(user.id), user.name or user.email) for user in people]
    )


def parse_quotas(text: str) -> dict[str, int]:
    """``business=2, private=2`` as a mapping; a readable error for anything else."""
    quotas: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.replace(";", ",").split(","))):
        segment, sign, count = part.partition("=")
        if not sign or not segment.strip() or not count.strip().isdigit():
            raise ValidationFailed(
                f"Write quotas as segment=number, e.g. business=2 (not {part!r})."
            )
        quotas[segment.strip()] = int(count)
    return quotas


def rules_from(form: ScreenerForm) -> ScreenerRules:
    return ScreenerRules.from_dict(
        {
            "segments": list(form.segments.data or []),
            "min_tier": form.min_tier.data or None,
            "min_score": float(form.min_score.data) if form.min_score.data is not None else None,
            "language": form.language.data or None,
            "min_tenure_days": form.min_tenure_days.data,
            "purchase_within_days": form.purchase_within_days.data,
            "quotas": parse_quotas(form.quotas.data or ""),
        }
    )


def screener_form(
    session: Session, formdata=None, rules: ScreenerRules | None = None
) -> ScreenerForm:
    form = ScreenerForm(formdata=formdata)
    form.segments.choices = [(segment, segment) for segment in list_segments(session)]
    if formdata is None and rules is not None:
        data = rules.to_dict()
        form.segments.data = list(data.get("segments") or [])
        form.min_tier.data = data.get("min_tier") or ""
        form.min_score.data = data.get("min_score")
        form.language.data = data.get("language") or ""
        form.min_tenure_days.data = data.get("min_tenure_days")
        form.purchase_within_days.data = data.get("purchase_within_days")
        form.quotas.data = ", ".join(f"{k}={v}" for k, v in (data.get("quotas") or {}).items())
    return form


@blueprint.route("/studies/<int:study_id>/screener", methods=["GET", "POST"])
@role_required(*RESEARCHERS)
def screener(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)
    form = screener_form(
        session,
        formdata=request.form if request.method == "POST" else None,
        rules=ScreenerRules.from_dict(study.screener),
    )
    if form.validate_on_submit():
        try:
            study.screener = rules_from(form).to_dict()
        except WorkbenchError as error:
            flash(error.message, "error")
        else:
            session.add(study)
            session.commit()
            flash("Screener saved.", "success")
            return redirect(url_for("studies.detail", study_id=study_id))
    return render_template("studies/screener.html", study=study, form=form)


@blueprint.get("/studies/<int:study_id>/screener/count")
@role_required(*RESEARCHERS)
def screener_count(study_id: int):
    """How many customers the rules in the form would let through, for the live counter."""
    session = get_session()
    study = services.get_study(session, study_id)
    form = screener_form(session, formdata=request.args)
    form.meta.csrf = False
    try:
        rules = rules_from(form) if form.validate() else None
    except WorkbenchError as error:
        return jsonify({"error": error.message}), 422
    if rules is None:
        problems = "; ".join(m for messages in form.errors.values() for m in messages)
        return jsonify({"error": problems or "The rules are not complete."}), 422
    settings = get_recruitment_settings(session)
    count = count_eligible(session, rules, settings, study_id=study.id, now=utcnow())
    return jsonify(
        {
            "eligible": count.eligible,
            "html": render_template("studies/_eligibility.html", eligibility=count),
        }
    )


@blueprint.post("/studies/<int:study_id>/recruit")
@role_required(*RESEARCHERS)
def recruit(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)

    def act() -> str:
        if not ActionForm().validate_on_submit():
            raise ValidationFailed("The form expired; please try again.")
        result = recruitment.recruit(session, study, now=utcnow())
        for message in result.messages:
            flash(message, "info")
        return f"Shortlisted {len(result.shortlisted)} and waitlisted {len(result.waitlisted)}."

    return run_action(act, study_id)


@blueprint.post("/studies/<int:study_id>/invite")
@role_required(*RESEARCHERS)
def invite_all(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)

    def act() -> str:
        if not ActionForm().validate_on_submit():
            raise ValidationFailed("The form expired; please try again.")
        sent, skipped = invite_shortlisted(session, study, current_mailing(), now=utcnow())
        for reason in skipped:
            flash(reason, "info")
        return f"{sent} invitation{'s' if sent != 1 else ''} queued in the outbox."

    return run_action(act, study_id)


@blueprint.post("/studies/<int:study_id>/participants")
@role_required(*RESEARCHERS)
def add_participant(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)
    form = AddParticipantForm()

    def act() -> str:
        if not form.validate_on_submit():
            raise ValidationFailed("Give a customer reference or e-mail address.")
        wanted = form.customer.data.strip()
        customer = find_customer(session, external_ref=wanted, email=wanted)
        if customer is None:
            raise ValidationFailed(f"No customer with reference or e-mail {wanted!r}.")
        recruitment.add_by_hand(session, study, customer.id, now=utcnow())
        return f"Added {customer.name or customer.email} by hand."

    return run_action(act, study_id)


@blueprint.post("/studies/<int:study_id>/participants/<int:participant_id>/drop")
@role_required(*RESEARCHERS)
def drop_participant(study_id: int, participant_id: int):
    session = get_session()

    def act() -> str:
        if not ActionForm().validate_on_submit():
            raise ValidationFailed("The form expired; please try again.")
        study_participant(session, study_id, participant_id)
        recruitment.drop_participant(session, participant_id, now=utcnow())
        return "Taken off the list."

    return run_action(act, study_id)


@blueprint.post("/studies/<int:study_id>/participants/<int:participant_id>/invite")
@role_required(*RESEARCHERS)
def invite_one(study_id: int, participant_id: int):
    session = get_session()

    def act() -> str:
        if not ActionForm().validate_on_submit():
            raise ValidationFailed("The form expired; please try again.")
        participant = study_participant(session, study_id, participant_id)
        invite_participant(session, participant, current_mailing(), now=utcnow())
        return "Invitation queued in the outbox."

    return run_action(act, study_id)


@blueprint.post("/studies/<int:study_id>/slots")
@role_required(*RESEARCHERS)
def add_slot(study_id: int):
    session = get_session()
    study = services.get_study(session, study_id)
    form = SlotForm()
    form.moderator_id.choices = moderator_choices(session)

    def act() -> str:
        if not form.validate_on_submit():
            problems = "; ".join(m for messages in form.errors.values() for m in messages)
            raise ValidationFailed(f"The slot was not added: {problems}")
        slot = scheduling.create_slot(
            session,
            study,
            starts_local=form.starts_local.data,
            timezone=form.timezone.data,
            duration_minutes=form.duration_minutes.data,
            location=form.location.data or "",
            meeting_link=form.meeting_link.data or "",
            moderator_id=int(form.moderator_id.data) if form.moderator_id.data else None,
            now=utcnow(),
        )
        return f"Slot added: {form.starts_local.data:%Y-%m-%d %H:%M} {slot.timezone}."

    return run_action(act, study_id)


@blueprint.post("/studies/<int:study_id>/slots/<int:slot_id>/cancel")
@role_required(*RESEARCHERS)
def cancel_slot(study_id: int, slot_id: int):
    session = get_session()

    def act() -> str:
        if not ActionForm().validate_on_submit():
            raise ValidationFailed("The form expired; please try again.")
        slot = session.get(SessionSlot, slot_id)
        if slot is None or slot.study_id != study_id:
            raise NotFound("No such slot in this study.")
        told = scheduling.cancel_slot(session, slot, current_mailing(), now=utcnow())
        return "Slot cancelled" + ("; the participant has been told." if told else ".")

    return run_action(act, study_id)


# The researcher's side of a participant's booking: the same services, letters and calendar
# updates as the participant's own page; the page comes back to the participants table.
BOOKING_ANCHOR = "participants-heading"


def _who(session: Session, participant) -> str:
    customer = session.get(Customer, participant.customer_id)
    return customer.name or customer.email or "The participant"


@blueprint.post("/studies/<int:study_id>/participants/<int:participant_id>/booking")
@role_required(*RESEARCHERS)
def book_for_participant(study_id: int, participant_id: int):
    """Book a participant into a free slot, or move their booking there."""
    session = get_session()
    study = services.get_study(session, study_id)
    participant = study_participant(session, study.id, participant_id)
    form = BookingForm()

    def act() -> str:
        if not form.validate_on_submit():
            raise ValidationFailed("Pick a time; the form may have expired.")
        if study.status not in OPEN_STUDY_STATUSES:
            raise InvalidTransition(
                "Sessions are booked while a study recruits or is in fieldwork."
            )
        who = _who(session, participant)
        previous = bookings.active_booking(session, participant.id)
        try:
            booking = bookings.book_slot(
                session, participant, form.slot_id.data, current_mailing(), now=utcnow()
            )
        except InvalidTransition as error:
            raise InvalidTransition(
                f"{who} is {participant.status.value}: only someone invited or who said yes "
                "can be booked."
            ) from error
        slot = session.get(SessionSlot, booking.slot_id)
        when = f"{local_time(slot.starts_at, slot.timezone, 'en')} {slot.timezone}"
        if previous is None:
            return f"Booked for {who}: {when}."
        if previous.id == booking.id:
            return f"{who} is already booked for {when}."
        return f"Moved {who} to {when}."

    return run_action(act, study_id, anchor=BOOKING_ANCHOR)


@blueprint.post("/studies/<int:study_id>/participants/<int:participant_id>/booking/cancel")
@role_required(*RESEARCHERS)
def cancel_for_participant(study_id: int, participant_id: int):
    """Cancel a participant's booked session; they are told and the place is offered on."""
    session = get_session()
    study = services.get_study(session, study_id)
    participant = study_participant(session, study.id, participant_id)

    def act() -> str:
        if not ActionForm().validate_on_submit():
            raise ValidationFailed("The form expired; please try again.")
        who = _who(session, participant)
        if not bookings.cancel_booking(session, participant, current_mailing(), now=utcnow()):
            raise ValidationFailed(f"{who} has no booked session.")
        return f"Session cancelled; {who} has been told."

    return run_action(act, study_id, anchor=BOOKING_ANCHOR)
