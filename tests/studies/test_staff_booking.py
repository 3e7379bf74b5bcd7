"""A researcher books, moves and cancels a participant's session from the study page: the same
services, letters and calendar files as the participant's own page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from icalendar import Calendar
from sqlmodel import select

from tests.factories import make_participant, make_slot, make_study
from tests.studies.conftest import MAILING, attachments_of
from workbench.auth.models import Role
from workbench.db import utcnow
from workbench.outbox.models import MessageStatus, OutboxMessage
from workbench.studies.bookings import active_booking, book_slot
from workbench.studies.invitations import invite_participant
from workbench.studies.letters import local_time
from workbench.studies.models import Booking, ParticipantStatus, StudyParticipant
from workbench.studies.views import shorttime_filter

FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>')


def flashes(response) -> list[tuple[str, str]]:
    return FLASH.findall(unescape(response.get_data(as_text=True)))


def fresh(session) -> None:
    session.commit()
    session.expire_all()


def outbox(session, kind: str) -> list[OutboxMessage]:
    fresh(session)
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return list(session.exec(query))


def method_of(session, letter: OutboxMessage) -> str:
    (attachment,) = attachments_of(session, letter)
    return str(Calendar.from_ical(attachment.content)["method"])


def when(slot) -> str:
    return local_time(slot.starts_at, slot.timezone, "en")


@pytest.fixture
def invited(session, recruited, auth):
    """The recruited participant has an invitation; a researcher is logged in; two free slots."""
    auth.login(Role.RESEARCHER)
    invite_participant(session, recruited.participant, MAILING, now=utcnow())
    soon = utcnow().replace(microsecond=0) + timedelta(days=3)
    recruited.slots = [
        make_slot(session, recruited.study, starts_at=soon),
        make_slot(session, recruited.study, starts_at=soon + timedelta(days=1)),
    ]
    session.commit()
    return recruited


def book_url(recruited, participant_id=None) -> str:
    participant_id = participant_id or recruited.participant.id
    return f"/studies/{recruited.study.id}/participants/{participant_id}/booking"


def book(client, recruited, slot):
    return client.post(book_url(recruited), data={"slot_id": slot.id}, follow_redirects=True)


def test_the_study_page_offers_free_times_for_an_invited_participant(client, invited):
    page = unescape(client.get(f"/studies/{invited.study.id}").get_data(as_text=True))
    select_id = f'id="booking-slot-{invited.participant.id}"'
    assert select_id in page
    slot = invited.slots[0]
    short = shorttime_filter(slot.starts_at, slot.timezone)
    assert f'<option value="{slot.id}">{short}</option>' in page
    assert re.fullmatch(r"\w{3} \d{1,2} \w{3}, \d\d:\d\d", short)
    assert 'action="' + book_url(invited) + '"' in page


def test_booking_for_an_invited_participant_sends_the_confirmation(client, session, invited):
    slot = invited.slots[0]
    response = book(client, invited, slot)
    assert response.request.path == f"/studies/{invited.study.id}"
    assert ("success", f"Booked for Åsa Öberg: {when(slot)} Europe/Stockholm.") in flashes(response)
    assert f"booked {when(slot)}" in unescape(response.get_data(as_text=True))
    fresh(session)
    participant = session.get(StudyParticipant, invited.participant.id)
    assert participant.status is ParticipantStatus.ACCEPTED
    assert participant.responded_at is not None
    assert active_booking(session, participant.id).slot_id == slot.id
    (confirmation,) = outbox(session, "confirmation")
    assert method_of(session, confirmation) == "REQUEST"
    (reminder,) = outbox(session, "reminder")
    assert reminder.status is MessageStatus.PENDING
    assert reminder.due_at == slot.starts_at - timedelta(hours=24)


def test_moving_keeps_one_booking_sends_an_update_and_moves_the_reminder(client, session, invited):
    first, second = invited.slots
    book(client, invited, first)
    fresh(session)
    sequence = session.get(StudyParticipant, invited.participant.id).calendar_sequence
    response = book(client, invited, second)
    assert ("success", f"Moved Åsa Öberg to {when(second)} Europe/Stockholm.") in flashes(response)
    fresh(session)
    bookings = session.exec(
        select(Booking).where(Booking.participant_id == invited.participant.id)
    ).all()
    assert [b.slot_id for b in bookings if b.cancelled_at is None] == [second.id]
    (update,) = outbox(session, "update")
    assert method_of(session, update) == "REQUEST"
    assert [r.status for r in outbox(session, "reminder")] == [
        MessageStatus.CANCELLED,
        MessageStatus.PENDING,
    ]
    participant = session.get(StudyParticipant, invited.participant.id)
    assert participant.calendar_sequence == sequence + 1


def test_cancelling_tells_the_participant_and_offers_the_place(client, session, invited):
    book(client, invited, invited.slots[0])
    waiting = make_participant(session, invited.study, status=ParticipantStatus.WAITLISTED, rank=10)
    session.commit()
    response = client.post(book_url(invited) + "/cancel", follow_redirects=True)
    assert ("success", "Session cancelled; Åsa Öberg has been told.") in flashes(response)
    fresh(session)
    assert session.get(StudyParticipant, invited.participant.id).status is (
        ParticipantStatus.CANCELLED
    )
    assert active_booking(session, invited.participant.id) is None
    (cancellation,) = outbox(session, "cancellation")
    assert method_of(session, cancellation) == "CANCEL"
    assert session.get(StudyParticipant, waiting.id).status is ParticipantStatus.INVITED
    assert any(m.customer_id == waiting.customer_id for m in outbox(session, "invitation"))


def test_cancelling_without_a_booking_says_so(client, session, invited):
    response = client.post(book_url(invited) + "/cancel", follow_redirects=True)
    assert ("error", "Åsa Öberg has no booked session.") in flashes(response)
    fresh(session)
    assert session.get(StudyParticipant, invited.participant.id).status is (
        ParticipantStatus.INVITED
    )


def test_a_taken_slot_is_refused_and_nothing_changes(client, session, invited):
    slot = invited.slots[0]
    rival = make_participant(session, invited.study, status=ParticipantStatus.ACCEPTED)
    book_slot(session, rival, slot.id, MAILING, now=utcnow())
    session.commit()
    letters_before = len(outbox(session, "confirmation"))
    response = book(client, invited, slot)
    assert ("error", "Someone else just booked that time; please pick another.") in flashes(
        response
    )
    fresh(session)
    participant = session.get(StudyParticipant, invited.participant.id)
    assert participant.status is ParticipantStatus.INVITED
    assert participant.calendar_sequence == 0
    assert active_booking(session, participant.id) is None
    assert len(outbox(session, "confirmation")) == letters_before


def test_someone_who_has_not_been_invited_cannot_be_booked(client, session, invited):
    other = make_participant(session, invited.study, status=ParticipantStatus.SHORTLISTED)
    session.commit()
    response = client.post(
        book_url(invited, other.id), data={"slot_id": invited.slots[0].id}, follow_redirects=True
    )
    ((kind, message),) = flashes(response)
    assert kind == "error" and "is shortlisted" in message
    fresh(session)
    assert active_booking(session, other.id) is None


def test_another_studys_participant_is_not_found(client, session, invited):
    other_study = make_study(session)
    stranger = make_participant(session, other_study, status=ParticipantStatus.INVITED)
    session.commit()
    slot_id = invited.slots[0].id
    assert client.post(book_url(invited, stranger.id), data={"slot_id": slot_id}).status_code == 404
    assert client.post(book_url(invited, stranger.id) + "/cancel").status_code == 404
    fresh(session)
    assert active_booking(session, stranger.id) is None


def test_booking_without_a_time_is_refused(client, session, invited):
    response = client.post(book_url(invited), data={}, follow_redirects=True)
    assert ("error", "Pick a time; the form may have expired.") in flashes(response)
    fresh(session)
    assert active_booking(session, invited.participant.id) is None
