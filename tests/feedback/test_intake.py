"""Intake rules shared by the API, imports and the public form: validation, language,
customer linking, idempotency and consents."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import make_customer, make_form
from workbench.customers.models import ConsentKind, ConsentRecord, ConsentSource, Customer
from workbench.db import utcnow
from workbench.errors import ValidationFailed
from workbench.feedback.confirmation import confirm, open_confirmation
from workbench.feedback.intake import (
    FeedbackInput,
    parse_api_item,
    parse_language,
    parse_rating,
    parse_text,
    store_feedback,
)
from workbench.feedback.models import Channel, Feedback, JourneyStage
from workbench.feedback.services import FormSubmission, submit_form_feedback
from workbench.importing import RowError
from workbench.outbox.models import OutboxMessage

SWEDISH = "Leveransen var snabb och personalen i butiken var väldigt trevlig och hjälpsam."
ENGLISH = "The delivery was quick and the staff in the shop were very friendly and helpful."


def count(session, model, *where) -> int:
    query = sa.select(sa.func.count()).select_from(model).where(*where)
    return session.execute(query).scalar_one()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (5, 5), ("3", 3), (" 4 ", 4), ("4.0", 4), ("4,0", 4), (None, None), ("", None)],
)
def test_parse_rating_accepts_whole_numbers_from_1_to_5(value, expected):
    assert parse_rating(value) == expected


@pytest.mark.parametrize("value", [0, 6, -1, "4.5", 4.5, "bra", "1e9"])
def test_parse_rating_rejects_anything_else(value):
    with pytest.raises(RowError, match="rating"):
        parse_rating(value)


def test_parse_text_requires_text_and_caps_its_length():
    assert parse_text("  Hej  ") == "Hej"
    with pytest.raises(RowError, match="empty"):
        parse_text("   ")
    with pytest.raises(RowError, match="longer than 10"):
        parse_text("x" * 11, max_length=10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("sv", "sv"), ("EN", "en"), ("sv-SE", "sv"), ("en_GB", "en"), ("", None)],
)
def test_parse_language_takes_the_iso_code(value, expected):
    assert parse_language(value) == expected


@pytest.mark.parametrize("value", ["swedish", "s", "12"])
def test_parse_language_rejects_names(value):
    with pytest.raises(RowError, match="ISO 639-1"):
        parse_language(value)


def test_parse_api_item_reads_every_field():
    item = parse_api_item(
        {
            "text": " Bra app ",
            "external_id": " crm-1 ",
            "rating": 4,
            "created_at": "2026-02-01T08:00:00Z",
            "language": "sv",
            "email": "Kund@Example.se",
            "customer_ref": "C1001",
            "attribute_ratings": {"Pris": 2, "Leverans": None},
            "journey_stage": "onboarding",
            "consent_publish": True,
        }
    )
    assert item.text == "Bra app"
    assert item.external_id == "crm-1"
    assert item.rating == 4
    assert item.created_at.isoformat() == "2026-02-01T08:00:00+00:00"
    assert item.email == "kund@example.se"
    assert item.customer_ref == "C1001"
    assert item.attribute_ratings == {"Pris": 2}
    assert item.journey_stage is JourneyStage.ONBOARDING
    assert item.consent_publish is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("just text", "JSON object"),
        ({"text": "x", "score": 3}, "Unknown fields: score"),
        ({"text": ""}, "empty"),
        ({"rating": 3}, "empty"),
        ({"text": "x", "rating": 7}, "rating"),
        ({"text": "x", "journey_stage": "someday"}, "journey_stage"),
        ({"text": "x", "consent_publish": "yes"}, "consent_publish"),
        ({"text": "x", "attribute_ratings": [1, 2]}, "attribute_ratings"),
        ({"text": "x", "attribute_ratings": {"Pris": 9}}, "attribute_ratings.Pris"),
        ({"text": "x", "external_id": "  "}, "external_id"),
        ({"text": "x", "external_id": "x" * 201}, "external_id"),
        ({"text": "x", "created_at": "yesterday"}, "created_at"),
        ({"text": "x" * 20_001}, "longer than"),
    ],
)
def test_parse_api_item_explains_what_is_wrong(data, message):
    with pytest.raises(RowError, match=message):
        parse_api_item(data)


def test_store_detects_the_language_when_none_is_given(session):
    stored = store_feedback(
        session,
        [FeedbackInput(text=SWEDISH), FeedbackInput(text=ENGLISH), FeedbackInput(text="1234")],
        source="test",
        channel=Channel.API,
    )
    languages = [session.get(Feedback, item.id).language for item in stored]
    assert languages == ["sv", "en", "und"]


def test_a_rated_item_takes_its_polarity_from_the_rating(session):
    stored = store_feedback(
        session,
        [FeedbackInput(text=SWEDISH, rating=rating) for rating in (1, 3, 5)]
        + [FeedbackInput(text=ENGLISH)],
        source="test",
        channel=Channel.API,
    )
    items = [session.get(Feedback, item.id) for item in stored]
    assert [(i.polarity and i.polarity.value, i.polarity_confidence) for i in items[:3]] == [
        ("negative", 1.0),
        ("neutral", 1.0),
        ("positive", 1.0),
    ]
    assert {i.polarity_source.value for i in items[:3]} == {"rating"}
    # The unrated one is read by the topics feature's hook: the starter model before any run.
    assert items[3].polarity_source.value == "fallback" and items[3].polarity is not None


def test_store_links_customers_by_reference_or_email(session):
    by_ref = make_customer(session, external_ref="C77", email="ref@example.se")
    by_email = make_customer(session, email="mail@example.se")
    stored = store_feedback(
        session,
        [
            FeedbackInput(text="a", customer_ref="C77", language="sv"),
            FeedbackInput(text="b", email="mail@example.se", language="sv"),
            FeedbackInput(text="c", customer_ref="C77", email="mail@example.se", language="sv"),
            FeedbackInput(text="d", email="nobody@example.se", language="sv"),
        ],
        source="test",
        channel=Channel.API,
    )
    customers = [session.get(Feedback, item.id).customer_id for item in stored]
    assert customers == [by_ref.id, by_email.id, by_ref.id, None]


def test_store_is_idempotent_by_source_and_external_id(session):
    items = [
        FeedbackInput(text="one", external_id="e1", language="en"),
        FeedbackInput(text="two", external_id="e2", language="en"),
        FeedbackInput(text="one again", external_id="e1", language="en"),
    ]
    first = store_feedback(session, items, source="crm", channel=Channel.API)
    assert [item.created for item in first] == [True, True, False]
    assert first[0].id == first[2].id
    second = store_feedback(session, items, source="crm", channel=Channel.API)
    assert [item.id for item in second] == [item.id for item in first]
    assert not any(item.created for item in second)
    other = store_feedback(session, items[:1], source="other", channel=Channel.API)
    assert other[0].created and other[0].id != first[0].id
    assert count(session, Feedback) == 3


def test_store_keeps_every_field(session):
    form = make_form(session)
    stored = store_feedback(
        session,
        [
            FeedbackInput(
                text="Bra",
                external_id="x",
                rating=5,
                language="sv",
                attribute_ratings={"Pris": 4},
                journey_stage=JourneyStage.COMPLAINT,
                consent_publish=True,
                form_id=form.id,
            )
        ],
        source="crm",
        channel=Channel.IMPORT,
    )
    feedback = session.get(Feedback, stored[0].id)
    assert (feedback.source, feedback.channel, feedback.rating) == ("crm", Channel.IMPORT, 5)
    assert feedback.attribute_ratings == {"Pris": 4}
    assert feedback.journey_stage is JourneyStage.COMPLAINT
    assert feedback.consent_publish is True
    assert feedback.form_id == form.id


# The public form's service ------------------------------------------------------------------


def consents_of(session, customer_id: int) -> dict[ConsentKind, ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.customer_id == customer_id)
    return {record.kind: record for record in session.exec(query)}


def submit(session, form, submission, wording_version="v1"):
    return submit_form_feedback(
        session,
        form,
        submission,
        wording_version=wording_version,
        confirmation_link=lambda token: f"https://wb.example/confirm/{token}",
    )


def confirm_from_letter(session) -> None:
    """Click the link in the newest confirmation letter, as the address's owner."""
    letter = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "email_confirmation")
        .order_by(OutboxMessage.id.desc())
    ).first()
    token = re.search(r"https://wb\.example/confirm/(\S+)", letter.body_text)[1]
    confirm(session, open_confirmation(session, token, now=utcnow()), now=utcnow())


