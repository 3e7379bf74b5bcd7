"""The customer register: look-ups, listing with filters, consents, export and erasure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.loyalty import (
    LoyaltyScore,
    LoyaltyTier,
    Satisfaction,
    loyalty_score,
    satisfaction,
)
from workbench.customers.models import (
    ConsentKind,
    ConsentRecord,
    ConsentSource,
    Customer,
    ErasureLog,
)
from workbench.db import contains_pattern, utcnow
from workbench.errors import NotFound
from workbench.feedback.models import Feedback
from workbench.paging import Page, clamp_page

ERASED_TEXT = "[erased at the customer's request]"


@dataclass(frozen=True)
class CustomerFilters:
    search: str = ""
    segment: str = ""
    language: str = ""
    tier: str = ""
    consent: str = ""


@dataclass
class CustomerRow:
    customer: Customer
    loyalty: LoyaltyScore
    satisfaction: Satisfaction
    consents: dict[ConsentKind, ConsentRecord] = field(default_factory=dict)

    def has_consent(self, kind: ConsentKind) -> bool:
        record = self.consents.get(kind)
        return record is not None and record.given


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def find_customer(
    session: Session, *, email: str | None = None, external_ref: str | None = None
) -> Customer | None:
    """Find by external reference first, then by e-mail (case-insensitive)."""
    if external_ref:
        found = session.exec(select(Customer).where(Customer.external_ref == external_ref)).first()
        if found is not None:
            return found
    if email:
        return session.exec(select(Customer).where(Customer.email == email.strip().lower())).first()
    return None


def record_consent(
    session: Session,
    customer: Customer,
    kind: ConsentKind,
    *,
    given: bool,
    wording_version: str,
    source: ConsentSource,
    recorded_at: datetime | None = None,
) -> ConsentRecord:
    """Append a consent decision; the newest record per kind is the one in force."""
    record = ConsentRecord(
        customer_id=customer.id,
        kind=kind,
        given=given,
        wording_version=wording_version,
        source=source,
        recorded_at=recorded_at or utcnow(),
    )
    session.add(record)
    session.flush()
    return record


def current_consents(
    session: Session, customer_ids: list[int]
) -> dict[int, dict[ConsentKind, ConsentRecord]]:
    """The consent in force per customer and kind."""
    result: dict[int, dict[ConsentKind, ConsentRecord]] = {cid: {} for cid in customer_ids}
    if not customer_ids:
        return result
    query = (
        select(ConsentRecord)
        .where(ConsentRecord.customer_id.in_(customer_ids))
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    )
    for record in session.exec(query):
        result[record.customer_id][record.kind] = record
    return result


def customers_with_consent(kind: ConsentKind) -> sa.Select:
    """SQL: ids of customers whose newest ``kind`` record says given."""
    ranked = (
        sa.select(
            ConsentRecord.customer_id,
            ConsentRecord.given,
            sa.func.row_number()
            .over(
                partition_by=ConsentRecord.customer_id,
                order_by=(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc()),
            )
            .label("position"),
        )
        .where(ConsentRecord.kind == kind)
        .subquery()
    )
    return sa.select(ranked.c.customer_id).where(ranked.c.position == 1, ranked.c.given.is_(True))


def engagement_counts(session: Session, customer_ids: list[int]) -> dict[int, list[int]]:
    """Per customer, the ratings of their feedback (one entry per item, None when unrated)."""
    ratings: dict[int, list[int]] = {cid: [] for cid in customer_ids}
    if not customer_ids:
        return ratings
    query = sa.select(Feedback.customer_id, Feedback.rating).where(
        Feedback.customer_id.in_(customer_ids)
    )
    for customer_id, rating in session.execute(query):
        ratings[customer_id].append(rating)
    return ratings


def sessions_taken_part_in(session: Session, customer_ids: list[int]) -> dict[int, int]:
    """Per customer, how many user-test sessions they completed (loyalty's engagement part)."""
    from workbench.studies.models import ParticipantStatus, StudyParticipant

    counts = dict.fromkeys(customer_ids, 0)
    if not customer_ids:
        return counts
    query = (
        sa.select(StudyParticipant.customer_id, sa.func.count())
        .where(StudyParticipant.customer_id.in_(customer_ids))
        .where(StudyParticipant.status == ParticipantStatus.COMPLETED)
        .group_by(StudyParticipant.customer_id)
    )
    for customer_id, count in session.execute(query):
        counts[customer_id] = count
    return counts


def build_rows(session: Session, customers: list[Customer], now: datetime) -> list[CustomerRow]:
    ids = [customer.id for customer in customers]
    feedback_ratings = engagement_counts(session, ids)
    sessions_taken = sessions_taken_part_in(session, ids)
    consents = current_consents(session, ids)
    rows = []
    for customer in customers:
        given = feedback_ratings[customer.id]
        rows.append(
            CustomerRow(
                customer=customer,
                loyalty=loyalty_score(
                    first_purchase_at=customer.first_purchase_at,
                    last_purchase_at=customer.last_purchase_at,
                    orders_count=customer.orders_count,
                    engagement_count=len(given) + sessions_taken[customer.id],
                    now=now,
                ),
                satisfaction=satisfaction([r for r in given if r is not None]),
                consents=consents[customer.id],
            )
        )
    return rows


def search_customers(
    session: Session, filters: CustomerFilters, *, now: datetime, page: int = 1, per_page: int = 50
) -> Page[CustomerRow]:
    """List customers matching the filters, with loyalty, satisfaction and consents."""
    query = select(Customer)
    if filters.search:
        pattern = contains_pattern(filters.search.strip().lower())
        query = query.where(
            sa.or_(
                sa.func.lower(Customer.name).like(pattern, escape="\\"),
                Customer.email.like(pattern, escape="\\"),
                sa.func.lower(Customer.external_ref).like(pattern, escape="\\"),
                Customer.phone.like(pattern, escape="\\"),
            )
        )
    if filters.segment:
        query = query.where(Customer.segment == filters.segment)
    if filters.language:
        query = query.where(Customer.language == filters.language)
    if filters.consent:
        query = query.where(Customer.id.in_(customers_with_consent(ConsentKind(filters.consent))))
    query = query.order_by(Customer.name, Customer.id)
    if filters.tier:
        # The tier depends on behaviour computed in Python, so filter before paging.
        rows = [
            row
            for row in build_rows(session, list(session.exec(query)), now)
            if row.loyalty.tier == LoyaltyTier(filters.tier)
        ]
        total = len(rows)
        page = clamp_page(page, total, per_page)
        rows = rows[(page - 1) * per_page : page * per_page]
    else:
        total = session.exec(sa.select(sa.func.count()).select_from(query.subquery())).one()[0]
        page = clamp_page(page, total, per_page)
        customers = list(session.exec(query.offset((page - 1) * per_page).limit(per_page)))
        rows = build_rows(session, customers, now)
    return Page(items=rows, total=total, page=page, per_page=per_page)


def list_segments(session: Session) -> list[str]:
    query = (
        sa.select(Customer.segment)
        .where(Customer.segment != "")
        .distinct()
        .order_by(Customer.segment)
    )
    return [segment for (segment,) in session.execute(query)]


@dataclass
class CustomerProfile:
    row: CustomerRow
    consent_history: list[ConsentRecord]
    feedback: list[Feedback]


def feedback_of(customer: Customer) -> sa.ColumnElement[bool]:
    """Their feedback: linked to them, or sent with their e-mail before they were linked."""
    theirs = Feedback.customer_id == customer.id
    if customer.email:
        theirs = sa.or_(theirs, sa.func.lower(Feedback.email) == customer.email)
    return theirs


def customer_profile(session: Session, customer_id: int, *, now: datetime) -> CustomerProfile:
    customer = get_customer(session, customer_id)
    history = list(
        session.exec(
            select(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        )
    )
    feedback = list(
        session.exec(
            select(Feedback).where(feedback_of(customer)).order_by(Feedback.created_at.desc())
        )
    )
    return CustomerProfile(
        row=build_rows(session, [customer], now)[0], consent_history=history, feedback=feedback
    )


def export_customer(session: Session, customer_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything the register holds about one customer, as JSON-ready data (GDPR art. 15)."""
    profile = customer_profile(session, customer_id, now=now)
    customer = profile.row.customer
    return {
        "exported_at": now.isoformat(),
        "customer": customer.model_dump(mode="json"),
        "loyalty": {
            "score": profile.row.loyalty.score,
            "tier": profile.row.loyalty.tier.value,
        },
        "consents": [record.model_dump(mode="json") for record in profile.consent_history],
        "feedback": [item.model_dump(mode="json") for item in profile.feedback],
        **research_records(session, customer_id),
    }


def research_records(session: Session, customer_id: int) -> dict[str, list[dict[str, Any]]]:
    """Study places, bookings and e-mail held about a customer, for the export."""
    # Imported here: studies and the outbox build on the register, not the other way round.
    from workbench.outbox.models import OutboxMessage
    from workbench.studies.models import Booking, SessionSlot, Study, StudyParticipant

    places = session.execute(
        sa.select(StudyParticipant, Study.title)
        .join(Study, Study.id == StudyParticipant.study_id)
        .where(StudyParticipant.customer_id == customer_id)
        .order_by(StudyParticipant.id)
    ).all()
    studies = []
    for place, title in places:
        bookings = session.execute(
            sa.select(Booking, SessionSlot.starts_at)
            .join(SessionSlot, SessionSlot.id == Booking.slot_id)
            .where(Booking.participant_id == place.id)
            .order_by(Booking.id)
        ).all()
        studies.append(
            {
                "study": title,
                "status": place.status.value,
                "reason": place.reason,
                "invited_at": place.invited_at.isoformat() if place.invited_at else None,
                "responded_at": place.responded_at.isoformat() if place.responded_at else None,
                "bookings": [
                    {
                        "starts_at": starts_at.isoformat(),
                        "booked_at": booking.booked_at.isoformat(),
                        "cancelled_at": booking.cancelled_at.isoformat()
                        if booking.cancelled_at
                        else None,
                    }
                    for booking, starts_at in bookings
                ],
            }
        )
    messages = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.customer_id == customer_id)
        .order_by(OutboxMessage.id)
    ).all()
    return {
        "studies": studies,
        "messages": [
            message.model_dump(
                mode="json", include={"kind", "subject", "body_text", "status", "created_at"}
            )
            for message in messages
        ],
    }


def erase_customer(session: Session, customer_id: int, *, erased_by_id: int | None) -> ErasureLog:
    """Erase a customer (GDPR art. 17): personal data deleted, feedback text anonymised.

    Ratings stay, detached from the person, so that aggregate figures do not change.
    """
    customer = get_customer(session, customer_id)
    from workbench.issues.models import PublicQuote

    # A published quote is the customer's words: it goes, even redacted and approved.
    session.execute(
        sa.delete(PublicQuote).where(
            PublicQuote.feedback_id.in_(sa.select(Feedback.id).where(feedback_of(customer)))
        )
    )
    feedback_rows = session.execute(
        sa.update(Feedback)
        .where(feedback_of(customer))
        .values(text=ERASED_TEXT, email=None, customer_id=None, erased=True, consent_publish=False)
    ).rowcount
    consents_deleted = session.execute(
        sa.delete(ConsentRecord).where(ConsentRecord.customer_id == customer_id)
    ).rowcount
    log = ErasureLog(
        customer_id=customer_id,
        erased_by_id=erased_by_id,
        feedback_anonymised=feedback_rows,
        consents_deleted=consents_deleted,
    )
    session.add(log)
    session.delete(customer)
    session.flush()
    return log


def register_names(session: Session) -> list[str]:
    """Every customer name in the register (nlp.redact also masks each part on its own; topic
    labels never use them)."""
    names = session.exec(select(Customer.name).where(Customer.name != "").distinct()).all()
    return [name for name in names if name and name.strip()]
