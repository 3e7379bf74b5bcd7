"""The customer register: look-ups, listing with filters, loyalty and consents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.engagement import engagement_of
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
)
from workbench.db import contains_pattern, utcnow
from workbench.errors import NotFound
from workbench.paging import Page, clamp_page


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


def build_rows(session: Session, customers: list[Customer], now: datetime) -> list[CustomerRow]:
    ids = [customer.id for customer in customers]
    engagement = engagement_of(session, ids)
    consents = current_consents(session, ids)
    rows = []
    for customer in customers:
        taken_part = engagement[customer.id]
        rows.append(
            CustomerRow(
                customer=customer,
                loyalty=loyalty_score(
                    first_purchase_at=customer.first_purchase_at,
                    last_purchase_at=customer.last_purchase_at,
                    orders_count=customer.orders_count,
                    engagement_count=taken_part.count,
                    now=now,
                ),
                satisfaction=satisfaction(list(taken_part.ratings)),
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


def customer_profile(session: Session, customer_id: int, *, now: datetime) -> CustomerProfile:
    customer = get_customer(session, customer_id)
    history = list(
        session.exec(
            select(ConsentRecord)
            .where(ConsentRecord.customer_id == customer_id)
            .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        )
    )
    return CustomerProfile(row=build_rows(session, [customer], now)[0], consent_history=history)


def register_names(session: Session) -> list[str]:
    """Every customer name in the register (nlp.redact also masks each part on its own; topic
    labels never use them)."""
    names = session.exec(select(Customer.name).where(Customer.name != "").distinct()).all()
    return [name for name in names if name and name.strip()]
