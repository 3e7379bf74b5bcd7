"""Public form rules that protect the register: double submits, and consent that a stranger
typing someone's e-mail cannot record or overturn (only the address's owner, by confirming)."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.factories import make_consent, make_customer
from tests.feedback.test_public_form import SWEDISH, confirm_by_link
from tests.reading import count, read
from workbench.customers.models import ConsentKind, ConsentRecord
from workbench.feedback.models import Feedback
from workbench.outbox.models import OutboxMessage


def submission_id(client, slug: str = "tyck-till") -> str:
    page = client.get(f"/f/{slug}").get_data(as_text=True)
    return re.search(r'name="submission_id" type="hidden" value="([0-9a-f]{32})"', page).group(1)


def test_each_showing_of_the_form_gets_its_own_submission_id(client, sv_form):
    assert submission_id(client) != submission_id(client)


def test_a_double_submit_stores_one_item(client, session, sv_form):
    data = {"text": SWEDISH, "submission_id": submission_id(client), "email": "ny@example.se"}
    data["consent_research"] = "y"
    first = client.post("/f/tyck-till", data=data)
    second = client.post("/f/tyck-till", data=data)
    assert first.status_code == second.status_code == 302
    assert count(session, Feedback) == 1
    assert count(session, OutboxMessage) == 1  # one confirmation letter
    confirm_by_link(client, session)
    confirm_by_link(client, session)  # a second click changes nothing
    assert count(session, ConsentRecord) == 1


def test_a_malformed_submission_id_is_an_error_not_a_key(client, session, sv_form):
    response = client.post("/f/tyck-till", data={"text": SWEDISH, "submission_id": "x' or 1=1"})
    assert response.status_code == 422
    assert count(session, Feedback) == 0


def test_only_the_owner_can_overturn_a_withdrawn_consent(client, session, sv_form):
    customer = make_customer(session, email="anna@example.se")
    make_consent(session, customer, ConsentKind.RESEARCH, given=True)
    make_consent(session, customer, ConsentKind.RESEARCH, given=False)
    session.commit()
    data = {"text": SWEDISH, "email": "anna@example.se", "consent_research": "y"}
    assert client.post("/f/tyck-till", data=data).status_code == 302
    records = read(session, select(ConsentRecord).where(ConsentRecord.customer_id == customer.id))
    assert [record.given for record in records] == [True, False]
    assert count(session, Feedback, Feedback.customer_id == customer.id) == 0
    confirm_by_link(client, session)
    records = read(session, select(ConsentRecord).where(ConsentRecord.customer_id == customer.id))
    assert [record.given for record in records] == [True, False, True]
    assert count(session, Feedback, Feedback.customer_id == customer.id) == 1


def test_the_form_cannot_overturn_do_not_contact(client, session, sv_form):
    customer = make_customer(session, email="bo@example.se", do_not_contact=True)
    session.commit()
    data = {"text": SWEDISH, "email": "bo@example.se", "consent_contact": "y"}
    data["consent_publish"] = "y"
    assert client.post("/f/tyck-till", data=data).status_code == 302
    confirm_by_link(client, session)
    records = read(session, select(ConsentRecord).where(ConsentRecord.customer_id == customer.id))
    assert [record.kind for record in records] == [ConsentKind.PUBLISH_QUOTE]


def test_a_consent_not_asked_before_is_recorded(client, session, sv_form):
    customer = make_customer(session, email="cia@example.se")
    session.commit()
    data = {"text": SWEDISH, "email": "cia@example.se", "consent_research": "y"}
    assert client.post("/f/tyck-till", data=data).status_code == 302
    assert count(session, ConsentRecord) == 0
    confirm_by_link(client, session)
    records = read(session, select(ConsentRecord).where(ConsentRecord.customer_id == customer.id))
    assert [(record.kind, record.given) for record in records] == [(ConsentKind.RESEARCH, True)]


def test_an_unknown_form_says_so_in_the_browsers_language(client):
    response = client.get("/f/finns-inte", headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    assert "formuläret stängts" in response.get_data(as_text=True)
