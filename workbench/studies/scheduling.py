"""Session slots and bookings: one participant per slot, enforced by the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.addresses import check_web_link
from workbench.auth.models import Role, StaffUser
from workbench.customers.models import Customer
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from workbench.outbox.services import Attachment, cancel_pending, queue_message
from workbench.studies.calendar import CalendarMethod, SessionEvent, session_calendar, session_uid
from workbench.studies.invitations import (
    Invitation,
    Mailing,
    issue_token,
    offer_place_to_waitlist,
)
from workbench.studies.messages import compose, letter_language, local_time, place_text
from workbench.studies.models import (
    Booking,
    ParticipantStatus,
    SessionSlot,
    Study,
    StudyParticipant,
)

REMINDER_BEFORE = timedelta(hours=24)


class SlotTaken(Conflict):
    """Another participant holds the slot (perhaps booked a moment ago)."""


# Links in booking letters keep working until a day after the session.
LINK_GRACE = timedelta(days=1)
MAX_SLOT_MINUTES = 8 * 60


@dataclass
class SlotView:
    slot: SessionSlot
    participant: StudyParticipant | None = None
    customer: Customer | None = None
    moderator: StaffUser | None = None


@dataclass
class StudyCalendar:
    """Who comes when, who has not answered and who said no."""

    slots: list[SlotView] = field(default_factory=list)
    by_status: dict[ParticipantStatus, list[tuple[StudyParticipant, Customer]]] = field(
        default_factory=dict
    )
    accepted_without_slot: list[tuple[StudyParticipant, Customer]] = field(default_factory=list)
    participants: list[tuple[StudyParticipant, Customer]] = field(default_factory=list)


def possible_moderators(session: Session) -> list[StaffUser]:
    """Active researchers and admins, by name: who may moderate a session."""
    return list(
        session.exec(
            select(StaffUser)
            .where(StaffUser.is_active.is_(True))
            .where(StaffUser.role.in_([Role.RESEARCHER, Role.ADMIN]))
            .order_by(StaffUser.name)
        ).all()
    )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationFailed(f"Unknown time zone: {name!r}.") from error


def create_slot(
    session: Session,
    study: Study,
    *,
    starts_local: datetime,
    timezone: str,
    duration_minutes: int,
    location: str = "",
    meeting_link: str = "",
    moderator_id: int | None = None,
    now: datetime,
) -> SessionSlot:
    """Add a slot; the start is wall-clock time in ``timezone`` and is stored in UTC."""
    if not 5 <= duration_minutes <= MAX_SLOT_MINUTES:
        raise ValidationFailed("A session lasts between 5 minutes and 8 hours.")
    starts_at = starts_local.replace(tzinfo=zone(timezone)).astimezone(ZoneInfo("UTC"))
    if starts_at <= now:
        raise ValidationFailed("A slot must start in the future.")
    slot = SessionSlot(
        study_id=study.id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        timezone=timezone,
        location=location.strip(),
        meeting_link=check_web_link(meeting_link),
        moderator_id=moderator_id,
        created_at=now,
    )
    session.add(slot)
    session.flush()
    return slot


def active_booking(session: Session, participant_id: int) -> Booking | None:
    return session.exec(
        select(Booking)
        .where(Booking.participant_id == participant_id)
        .where(Booking.cancelled_at.is_(None))
    ).first()


def open_slots(session: Session, study: Study, *, now: datetime) -> list[SessionSlot]:
    """Future, not cancelled, not booked: what a participant may pick."""
    booked = select(Booking.slot_id).where(Booking.cancelled_at.is_(None))
    return list(
        session.exec(
            select(SessionSlot)
            .where(SessionSlot.study_id == study.id)
            .where(SessionSlot.cancelled_at.is_(None))
            .where(SessionSlot.starts_at > now)
            .where(SessionSlot.id.not_in(booked))
            .order_by(SessionSlot.starts_at, SessionSlot.id)
        ).all()
    )


def _event(
    study: Study,
    slot: SessionSlot,
    participant: StudyParticipant,
    customer: Customer,
    mailing: Mailing,
    link: str,
    language: str,
) -> SessionEvent:
    return SessionEvent(
        uid=session_uid(participant.id, mailing.calendar_domain),
        sequence=participant.calendar_sequence,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        summary=study.title,
        description=f"{place_text(study, slot, language)}\n{link}".strip(),
        location=slot.location or slot.meeting_link or study.meeting_link,
        organizer_email=mailing.sender_email,
        organizer_name=mailing.sender_name,
        attendee_email=customer.email or "",
        attendee_name=customer.name,
        url=link,
    )


def _send_booking_letter(
    session: Session,
    kind: str,
    study: Study,
    slot: SessionSlot,
    participant: StudyParticipant,
    customer: Customer,
    mailing: Mailing,
    *,
    now: datetime,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Queue one letter about a booking; every letter but a cancellation carries an ICS."""
    language = letter_language(customer.language)
    token = issue_token(session, participant, now=now, valid_until=slot.ends_at + LINK_GRACE)
    link = mailing.link_for(token)
    letter = compose(
        kind,
        language,
        title=study.title,
        name=customer.name,
        when=local_time(slot.starts_at, slot.timezone, language),
        timezone=slot.timezone,
        place=place_text(study, slot, language),
        link=link,
    )
    method = (
        CalendarMethod.CANCEL
        if kind in ("cancellation", "slot_cancelled")
        else CalendarMethod.REQUEST
    )
    attachments = ()
    if kind != "reminder":
        ics = session_calendar(
            _event(study, slot, participant, customer, mailing, link, language), method, stamp=now
        )
        attachments = (
            Attachment(
                filename="session.ics",
                content_type=f"text/calendar; method={method.value}",
                content=ics,
            ),
        )
    queue_message(
        session,
        kind=kind,
        to_address=customer.email,
        to_name=customer.name,
        language=language,
        customer_id=customer.id,
        subject=letter.subject,
        body_text=letter.body,
        due_at=due_at or now,
        dedupe_key=dedupe_key,
        attachments=attachments,
    )


