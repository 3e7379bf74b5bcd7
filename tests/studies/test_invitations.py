"""Invitation links: long random tokens kept only as hashes, expiring, and closed when unusable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from tests.factories import make_consent, make_customer, make_participant, make_slot
from tests.studies.conftest import LINK, MAILING, attachments_of, letters, token_in
from workbench.auth.services import hash_token
from workbench.customers.models import ConsentKind, ConsentRecord, ConsentSource, Customer
from workbench.db import utcnow
from workbench.errors import InvalidTransition, ValidationFailed
from workbench.studies.answers import (
    InvitationUnavailable,
    accept_invitation,
    decline_invitation,
    open_invitation,
    withdraw_research_consent,
)
from workbench.studies.bookings import active_booking, book_slot
from workbench.studies.invitations import invite_participant, invite_shortlisted
from workbench.studies.models import InvitationToken, ParticipantStatus, StudyStatus


def invite(session, recruited, now=None):
    now = now or utcnow()
    invite_participant(session, recruited.participant, MAILING, now=now)
    (letter,) = letters(session, "invitation")
    return token_in(letter), letter


def test_an_invitation_is_queued_in_the_customers_language_with_a_link(session, recruited):
    _token, letter = invite(session, recruited)
    assert letter.language == "sv"
    assert letter.subject.startswith("Inbjudan")
    assert "Åsa Öberg" in letter.body_text and "presentkort på 300 kr" in letter.body_text
    assert letter.to_address.endswith("@example.se")
    assert recruited.participant.status is ParticipantStatus.INVITED
    assert recruited.participant.invited_at is not None


def test_english_customers_get_english_letters(session, recruited):
    customer = make_customer(session, consents={"research": True}, language="en")
    participant = make_participant(session, recruited.study, customer)
    invite_participant(session, participant, MAILING, now=utcnow())
    letter = next(m for m in letters(session, "invitation") if m.customer_id == customer.id)
    assert letter.language == "en" and letter.subject.startswith("Invitation")
    assert "voucher worth SEK 300" in letter.body_text


def test_the_token_has_at_least_128_bits_and_only_its_hash_is_stored(session, recruited):
    token, _letter = invite(session, recruited)
    assert len(token) >= 43  # 32 random bytes in URL-safe base64
    stored = session.exec(select(InvitationToken)).all()
    assert [row.token_hash for row in stored] == [hash_token(token)]
    assert token not in stored[0].token_hash


def test_each_invitation_gets_a_different_token(session, recruited):
    first, _ = invite(session, recruited)
    invite_participant(session, recruited.participant, MAILING, now=utcnow())
    second = token_in(letters(session, "invitation")[1])
    assert first != second


def test_a_valid_token_opens_the_invitation(session, recruited):
    token, _ = invite(session, recruited)
    opened = open_invitation(session, token, now=utcnow())
    assert opened.participant.id == recruited.participant.id
    assert opened.study.id == recruited.study.id


@pytest.mark.parametrize(
    "guess",
    [
        "",
        "x",
        "nonsense",
        "Zk3q9u8Yx2B0mXw7Qe5Rt1Lp4Vn6Ja8Hc0Ds2Fg4Kh6",
        "a" * 500,
        "../../etc/passwd",
    ],
)
def test_guesses_open_nothing(session, recruited, guess):
    invite(session, recruited)
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, guess, now=utcnow())


def test_a_token_stops_working_when_it_expires(session, recruited):
    now = utcnow()
    token, _ = invite(session, recruited, now=now)
    assert open_invitation(session, token, now=now + timedelta(days=20))
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, token, now=now + timedelta(days=21, seconds=1))


def test_a_prefix_of_a_real_token_is_not_accepted(session, recruited):
    token, _ = invite(session, recruited)
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, token[:-1], now=utcnow())


def test_a_token_cannot_be_reused_once_the_study_is_closed(session, recruited):
    token, _ = invite(session, recruited)
    recruited.study.status = StudyStatus.CLOSED
    session.flush()
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, token, now=utcnow())


def test_a_dropped_participants_link_stops_working(session, recruited):
    token, _ = invite(session, recruited)
    recruited.participant.status = ParticipantStatus.DROPPED
    session.flush()
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, token, now=utcnow())


def test_nobody_without_research_consent_is_invited(session, recruited):
    customer = make_customer(session, consents={"research": True})
    participant = make_participant(session, recruited.study, customer)
    make_consent(session, customer, ConsentKind.RESEARCH, given=False, recorded_at=utcnow())
    with pytest.raises(ValidationFailed, match="research consent"):
        invite_participant(session, participant, MAILING, now=utcnow())
    assert letters(session) == []


def test_nobody_marked_do_not_contact_is_invited(session, recruited):
    customer = make_customer(session, consents={"research": True}, do_not_contact=True)
    participant = make_participant(session, recruited.study, customer)
    with pytest.raises(ValidationFailed, match="do-not-contact"):
        invite_participant(session, participant, MAILING, now=utcnow())


def test_invitations_wait_until_the_study_recruits(session, recruited):
    recruited.study.status = StudyStatus.DRAFT
    with pytest.raises(InvalidTransition):
        invite_participant(session, recruited.participant, MAILING, now=utcnow())


def test_invite_shortlisted_skips_those_who_lost_consent_and_says_why(session, recruited):
    lost = make_customer(session, consents={"research": True}, name="Utan Samtycke")
    make_participant(session, recruited.study, lost)
    make_consent(session, lost, ConsentKind.RESEARCH, given=False, recorded_at=utcnow())
    sent, skipped = invite_shortlisted(session, recruited.study, MAILING, now=utcnow())
    assert sent == 1
    assert len(skipped) == 1 and "Utan Samtycke" in skipped[0]


def test_declining_hands_the_place_to_the_waitlist(session, recruited):
    token, _ = invite(session, recruited)
    waiting = make_participant(
        session, recruited.study, status=ParticipantStatus.WAITLISTED, rank=10
    )
    decline_invitation(
        session, open_invitation(session, token, now=utcnow()), MAILING, now=utcnow()
    )
    assert recruited.participant.status is ParticipantStatus.DECLINED
    session.refresh(waiting)
    assert waiting.status is ParticipantStatus.INVITED
    assert any(m.customer_id == waiting.customer_id for m in letters(session, "invitation"))


def test_withdrawing_records_the_consent_cancels_the_booking_and_closes_the_link(
    session, recruited
):
    token, _ = invite(session, recruited)
    now = utcnow()
    invitation = open_invitation(session, token, now=now)
    accept_invitation(session, invitation, now=now)
    slot = make_slot(session, recruited.study)
    book_slot(session, invitation.participant, slot.id, MAILING, now=now)
    withdraw_research_consent(session, invitation, MAILING, now=now, wording_version="2026-11-v1")
    record = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.customer_id == recruited.participant.customer_id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
    ).first()
    assert (record.kind, record.given, record.source) == (
        ConsentKind.RESEARCH,
        False,
        ConsentSource.PARTICIPANT,
    )
    assert record.wording_version == "2026-11-v1" and record.recorded_at == now
    assert recruited.participant.status is ParticipantStatus.WITHDRAWN
    assert active_booking(session, recruited.participant.id) is None
    assert len(letters(session, "cancellation")) == 1
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, token, now=now)


def test_withdrawing_closes_the_customers_places_in_other_studies_too(session, recruited):
    from tests.factories import make_study
    from workbench.outbox.models import MessageStatus

    token, _ = invite(session, recruited)
    other_study = make_study(session)
    customer = session.get(Customer, recruited.participant.customer_id)
    elsewhere = make_participant(session, other_study, customer)
    invite_participant(session, elsewhere, MAILING, now=utcnow())
    other_letter = letters(session, "invitation")[-1]
    now = utcnow()
    withdraw_research_consent(
        session, open_invitation(session, token, now=now), MAILING, now=now, wording_version="v"
    )
    assert elsewhere.status is ParticipantStatus.WITHDRAWN
    session.refresh(other_letter)
    assert other_letter.status is MessageStatus.CANCELLED
    with pytest.raises(InvitationUnavailable):
        open_invitation(session, token_in(other_letter), now=now)


def test_withdrawing_with_bookings_in_two_studies_sends_each_its_own_cancellation(
    session, recruited
):
    from tests.factories import make_study

    now = utcnow()
    customer = session.get(Customer, recruited.participant.customer_id)
    other_study = make_study(session)
    elsewhere = make_participant(session, other_study, customer)
    for participant in (recruited.participant, elsewhere):
        invite_participant(session, participant, MAILING, now=now)
        token = token_in(letters(session, "invitation")[-1])
        invitation = open_invitation(session, token, now=now)
        accept_invitation(session, invitation, now=now)
        slot = make_slot(session, session.get(type(recruited.study), participant.study_id))
        book_slot(session, participant, slot.id, MAILING, now=now)
    opened_with = token_in(letters(session, "invitation")[0])
    withdraw_research_consent(
        session,
        open_invitation(session, opened_with, now=now),
        MAILING,
        now=now,
        wording_version="v",
    )
    cancellations = letters(session, "cancellation")
    assert len(cancellations) == 2
    owners, calendar_owners = [], []
    for letter in cancellations:
        (attachment,) = attachments_of(session, letter)
        (event,) = Calendar.from_ical(attachment.content).walk("VEVENT")
        token = LINK.search(str(event["url"])).group(1)
        assert token != opened_with  # no stand-in carrying the opened link
        record = session.exec(
            select(InvitationToken).where(InvitationToken.token_hash == hash_token(token))
        ).one()
        owners.append(record.participant_id)
        calendar_owners.append(str(event["uid"]))
    assert calendar_owners == [
        f"study-participant-{recruited.participant.id}@wb.example",
        f"study-participant-{elsewhere.id}@wb.example",
    ]
    assert owners == [recruited.participant.id, elsewhere.id]
    assert {recruited.participant.status, elsewhere.status} == {ParticipantStatus.WITHDRAWN}
    assert active_booking(session, elsewhere.id) is None