def test_form_submission_creates_a_customer_for_contact_consent_once_confirmed(session):
    form = make_form(session, language="en", journey_stage=JourneyStage.ONBOARDING)
    feedback = submit(
        session,
        form,
        FormSubmission(
            text=ENGLISH,
            rating=4,
            attribute_ratings={"Leverans": 5, "Pris": None},
            email=" New.Person@Example.se ",
            consent_contact=True,
            consent_research=True,
        ),
        wording_version="v9",
    )
    assert count(session, Customer) == 0  # pending until the owner clicks
    confirm_from_letter(session)
    customer = session.exec(select(Customer).where(Customer.email == "new.person@example.se")).one()
    assert customer.language == "en"
    assert feedback.customer_id == customer.id
    assert (feedback.channel, feedback.source, feedback.form_id) == (Channel.FORM, "form", form.id)
    assert feedback.language == "en"
    assert feedback.journey_stage is JourneyStage.ONBOARDING
    assert feedback.attribute_ratings == {"Leverans": 5}
    consents = consents_of(session, customer.id)
    assert set(consents) == {ConsentKind.CONTACT, ConsentKind.RESEARCH}
    assert all(r.given and r.wording_version == "v9" for r in consents.values())
    assert all(r.source is ConsentSource.FORM for r in consents.values())


