"""Storing feedback in bulk from imports and the API: validation, idempotency, linking."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nlp import detect_language
from nlp.polarity import polarity_from_rating
from workbench.addresses import normalise_email
from workbench.customers.models import Customer
from workbench.db import utcnow
from workbench.errors import ValidationFailed
from workbench.feedback.models import Channel, Feedback, JourneyStage, Polarity, PolaritySource
from workbench.hooks import Hook
from workbench.importing import RowError, parse_date

MAX_TEXT_LENGTH = 20_000
LOOKUP_CHUNK = 500


@dataclass
class FeedbackInput:
    """One validated feedback item, before it is stored."""

    text: str
    external_id: str | None = None
    rating: int | None = None
    created_at: datetime | None = None
    language: str | None = None
    email: str | None = None
    customer_ref: str | None = None
    attribute_ratings: dict[str, int] = field(default_factory=dict)
    journey_stage: JourneyStage | None = None
    consent_publish: bool = False
    form_id: int | None = None


@dataclass(frozen=True)
class StoredItem:
    id: int
    created: bool


def parse_rating(value: Any, name: str = "rating") -> int | None:
    """A rating from 1 to 5; empty means none. "4.0" is accepted, 4.5 is not."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError as error:
        raise RowError(f"{name} must be a number from 1 to 5, not {value!r}.") from error
    if not number.is_integer() or not 1 <= number <= 5:
        raise RowError(f"{name} must be a whole number from 1 to 5, not {value!r}.")
    return int(number)


#: Control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and the
#: others only ever arrive by accident (pasted from binaries, broken exports).
CONTROL_CHARACTERS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def rating_polarity(rating: int | None) -> dict[str, Any]:
    """The polarity columns of an item with this rating: the rating decides, with certainty.
    Unrated items get none here; the topics feature predicts theirs when they are stored."""
    polarity = polarity_from_rating(rating)
    if polarity is None:
        return {"polarity": None, "polarity_source": None, "polarity_confidence": None}
    return {
        "polarity": Polarity(polarity),
        "polarity_source": PolaritySource.RATING,
        "polarity_confidence": 1.0,
    }


def clean_text(text: str) -> str:
    """Text as stored: control characters dropped, surrounding white space trimmed."""
    return text.translate(CONTROL_CHARACTERS).strip()


def parse_text(value: Any, max_length: int = MAX_TEXT_LENGTH) -> str:
    text = "" if value is None else clean_text(str(value))
    if not text:
        raise RowError("The feedback text is empty.")
    if len(text) > max_length:
        raise RowError(f"The feedback text is longer than {max_length} characters.")
    return text


