"""Slots and bookings: time zones, confirmations with ICS, reminders, moves and cancellations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.factories import make_participant, make_slot
from tests.studies.conftest import MAILING, attachments_of, letters
from workbench.db import utcnow
from workbench.errors import Conflict, InvalidTransition, ValidationFailed
from workbench.outbox.models import MessageStatus
from workbench.studies.answers import accept_invitation, open_invitation
from workbench.studies.bookings import active_booking, book_slot, cancel_booking
from workbench.studies.links import issue_token
from workbench.studies.models import ParticipantStatus
from workbench.studies.scheduling import (
    cancel_slot,
    create_slot,
    open_slots,
    study_calendar,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def opened(session, participant, now=NOW, accept=True):
    """The participant, invited and (unless told otherwise) accepted through their link."""
    participant.status = ParticipantStatus.INVITED
    token = issue_token(session, participant, now=now, valid_until=now + timedelta(days=30))
    invitation = open_invitation(session, token, now=now)
    if accept:
        accept_invitation(session, invitation, now=now)
    return invitation.participant


def ics_of(session, message):
    (attachment,) = attachments_of(session, message)
    assert attachment.filename.endswith(".ics")
    calendar = Calendar.from_ical(attachment.content)
    (event,) = calendar.walk("VEVENT")
    return attachment, calendar, event


@pytest.mark.parametrize(
    ("local", "utc_hour"),
    [(datetime(2026, 12, 1, 10, 0), 9), (datetime(2027, 6, 1, 10, 0), 8)],
)
def test_slots_are_entered_in_local_time_and_stored_in_utc(session, recruited, local, utc_hour):
    slot = create_slot(
        session,
        recruited.study,
        starts_local=local,
        timezone="Europe/Stockholm",
        duration_minutes=45,
        now=NOW,
    )
    assert slot.starts_at.tzinfo is not None
    assert slot.starts_at.astimezone(UTC).hour == utc_hour
    assert slot.ends_at - slot.starts_at == timedelta(minutes=45)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"starts_local": datetime(2020, 1, 1, 10, 0)}, "future"),
        ({"duration_minutes": 0}, "between"),
    ],
)
def test_bad_slots_are_refused_with_a_reason(session, recruited, changes, message):
    values = {
        "starts_local": datetime(2026, 12, 1, 10, 0),
        "timezone": "Europe/Stockholm",
        "duration_minutes": 60,
    } | changes
    with pytest.raises(ValidationFailed, match=message):
        create_slot(session, recruited.study, now=NOW, **values)


def test_booking_sends_a_confirmation_with_a_calendar_request_and_a_reminder(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    booking = book_slot(session, opened(session, recruited.participant), slot.id, MAILING, now=NOW)
    assert active_booking(session, recruited.participant.id).id == booking.id
    (confirmation,) = letters(session, "confirmation")
    assert confirmation.subject.startswith("Bekräftelse")
    assert confirmation.due_at == NOW
    attachment, calendar, event = ics_of(session, confirmation)
    assert attachment.content_type.startswith("text/calendar")
    assert str(calendar["method"]) == "REQUEST"
    assert event.decoded("dtstart") == slot.starts_at
    assert str(event["uid"]) == f"study-participant-{recruited.participant.id}@wb.example"
    (reminder,) = letters(session, "reminder")
    assert reminder.due_at == slot.starts_at - timedelta(hours=24)
    assert reminder.status is MessageStatus.PENDING
    assert reminder.dedupe_key == f"reminder:booking:{booking.id}"


def test_no_reminder_when_the_session_is_less_than_a_day_away(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(hours=20))
    book_slot(session, opened(session, recruited.participant), slot.id, MAILING, now=NOW)
    assert letters(session, "reminder") == []


def test_booking_a_taken_slot_is_refused(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    book_slot(session, opened(session, recruited.participant), slot.id, MAILING, now=NOW)
    rival = make_participant(session, recruited.study)
    with pytest.raises(Conflict):
        book_slot(session, opened(session, rival), slot.id, MAILING, now=NOW)
    assert active_booking(session, rival.id) is None


def test_booking_twice_the_same_slot_is_harmless(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    participant = opened(session, recruited.participant)
    first = book_slot(session, participant, slot.id, MAILING, now=NOW)
    again = book_slot(session, participant, slot.id, MAILING, now=NOW)
    assert first.id == again.id
    assert len(letters(session, "confirmation")) == 1


def test_cancelled_and_past_slots_cannot_be_booked(session, recruited):
    past = make_slot(session, recruited.study, starts_at=NOW - timedelta(hours=1))
    gone = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=2), cancelled_at=NOW)
    participant = opened(session, recruited.participant)
    for slot in (past, gone):
        with pytest.raises(Conflict):
            book_slot(session, participant, slot.id, MAILING, now=NOW)


def test_rescheduling_moves_the_booking_updates_the_calendar_and_the_reminder(session, recruited):
    first = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    second = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=4))
    participant = opened(session, recruited.participant)
    old = book_slot(session, participant, first.id, MAILING, now=NOW)
    new = book_slot(session, participant, second.id, MAILING, now=NOW + timedelta(hours=1))
    assert old.cancelled_at is not None and new.cancelled_at is None
    (update,) = letters(session, "update")
    _attachment, calendar, event = ics_of(session, update)
    _a, _c, original = ics_of(session, letters(session, "confirmation")[0])
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == str(original["uid"])
    assert int(event["sequence"]) > int(original["sequence"])
    assert event.decoded("dtstart") == second.starts_at
    reminders = letters(session, "reminder")
    assert [r.status for r in reminders] == [MessageStatus.CANCELLED, MessageStatus.PENDING]
    assert reminders[1].due_at == second.starts_at - timedelta(hours=24)
    assert [s.id for s in open_slots(session, recruited.study, now=NOW)] == [first.id]


def test_cancelling_sends_a_calendar_cancel_and_offers_the_place_to_the_waitlist(
    session, recruited
):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    participant = opened(session, recruited.participant)
    book_slot(session, participant, slot.id, MAILING, now=NOW)
    waiting = make_participant(session, recruited.study, status=ParticipantStatus.WAITLISTED)
    assert cancel_booking(session, participant, MAILING, now=NOW) is True
    assert recruited.participant.status is ParticipantStatus.CANCELLED
    (cancellation,) = letters(session, "cancellation")
    _attachment, calendar, event = ics_of(session, cancellation)
    assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert [r.status for r in letters(session, "reminder")] == [MessageStatus.CANCELLED]
    session.refresh(waiting)
    assert waiting.status is ParticipantStatus.INVITED
    assert [s.id for s in open_slots(session, recruited.study, now=NOW)] == [slot.id]


def test_a_participant_must_say_yes_before_booking(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    participant = opened(session, recruited.participant, accept=False)
    recruited.participant.status = ParticipantStatus.DECLINED
    with pytest.raises(InvalidTransition):
        book_slot(session, participant, slot.id, MAILING, now=NOW)


def test_a_researcher_cancelling_a_slot_tells_the_participant(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    book_slot(session, opened(session, recruited.participant), slot.id, MAILING, now=NOW)
    told = cancel_slot(session, slot, MAILING, now=NOW)
    assert told.id == recruited.participant.id
    (letter,) = letters(session, "slot_cancelled")
    _attachment, calendar, _event = ics_of(session, letter)
    assert str(calendar["method"]) == "CANCEL"
    assert active_booking(session, recruited.participant.id) is None
    assert recruited.participant.status is ParticipantStatus.ACCEPTED  # may pick another time


def test_the_calendar_shows_who_comes_when_and_who_has_not_answered(session, recruited):
    slot = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=3))
    make_slot(session, recruited.study, starts_at=NOW + timedelta(days=4))
    book_slot(session, opened(session, recruited.participant), slot.id, MAILING, now=NOW)
    silent = make_participant(session, recruited.study, status=ParticipantStatus.INVITED)
    said_no = make_participant(session, recruited.study, status=ParticipantStatus.DECLINED)
    calendar = study_calendar(session, recruited.study)
    assert calendar.slots[0].participant.id == recruited.participant.id
    assert calendar.slots[1].participant is None
    assert [p.id for p, _c in calendar.by_status[ParticipantStatus.INVITED]] == [silent.id]
    assert [p.id for p, _c in calendar.by_status[ParticipantStatus.DECLINED]] == [said_no.id]
    assert calendar.accepted_without_slot == []


def test_open_slots_are_future_free_and_not_cancelled(session, recruited):
    free = make_slot(session, recruited.study, starts_at=NOW + timedelta(days=2))
    make_slot(session, recruited.study, starts_at=NOW - timedelta(days=1))
    make_slot(session, recruited.study, starts_at=NOW + timedelta(days=2), cancelled_at=utcnow())
    assert [s.id for s in open_slots(session, recruited.study, now=NOW)] == [free.id]
