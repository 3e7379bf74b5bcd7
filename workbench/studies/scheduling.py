"""Session slots: entered in local time, offered while free, called off; the study calendar.

Bookings (one participant per slot, enforced by the database) are in bookings.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from workbench.addresses import check_web_link
from workbench.auth.models import Role, StaffUser
from workbench.customers.models import Customer
from workbench.errors import ValidationFailed
from workbench.outbox.services import cancel_pending
from workbench.studies.bookings import reminder_key, send_booking_letter
from workbench.studies.letters import Mailing
from workbench.studies.models import (
    Booking,
    ParticipantStatus,
    SessionSlot,
    Study,
    StudyParticipant,
)

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
    #: Each booked participant's slot, by participant id.
    booked: dict[int, SessionSlot] = field(default_factory=dict)


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
    send_booking_letter(session, "slot_cancelled", slot, participant, mailing, now=now)
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
            calendar.booked[booking.participant_id] = slot
        calendar.slots.append(view)
    calendar.accepted_without_slot = [
        pair
        for pair in calendar.by_status.get(ParticipantStatus.ACCEPTED, [])
        if pair[0].id not in booked_participants
    ]
    return calendar
