"""A participant's study places, bookings and letters are in their export and go with erasure."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.factories import make_slot
from tests.studies.conftest import MAILING, letters, token_in
from workbench.customers.models import Customer
from workbench.db import utcnow
from workbench.outbox.models import OutboxAttachment, OutboxMessage
from workbench.privacy.services import erase_customer, export_customer
from workbench.studies.answers import accept_invitation, open_invitation
from workbench.studies.bookings import book_slot
from workbench.studies.invitations import invite_participant
from workbench.studies.models import Booking, InvitationToken, StudyParticipant


def booked(session, recruited):
    now = utcnow()
    invite_participant(session, recruited.participant, MAILING, now=now)
    invitation = open_invitation(session, token_in(letters(session, "invitation")[0]), now=now)
    accept_invitation(session, invitation, now=now)
    slot = make_slot(session, recruited.study, starts_at=now + timedelta(days=4))
    book_slot(session, invitation.participant, slot.id, MAILING, now=now)
    return slot


def test_the_export_holds_study_places_bookings_and_letters(session, recruited):
    slot = booked(session, recruited)
    data = export_customer(session, recruited.participant.customer_id, now=utcnow())
    (place,) = data["studies"]
    assert place["study"] == recruited.study.title and place["status"] == "accepted"
    assert place["bookings"][0]["starts_at"] == slot.starts_at.isoformat()
    kinds = [message["kind"] for message in data["messages"]]
    assert kinds == ["invitation", "confirmation", "reminder"]


def test_erasure_removes_places_bookings_links_and_letters(session, recruited):
    booked(session, recruited)
    customer_id = recruited.participant.customer_id
    erase_customer(session, customer_id, erased_by_id=None)
    session.commit()
    for model in (StudyParticipant, Booking, InvitationToken, OutboxMessage, OutboxAttachment):
        assert session.exec(select(model)).all() == [], model.__name__


def test_completed_sessions_count_towards_loyalty(session, recruited):
    from workbench.customers.services import build_rows
    from workbench.studies.models import ParticipantStatus

    customer = session.get(Customer, recruited.participant.customer_id)
    before = build_rows(session, [customer], utcnow())[0].loyalty.engagement
    recruited.participant.status = ParticipantStatus.COMPLETED
    session.flush()
    after = build_rows(session, [customer], utcnow())[0].loyalty.engagement
    assert after == before + 3.0  # one of five engagements: 15 points / 5
