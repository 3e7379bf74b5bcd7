"""The participant's page over real HTTP, without login: the link is the key."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from tests.factories import make_participant, make_slot
from tests.studies.conftest import MAILING, letters, token_in
from workbench.customers.models import ConsentKind, ConsentRecord, ConsentSource
from workbench.db import utcnow
from workbench.studies.invitations import invite_participant
from workbench.studies.models import (
    Booking,
    InvitationToken,
    ParticipantStatus,
    StudyParticipant,
)

UNAVAILABLE = {"sv": "Länken fungerar inte", "en": "This link does not work"}
FLASH = re.compile(r'<p class="flash flash-\w+">(.*?)</p>')


@pytest.fixture
def token(session, recruited) -> str:
    invite_participant(session, recruited.participant, MAILING, now=utcnow())
    session.commit()
    return token_in(letters(session, "invitation")[0])


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return FLASH.findall(text_of(response))


def offered_slots(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="slot_id" value="(\d+)"', text_of(response))]


def fresh(session) -> None:
    """End the test session's transaction (a stale SQLite snapshot) and forget what it read."""
    session.commit()
    session.expire_all()


def mail(session, kind: str) -> list:
    fresh(session)
    return letters(session, kind)


def reloaded(session, participant) -> StudyParticipant:
    fresh(session)
    return session.get(StudyParticipant, participant.id)


def bookings_of(session, participant) -> list[Booking]:
    fresh(session)
    return list(session.exec(select(Booking).where(Booking.participant_id == participant.id)))


def assert_private(response) -> None:
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_speaks_the_customers_language(client, recruited, token):
    response = client.get(f"/p/{token}")
    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="sv">' in html
    assert "Vill du vara med?" in html and recruited.study.title in html
    assert_private(response)

    response = client.get(f"/p/{token}", query_string={"lang": "en"})
    html = text_of(response)
    assert '<html lang="en">' in html
    assert "Would you like to take part?" in html and "Vill du vara med?" not in html
    assert_private(response)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_unknown_link_gives_404_and_reveals_nothing(client, recruited, token, lang):
    response = client.get(f"/p/{token[:-2]}xx", query_string={"lang": lang})
    assert response.status_code == 404
    html = text_of(response)
    assert UNAVAILABLE[lang] in html
    assert recruited.study.title not in html
    assert_private(response)


def test_an_expired_link_gives_404_and_reveals_nothing(client, session, recruited, token):
    for record in session.exec(select(InvitationToken)):
        record.expires_at = utcnow() - timedelta(minutes=1)
        session.add(record)
    session.commit()
    response = client.get(f"/p/{token}", headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    html = text_of(response)
    assert UNAVAILABLE["sv"] in html and recruited.study.title not in html
    assert_private(response)
    response = client.get(f"/p/{token}")
    assert response.status_code == 404 and UNAVAILABLE["en"] in text_of(response)


def test_accepting_shows_the_free_slots(client, session, recruited, token):
    study = recruited.study
    free = make_slot(session, study)
    later = make_slot(session, study, starts_at=utcnow().replace(microsecond=0) + timedelta(days=9))
    make_slot(session, study, cancelled_at=utcnow())
    make_slot(session, study, starts_at=utcnow() - timedelta(hours=1))
    held = make_slot(session, study)
    other = make_participant(session, study, status=ParticipantStatus.ACCEPTED)
    session.add(Booking(slot_id=held.id, participant_id=other.id))
    session.commit()
    assert offered_slots(client.get(f"/p/{token}")) == []  # not before saying yes

    response = client.post(f"/p/{token}/accept", follow_redirects=True)
    assert response.status_code == 200
    assert flashes(response) == ["Tack! Välj nu en tid som passar dig."]
    assert sorted(offered_slots(response)) == sorted([free.id, later.id])
    assert reloaded(session, recruited.participant).status is ParticipantStatus.ACCEPTED


def test_booking_a_slot_queues_a_confirmation(client, session, recruited, token):
    slot = make_slot(session, recruited.study, location="Storgatan 9")
    session.commit()
    client.post(f"/p/{token}/accept", follow_redirects=True)
    response = client.post(f"/p/{token}/book", data={"slot_id": slot.id}, follow_redirects=True)
    assert flashes(response) == [
        "Bokat! En bekräftelse med en kalenderfil är på väg till din e-post."
    ]
    assert 'class="booked"' in text_of(response) and "Storgatan 9" in text_of(response)
    assert [b.slot_id for b in bookings_of(session, recruited.participant)] == [slot.id]
    (confirmation,) = mail(session, "confirmation")
    assert confirmation.customer_id == recruited.participant.customer_id
    assert offered_slots(response) == []


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (None, "Någon annan tog den tiden precis före dig. Välj en annan."),
        ("en", "Someone else took that time just before you. Please pick another one."),
    ],
)
def test_a_slot_someone_else_holds_cannot_be_booked(
    client, session, recruited, token, lang, message
):
    held = make_slot(session, recruited.study)
    other = make_participant(session, recruited.study, status=ParticipantStatus.ACCEPTED)
    session.add(Booking(slot_id=held.id, participant_id=other.id))
    session.commit()
    query = {"lang": lang} if lang else {}
    response = client.post(
        f"/p/{token}/book", query_string=query, data={"slot_id": held.id}, follow_redirects=True
    )
    assert response.status_code == 200
    assert flashes(response) == [message]
    assert bookings_of(session, recruited.participant) == []
    assert [b.participant_id for b in bookings_of(session, other)] == [other.id]
    assert reloaded(session, recruited.participant).status is ParticipantStatus.INVITED
    assert mail(session, "confirmation") == []


