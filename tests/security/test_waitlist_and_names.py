"""One participant link cannot churn the waitlist, and a participant's own answer is always
recorded, whatever happens to the next person in line; names stay on one line."""

from __future__ import annotations

from sqlmodel import func, select

from tests.factories import make_customer, make_participant, make_study
from tests.studies.conftest import MAILING, token_in
from workbench.customers.models import ConsentKind, ConsentRecord, Customer
from workbench.db import get_database, utcnow
from workbench.outbox.models import OutboxMessage
from workbench.outbox.services import queue_message
from workbench.studies.invitations import invite_participant
from workbench.studies.models import ParticipantStatus, StudyParticipant
from workbench.studies.recruitment import HOLDING_PLACE


def study_with_waitlist(app, *, places: int = 3, waiting: int = 3):
    """``places`` invited people (the first one's link returned) and ``waiting`` on the list."""
    with get_database(app).session_scope() as session:
        study = make_study(session, target_participants=places, over_recruit_factor=1.0)
        invited = [make_participant(session, study, rank=rank) for rank in range(1, places + 1)]
        for rank in range(10, 10 + waiting):
            make_participant(session, study, status=ParticipantStatus.WAITLISTED, rank=rank)
        for participant in invited:
            invite_participant(session, participant, MAILING, now=utcnow())
        first_letter = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).first()
        return study.id, token_in(first_letter)


def holding(app, study_id: int) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(
            select(func.count())
            .select_from(StudyParticipant)
            .where(StudyParticipant.study_id == study_id)
            .where(StudyParticipant.status.in_(HOLDING_PLACE))
        ).one()


def invitations(app) -> int:
    with get_database(app).session_scope() as session:
        return session.exec(select(func.count()).where(OutboxMessage.kind == "invitation")).one()


def test_toggling_decline_and_accept_never_fills_more_than_the_places(app):
    study_id, token = study_with_waitlist(app)
    client = app.test_client()
    for _ in range(3):
        client.post(f"/p/{token}/decline")
        client.post(f"/p/{token}/accept")
    assert holding(app, study_id) == 3
    assert invitations(app) == 4  # three places, and one handed on after the first decline
    page = client.post(f"/p/{token}/accept", follow_redirects=True).get_data(as_text=True)
    assert "alla platser i undersökningen tagna" in page


def test_accepting_again_works_while_a_place_is_free(app):
    study_id, token = study_with_waitlist(app, waiting=0)
    client = app.test_client()
    client.post(f"/p/{token}/decline")
    assert holding(app, study_id) == 2
    client.post(f"/p/{token}/accept")
    assert holding(app, study_id) == 3


def test_each_link_is_rate_limited(make_app):
    app = make_app(LINK_RATE_LIMIT="3 per hour")
    _study_id, token = study_with_waitlist(app, waiting=0)
    client = app.test_client()
    statuses = [client.post(f"/p/{token}/accept").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]


def test_a_withdrawal_is_recorded_even_when_inviting_the_next_person_fails(app):
    with get_database(app).session_scope() as session:
        study = make_study(session, target_participants=1, over_recruit_factor=1.0)
        leaving = make_participant(session, study, rank=1)
        broken = make_customer(session, consents={"research": True}, email="not an address")
        make_participant(session, study, broken, status=ParticipantStatus.WAITLISTED, rank=10)
        invite_participant(session, leaving, MAILING, now=utcnow())
        token = token_in(session.exec(select(OutboxMessage)).one())
        customer_id = leaving.customer_id
    response = app.test_client().post(f"/p/{token}/withdraw")
    assert response.status_code == 200
    with get_database(app).session_scope() as session:
        consent = session.exec(
            select(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .where(ConsentRecord.kind == ConsentKind.RESEARCH)
            .order_by(ConsentRecord.id.desc())
        ).first()
        assert consent.given is False
        statuses = {p.customer_id: p.status for p in session.exec(select(StudyParticipant))}
        assert statuses[customer_id] is ParticipantStatus.WITHDRAWN


def test_a_name_with_line_breaks_does_not_stop_anyones_withdrawal(app):
    with get_database(app).session_scope() as session:
        study = make_study(session, target_participants=1, over_recruit_factor=1.0)
        leaving = make_participant(session, study, rank=1)
        imported = make_customer(session, consents={"research": True}, name="Bo\nEk")
        make_participant(session, study, imported, status=ParticipantStatus.WAITLISTED, rank=10)
        invite_participant(session, leaving, MAILING, now=utcnow())
        token = token_in(session.exec(select(OutboxMessage)).one())
    assert app.test_client().post(f"/p/{token}/withdraw").status_code == 200
    with get_database(app).session_scope() as session:
        letter = session.exec(select(OutboxMessage).where(OutboxMessage.to_name == "Bo Ek")).one()
        assert letter.kind == "invitation"


def test_names_are_kept_on_one_line_on_every_write(session):
    customer = make_customer(session, name="  Åsa\r\nÖberg\u2028Lind\t\x00 ")
    session.commit()
    assert session.get(Customer, customer.id).name == "Åsa Öberg Lind"
    customer.name = "Per\u2029Persson"
    session.add(customer)
    session.commit()
    assert session.get(Customer, customer.id).name == "Per Persson"


def test_a_letter_to_a_name_with_a_line_break_is_queued_on_one_line(session):
    message = queue_message(
        session,
        kind="invitation",
        to_address="bo@example.com",
        to_name="Bo\u2028Ek\n",
        subject="Hej",
        body_text="Hej",
    )
    assert message.to_name == "Bo Ek"