def reminder_key(booking: Booking) -> str:
    return f"reminder:booking:{booking.id}"


def book_slot(
    session: Session, invitation: Invitation, slot_id: int, mailing: Mailing, *, now: datetime
) -> Booking:
    """Book (or move to) a slot. Two people racing for one slot: the database lets one win."""
    participant, study = invitation.participant, invitation.study
    slot = session.get(SessionSlot, slot_id)
    if slot is None or slot.study_id != study.id:
        raise NotFound("No such time.")
    if slot.cancelled_at is not None or slot.starts_at <= now:
        raise Conflict("That time is no longer available; please pick another.")
    if participant.status not in (ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED):
        raise InvalidTransition("Say yes to the invitation before you pick a time.")
    previous = active_booking(session, participant.id)
    if previous is not None and previous.slot_id == slot.id:
        return previous
    try:
        with session.begin_nested():
            if previous is not None:
                previous.cancelled_at = now
                session.add(previous)
                session.flush()
            booking = Booking(slot_id=slot.id, participant_id=participant.id, booked_at=now)
            session.add(booking)
            session.flush()
    except sa.exc.IntegrityError as error:
        raise SlotTaken("Someone else just booked that time; please pick another.") from error
    participant.status = ParticipantStatus.ACCEPTED
    participant.responded_at = participant.responded_at or now
    participant.calendar_sequence += 1
    session.add(participant)
    session.flush()
    customer = invitation.customer
    if previous is not None:
        cancel_pending(session, dedupe_key=reminder_key(previous))
    kind = "update" if previous is not None else "confirmation"
    _send_booking_letter(session, kind, study, slot, participant, customer, mailing, now=now)
    remind_at = slot.starts_at - REMINDER_BEFORE
    if remind_at > now:
        _send_booking_letter(
            session,
            "reminder",
            study,
            slot,
            participant,
            customer,
            mailing,
            now=now,
            due_at=remind_at,
            dedupe_key=reminder_key(booking),
        )
    return booking


