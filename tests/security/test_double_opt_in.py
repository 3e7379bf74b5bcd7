"""Double opt-in: typing someone's e-mail on a public form records nothing for them until the
owner clicks the link in the confirmation letter, and known and unknown addresses look alike."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlmodel import select

from tests.factories import make_customer, make_form
from tests.reading import count, read
from workbench.customers.models import ConsentRecord, Customer
from workbench.db import get_database, utcnow
from workbench.feedback.models import EmailConfirmation, Feedback
from workbench.outbox.models import OutboxMessage

TEXT = "Leveransen var sen och ingen svarade i telefon."
WISHES = {"consent_contact": "y", "consent_research": "y", "consent_publish": "y"}


def post(client, email: str):
    return client.post("/f/tyck-till", data={"text": TEXT, "email": email, **WISHES})


def letter_to(session, email: str) -> OutboxMessage:
    return read(session, select(OutboxMessage).where(OutboxMessage.to_address == email))[-1]


def link_in(message: OutboxMessage) -> str:
    return re.search(r"https?://[^/\s]+(/confirm/\S+)", message.body_text)[1]


def test_known_and_unknown_addresses_get_the_same_answer_and_letter(client, session):
    make_form(session, slug="tyck-till", language="sv")
    make_customer(session, email="known@example.se", name="Känd Kund")
    session.commit()
    known, unknown = post(client, "known@example.se"), post(client, "nobody@example.se")
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    thanks = [client.get(r.headers["Location"]).get_data(as_text=True) for r in (known, unknown)]
    assert thanks[0] == thanks[1]
    letters = [letter_to(session, a) for a in ("known@example.se", "nobody@example.se")]
    assert letters[0].subject == letters[1].subject
    masked = [re.sub(r"/confirm/\S+", "/confirm/T", m.body_text) for m in letters]
    assert masked[0] == masked[1]
    assert all(m.to_name == "" and m.customer_id is None for m in letters)


def test_until_confirmed_nothing_is_recorded_linked_or_recruitable(client, session):
    make_form(session, slug="tyck-till", language="sv")
    victim = make_customer(session, email="victim@example.se")
    session.commit()
    post(client, "victim@example.se")
    post(client, "stranger@example.se")
    assert count(session, ConsentRecord) == 0
    assert read(session, select(Customer.email)) == ["victim@example.se"]
    assert all(
        f.customer_id is None and not f.consent_publish for f in read(session, select(Feedback))
    )
    # The victim's scores read their linked feedback only: nothing new is linked.
    assert count(session, Feedback, Feedback.customer_id == victim.id) == 0


def test_opening_the_link_confirms_nothing_only_the_button_does(client, session):
    make_form(session, slug="tyck-till", language="sv")
    session.commit()
    post(client, "owner@example.se")
    path = link_in(letter_to(session, "owner@example.se"))
    page = client.get(path)  # a mail scanner following links
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert count(session, Customer) == 0
    assert client.post(path).status_code == 200
    [customer] = read(session, select(Customer))
    assert customer.email == "owner@example.se"
    kinds = read(
        session, select(ConsentRecord.kind).where(ConsentRecord.customer_id == customer.id)
    )
    assert len(kinds) == 3
    [confirmation] = read(session, select(EmailConfirmation))
    assert confirmation.confirmed_at is not None


def test_an_expired_or_unknown_link_records_nothing(client, session):
    make_form(session, slug="tyck-till", language="sv")
    session.commit()
    post(client, "late@example.se")
    path = link_in(letter_to(session, "late@example.se"))
    with time_machine.travel(utcnow() + timedelta(days=15)):
        assert client.post(path).status_code == 404
    assert client.get("/confirm/not-a-real-token").status_code == 404
    assert count(session, Customer) == 0


def test_an_erased_item_can_no_longer_be_confirmed(app, client, session):
    make_form(session, slug="tyck-till", language="sv")
    session.commit()
    post(client, "gone@example.se")
    path = link_in(letter_to(session, "gone@example.se"))
    with get_database(app).session_scope() as db_session:
        item = db_session.exec(select(Feedback)).one()
        item.erased, item.email = True, None
    assert client.post(path).status_code == 404
    assert count(session, Customer) == 0


def test_two_clicks_record_each_consent_once(app, client, session):
    """The second click (a double click, a second tab) finds the confirmation claimed."""
    from workbench.feedback.confirmation import confirm, open_confirmation

    make_form(session, slug="tyck-till", language="sv")
    session.commit()
    post(client, "twice@example.se")
    token = link_in(letter_to(session, "twice@example.se")).rsplit("/", 1)[1]
    second_request = get_database(app).new_session()
    first = open_confirmation(session, token, now=utcnow())
    stale = open_confirmation(second_request, token, now=utcnow())  # read before the first
    second_request.commit()  # SQLite: a writing request waits for the lock, then reads afresh
    confirm(session, first, now=utcnow())
    session.commit()
    confirm(second_request, stale, now=utcnow())
    second_request.commit()
    second_request.close()
    assert count(session, ConsentRecord) == 3
    assert count(session, Customer) == 1