def parse_email(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return normalise_email(str(value))
    except ValidationFailed as error:
        raise RowError(f"email: {error.message}") from error


def parse_language(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    code = str(value).strip().lower().replace("_", "-").split("-")[0]
    if len(code) != 2 or not code.isalpha():
        raise RowError(f"language must be an ISO 639-1 code such as sv or en, not {value!r}.")
    return code


def parse_api_item(data: Any) -> FeedbackInput:
    """Validate one item of a JSON API post; raises RowError with a readable reason."""
    if not isinstance(data, dict):
        raise RowError("Each item must be a JSON object.")
    unknown = set(data) - {
        "text",
        "external_id",
        "rating",
        "created_at",
        "language",
        "email",
        "customer_ref",
        "attribute_ratings",
        "journey_stage",
        "consent_publish",
    }
    if unknown:
        raise RowError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    attributes = data.get("attribute_ratings") or {}
    if not isinstance(attributes, dict):
        raise RowError("attribute_ratings must be an object of name: rating.")
    stage = data.get("journey_stage")
    try:
        journey_stage = JourneyStage(stage) if stage else None
    except ValueError as error:
        stages = ", ".join(s.value for s in JourneyStage)
        raise RowError(f"journey_stage must be one of {stages}.") from error
    external_id = data.get("external_id")
    if external_id is not None and (not str(external_id).strip() or len(str(external_id)) > 200):
        raise RowError("external_id must be a non-empty string of at most 200 characters.")
    consent = data.get("consent_publish", False)
    if not isinstance(consent, bool):
        raise RowError("consent_publish must be true or false.")
    return FeedbackInput(
        text=parse_text(data.get("text")),
        external_id=str(external_id).strip() if external_id is not None else None,
        rating=parse_rating(data.get("rating")),
        created_at=parse_date(data.get("created_at"), "created_at"),
        language=parse_language(data.get("language")),
        email=parse_email(data.get("email")),
        customer_ref=str(data["customer_ref"]).strip()[:100] if data.get("customer_ref") else None,
        attribute_ratings={
            str(name)[:100]: parse_rating(value, f"attribute_ratings.{name}")
            for name, value in attributes.items()
            if value not in (None, "")
        },
        journey_stage=journey_stage,
        consent_publish=consent,
    )


def _chunks(values: list[Any], size: int = LOOKUP_CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_ids(session: Session, source: str, external_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(external_ids):
        query = sa.select(Feedback.external_id, Feedback.id).where(
            Feedback.source == source, Feedback.external_id.in_(chunk)
        )
        found.update(dict(session.execute(query).all()))
    return found


def resolve_customers(
    session: Session, emails: set[str], refs: set[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Customer ids by e-mail and by external reference."""
    by_email: dict[str, int] = {}
    by_ref: dict[str, int] = {}
    for chunk in _chunks(sorted(emails)):
        query = sa.select(Customer.email, Customer.id).where(Customer.email.in_(chunk))
        by_email.update(dict(session.execute(query).all()))
    for chunk in _chunks(sorted(refs)):
        query = sa.select(Customer.external_ref, Customer.id).where(
            Customer.external_ref.in_(chunk)
        )
        by_ref.update(dict(session.execute(query).all()))
    return by_email, by_ref


def store_feedback(
    session: Session,
    items: list[FeedbackInput],
    *,
    source: str,
    channel: Channel,
    language_hint: str | None = None,
) -> list[StoredItem]:
    """Store items, skipping those whose ``(source, external_id)`` exists; order is kept.

    A concurrent writer inserting the same external id makes the insert fail on the unique
    constraint; the batch is then retried (up to three attempts in all) against the rows
    that writer committed.
    """
    for attempt in range(3):
        try:
            with session.begin_nested():
                stored = _store_once(session, items, source, channel, language_hint)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    notify_feedback_stored(session, [item.id for item in stored if item.created])
    return stored


#: Fired with (session, ids of the new feedback) whenever new feedback is stored, whatever the
#: channel. Features that build on feedback (topics) register, so that feedback never imports
#: them.
feedback_stored: Hook[object] = Hook("feedback stored")


def notify_feedback_stored(session: Session, feedback_ids: list[int]) -> None:
    if feedback_ids:
        feedback_stored(session, feedback_ids)


def _store_once(
    session: Session,
    items: list[FeedbackInput],
    source: str,
    channel: Channel,
    language_hint: str | None,
) -> list[StoredItem]:
    keyed = [item.external_id for item in items if item.external_id]
    existing = _existing_ids(session, source, keyed) if keyed else {}
    emails = {item.email for item in items if item.email}
    refs = {item.customer_ref for item in items if item.customer_ref}
    by_email, by_ref = resolve_customers(session, emails, refs)
    now = utcnow()
    results: list[StoredItem | None] = [None] * len(items)
    first_in_batch: dict[str, int] = {}
    new_rows: list[dict[str, Any]] = []
    new_positions: list[int] = []
    for position, item in enumerate(items):
        if item.external_id in existing:
            results[position] = StoredItem(existing[item.external_id], created=False)
            continue
        if item.external_id and item.external_id in first_in_batch:
            continue  # filled in once the first copy has its id
        if item.external_id:
            first_in_batch[item.external_id] = position
        customer_id = by_ref.get(item.customer_ref or "") or by_email.get(item.email or "")
        new_rows.append(
            {
                "channel": channel,
                "source": source,
                "external_id": item.external_id,
                "customer_id": customer_id,
                "text": item.text,
                "language": item.language or detect_language(item.text, hint=language_hint),
                "rating": item.rating,
                **rating_polarity(item.rating),
                "attribute_ratings": item.attribute_ratings,
                "journey_stage": item.journey_stage,
                "email": item.email,
                "consent_publish": item.consent_publish,
                "form_id": item.form_id,
                "created_at": item.created_at or now,
                "received_at": now,
            }
        )
        new_positions.append(position)
    if new_rows:
        inserted = session.execute(
            sa.insert(Feedback).returning(Feedback.id, sort_by_parameter_order=True), new_rows
        ).scalars()
        for position, new_id in zip(new_positions, inserted, strict=True):
            results[position] = StoredItem(new_id, created=True)
    for position, item in enumerate(items):
        if results[position] is None:
            first = results[first_in_batch[item.external_id]]
            results[position] = StoredItem(first.id, created=False)
    return results  # type: ignore[return-value]