def cancel_booking(
    session: Session,
    invitation: Invitation,
    mailing: Mailing,
    *,
    now: datetime,
    offer_place: bool = True,
) -> bool:
    """Cancel the participant's booking, if any: calendar CANCEL sent, reminder withdrawn."""
    participant = invitation.participant
    booking = active_booking(session, participant.id)
    if booking is None:
        return False
    booking.cancelled_at = now
    session.add(booking)
    participant.calendar_sequence += 1
    participant.status = ParticipantStatus.CANCELLED
    participant.responded_at = now
    session.add(participant)
    session.flush()
    cancel_pending(session, dedupe_key=reminder_key(booking))
    slot = session.get(SessionSlot, booking.slot_id)
    _send_booking_letter(
        session,
        "cancellation",
        invitation.study,
        slot,
        participant,
        invitation.customer,
        mailing,
        now=now,
    )
    if offer_place:
        offer_place_to_waitlist(session, invitation.study, mailing, now=now)
    return True


def cancel_slot(
    session: Session, slot: SessionSlot, mailing: Mailing, *, now: datetime
) -> StudyParticipant | None:
    """A researcher calls off a slot; a booked participant is told and may pick another time."""
    if slot.cancelled_at is not None:
        return None
    slot.cancelled_at = now
    session.add(slot)
    booking = session.exec(
        select(Booking).where(Booking.slot_id == slot.id).where(Booking.cancelled_at.is_(None))
    ).first()
    if booking is None:
        session.flush()
        return None
    booking.cancelled_at = now
    session.add(booking)
    participant = session.get(StudyParticipant, booking.participant_id)
    participant.calendar_sequence += 1
    session.add(participant)
    session.flush()
    cancel_pending(session, dedupe_key=reminder_key(booking))
    study = session.get(Study, slot.study_id)
    customer = session.get(Customer, participant.customer_id)
    _send_booking_letter(
        session, "slot_cancelled", study, slot, participant, customer, mailing, now=now
    )
    return participant


def study_calendar(session: Session, study: Study) -> StudyCalendar:
    """The researcher's overview of slots and answers."""
    calendar = StudyCalendar()
    rows = session.exec(
        select(StudyParticipant, Customer)
        .join(Customer, Customer.id == StudyParticipant.customer_id)
        .where(StudyParticipant.study_id == study.id)
        .order_by(StudyParticipant.rank.is_(None), StudyParticipant.rank, StudyParticipant.id)
    ).all()
    people = {participant.id: (participant, customer) for participant, customer in rows}
    calendar.participants = list(rows)
    for participant, customer in rows:
        calendar.by_status.setdefault(participant.status, []).append((participant, customer))
    bookings = {
        booking.slot_id: booking
        for booking in session.exec(
            select(Booking)
            .join(SessionSlot, SessionSlot.id == Booking.slot_id)
            .where(SessionSlot.study_id == study.id)
            .where(Booking.cancelled_at.is_(None))
        )
    }
    booked_participants = {booking.participant_id for booking in bookings.values()}
    moderators = {user.id: user for user in session.exec(select(StaffUser))}
    for slot in session.exec(
        select(SessionSlot).where(SessionSlot.study_id == study.id).order_by(SessionSlot.starts_at)
    ):
        view = SlotView(slot=slot, moderator=moderators.get(slot.moderator_id))
        booking = bookings.get(slot.id)
        if booking is not None:
            view.participant, view.customer = people[booking.participant_id]
        calendar.slots.append(view)
    calendar.accepted_without_slot = [
        pair
        for pair in calendar.by_status.get(ParticipantStatus.ACCEPTED, [])
        if pair[0].id not in booked_participants
    ]
    return calendar