def test_booking_without_a_slot_does_not_crash(client, session, recruited, token):
    client.post(f"/p/{token}/accept", follow_redirects=True)
    response = client.post(f"/p/{token}/book", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert flashes(response) == ["Det går inte längre. Sidan visar vad du kan göra nu."]
    response = client.post(f"/p/{token}/book", data={"slot_id": "abc"}, follow_redirects=True)
    assert response.status_code == 200
    assert bookings_of(session, recruited.participant) == []


def test_cancelling_a_booking(client, session, recruited, token):
    slot = make_slot(session, recruited.study)
    session.commit()
    client.post(f"/p/{token}/book", data={"slot_id": slot.id}, follow_redirects=True)
    response = client.post(f"/p/{token}/cancel", follow_redirects=True)
    assert flashes(response) == ["Din tid är avbokad. Tack för att du hörde av dig."]
    (booking,) = bookings_of(session, recruited.participant)
    assert booking.cancelled_at is not None
    assert reloaded(session, recruited.participant).status is ParticipantStatus.CANCELLED
    assert len(mail(session, "cancellation")) == 1
    assert slot.id not in offered_slots(response)  # the page now offers to change one's mind
    assert "Jag har ändrat mig: jag är med" in text_of(response)


def test_declining(client, session, recruited, token):
    response = client.post(f"/p/{token}/decline", follow_redirects=True)
    assert response.status_code == 200
    assert flashes(response) == [
        "Tack för att du hörde av dig. Du får inga fler utskick om den här undersökningen."
    ]
    participant = reloaded(session, recruited.participant)
    assert participant.status is ParticipantStatus.DECLINED
    assert participant.responded_at is not None


def test_withdrawing_consent_closes_the_link(app, client, session, recruited, token):
    slot = make_slot(session, recruited.study)
    session.commit()
    client.post(f"/p/{token}/book", data={"slot_id": slot.id}, follow_redirects=True)
    response = client.post(f"/p/{token}/withdraw")
    assert response.status_code == 200
    assert "Ditt samtycke är tillbakataget" in text_of(response)
    assert_private(response)

    fresh(session)
    customer_id = recruited.participant.customer_id
    newest = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.customer_id == customer_id)
        .where(ConsentRecord.kind == ConsentKind.RESEARCH)
        .order_by(ConsentRecord.id.desc())
    ).first()
    assert newest.given is False
    assert newest.source is ConsentSource.PARTICIPANT
    assert newest.wording_version == app.config["CONSENT_WORDING_VERSION"]
    assert reloaded(session, recruited.participant).status is ParticipantStatus.WITHDRAWN
    assert all(b.cancelled_at is not None for b in bookings_of(session, recruited.participant))

    after = client.get(f"/p/{token}")
    assert after.status_code == 404
    assert recruited.study.title not in text_of(after)
    assert client.post(f"/p/{token}/accept").status_code == 404