def test_form_submission_records_consents_for_a_known_customer_once_confirmed(session):
    customer = make_customer(session, email="known@example.se")
    form = make_form(session)
    feedback = submit(
        session, form, FormSubmission(text=SWEDISH, email="KNOWN@example.se", consent_publish=True)
    )
    assert feedback.customer_id is None and feedback.consent_publish is False
    confirm_from_letter(session)
    assert feedback.customer_id == customer.id
    assert feedback.consent_publish is True
    assert set(consents_of(session, customer.id)) == {ConsentKind.PUBLISH_QUOTE}
    assert count(session, Customer) == 1


def test_an_anonymous_submitter_may_let_us_publish_their_own_words(session):
    feedback = submit(
        session, make_form(session), FormSubmission(text=SWEDISH, consent_publish=True)
    )
    assert feedback.consent_publish is True
    assert count(session, ConsentRecord) == 0


def test_form_submission_without_confirmation_links_nothing(session):
    form = make_form(session)
    feedback = submit(
        session,
        form,
        FormSubmission(text=SWEDISH, email="stranger@example.se", consent_contact=True),
    )
    assert feedback.customer_id is None
    assert feedback.email == "stranger@example.se"
    assert count(session, Customer) == 0
    assert count(session, ConsentRecord) == 0


@pytest.mark.parametrize("box", ["consent_contact", "consent_research"])
def test_form_submission_refuses_contact_consent_without_email(session, box):
    form = make_form(session)
    with pytest.raises(ValidationFailed, match="e-mail"):
        submit(session, form, FormSubmission(text="Hej", **{box: True}))
    assert count(session, Feedback) == 0


def test_form_submission_uses_the_form_language_for_short_text(session):
    form = make_form(session, language="sv")
    feedback = submit(session, form, FormSubmission(text="Bra service"))
    assert feedback.language == "sv"
