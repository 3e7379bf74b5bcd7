"""A participant's booking: book or move, cancel, release; each with its letter and calendar.

Keyed on the participant, so the participant's page and the researcher's study page book the
same way and send the same letters.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.models import Customer
from workbench.errors import Conflict, NotFound
from workbench.outbox.services import Attachment, cancel_pending, queue_message
from workbench.studies.calendar import CalendarMethod, SessionEvent, session_calendar, session_uid
from workbench.studies.letters import Mailing, compose, letter_language, local_time, place_text
from workbench.studies.links import issue_token
from workbench.studies.models import Booking, SessionSlot, Study, StudyParticipant
from workbench.studies.participant_lifecycle import ParticipantEvent, next_participant_status
from workbench.studies.participants import move_participant
from workbench.studies.waitlist import offer_place_to_waitlist

REMINDER_BEFORE = timedelta(hours=24)
# Links in booking letters keep working until a day after the session.
LINK_GRACE = timedelta(days=1)


class SlotTaken(Conflict):
    """Another participant holds the slot (perhaps booked a moment ago)."""


def active_booking(session: Session, participant_id: int) -> Booking | None:
    return session.exec(
        select(Booking)
        .where(Booking.participant_id == participant_id)
        .where(Booking.cancelled_at.is_(None))
    ).first()


def booked_slot(session: Session, participant: StudyParticipant) -> SessionSlot | None:
    """The slot the participant holds now, if any."""
    booking = active_booking(session, participant.id)
    return session.get(SessionSlot, booking.slot_id) if booking else None


def reminder_key(booking: Booking) -> str:
    return f"reminder:booking:{booking.id}"


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


def send_booking_letter(
    session: Session,
    kind: str,
    slot: SessionSlot,
    participant: StudyParticipant,
    mailing: Mailing,
    *,
    now: datetime,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Queue one letter about a booking; every letter but a reminder carries an ICS."""
    study = session.get(Study, participant.study_id)
    customer = session.get(Customer, participant.customer_id)
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


def book_slot(
    session: Session,
    participant: StudyParticipant,
    slot_id: int,
    mailing: Mailing,
    *,
    now: datetime,
) -> Booking:
    """Book (or move to) a slot. Two people racing for one slot: the database lets one win."""
    slot = session.get(SessionSlot, slot_id)
    if slot is None or slot.study_id != participant.study_id:
        raise NotFound("No such time.")
    if slot.cancelled_at is not None or slot.starts_at <= now:
        raise Conflict("That time is no longer available; please pick another.")
    next_participant_status(participant.status, ParticipantEvent.BOOK)
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
    move_participant(participant, ParticipantEvent.BOOK, now=now)
    participant.calendar_sequence += 1
    session.add(participant)
    session.flush()
    if previous is not None:
        cancel_pending(session, dedupe_key=reminder_key(previous))
    kind = "update" if previous is not None else "confirmation"
    send_booking_letter(session, kind, slot, participant, mailing, now=now)
    remind_at = slot.starts_at - REMINDER_BEFORE
    if remind_at > now:
        send_booking_letter(
            session,
            "reminder",
            slot,
            participant,
            mailing,
            now=now,
            due_at=remind_at,
            dedupe_key=reminder_key(booking),
        )
    return booking


def release_booking(
    session: Session, participant: StudyParticipant, mailing: Mailing, *, now: datetime
) -> bool:
    """Call off the participant's booking, if any: calendar CANCEL sent, reminder withdrawn.
    Their status is left to the caller (cancel, decline or withdraw)."""
    booking = active_booking(session, participant.id)
    if booking is None:
        return False
    booking.cancelled_at = now
    session.add(booking)
    participant.calendar_sequence += 1
    session.add(participant)
    session.flush()
    cancel_pending(session, dedupe_key=reminder_key(booking))
    slot = session.get(SessionSlot, booking.slot_id)
    send_booking_letter(session, "cancellation", slot, participant, mailing, now=now)
    return True


def cancel_booking(
    session: Session,
    participant: StudyParticipant,
    mailing: Mailing,
    *,
    now: datetime,
    offer_place: bool = True,
) -> bool:
    """Cancel the participant's booked session, if any; the place goes to the waitlist."""
    if active_booking(session, participant.id) is None:
        return False
    move_participant(participant, ParticipantEvent.CANCEL, now=now)
    release_booking(session, participant, mailing, now=now)
    if offer_place:
        study = session.get(Study, participant.study_id)
        offer_place_to_waitlist(session, study, mailing, now=now)
    return True
