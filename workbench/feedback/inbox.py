"""The staff inbox: filtering, paging, one item in its customer's context, CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.models import Customer
from workbench.customers.services import CustomerRow, build_rows
from workbench.db import contains_pattern
from workbench.errors import NotFound
from workbench.feedback.models import Feedback, FeedbackForm, JourneyStage, Polarity
from workbench.paging import Page, clamp_page
from workbench.spreadsheets import neutralise_formula

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "channel",
    "source",
    "external_id",
    "language",
    "rating",
    "polarity",
    "polarity_source",
    "polarity_confidence",
    "journey_stage",
    "customer_ref",
    "customer_segment",
    "consent_publish",
    "text",
)


@dataclass(frozen=True)
class FeedbackFilters:
    source: str = ""
    language: str = ""
    rating: int | None = None
    polarity: str = ""
    journey_stage: str = ""
    date_from: date | None = None
    date_to: date | None = None
    segment: str = ""
    search: str = ""


def filtered_query(filters: FeedbackFilters) -> sa.Select:
    query = select(Feedback, Customer).join(
        Customer, Feedback.customer_id == Customer.id, isouter=True
    )
    if filters.source:
        query = query.where(Feedback.source == filters.source)
    if filters.language:
        query = query.where(Feedback.language == filters.language)
    if filters.rating is not None:
        query = query.where(Feedback.rating == filters.rating)
    if filters.polarity:
        query = query.where(Feedback.polarity == Polarity(filters.polarity))
    if filters.journey_stage:
        query = query.where(Feedback.journey_stage == JourneyStage(filters.journey_stage))
    if filters.date_from:
        query = query.where(Feedback.created_at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        query = query.where(Feedback.created_at < end)
    if filters.segment:
        query = query.where(Customer.segment == filters.segment)
    if filters.search:
        pattern = contains_pattern(filters.search.strip().lower())
        query = query.where(sa.func.lower(Feedback.text).like(pattern, escape="\\"))
    return query


def search_feedback(
    session: Session, filters: FeedbackFilters, *, page: int | None = 1, per_page: int = 50
) -> Page[tuple[Feedback, Customer | None]]:
    query = filtered_query(filters)
    total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    page = clamp_page(page, total, per_page)
    rows = session.execute(
        query.order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=[tuple(row) for row in rows], total=total, page=page, per_page=per_page)


@dataclass
class FeedPage:
    items: list[Feedback]
    total: int
    has_more: bool


def feed_page(
    session: Session, *, after_id: int = 0, since: datetime | None = None, limit: int = 100
) -> FeedPage:
    """Feedback in id order after ``after_id`` (keyset paging); erased items left out."""
    conditions = [Feedback.erased.is_(False)]
    if since:
        conditions.append(Feedback.created_at >= since)
    total = session.execute(sa.select(sa.func.count(Feedback.id)).where(*conditions)).scalar_one()
    rows = list(
        session.execute(
            sa.select(Feedback)
            .where(*conditions, Feedback.id > after_id)
            .order_by(Feedback.id)
            .limit(limit + 1)
        ).scalars()
    )
    return FeedPage(items=rows[:limit], total=total, has_more=len(rows) > limit)


def list_sources(session: Session) -> list[str]:
    query = sa.select(Feedback.source).distinct().order_by(Feedback.source)
    return [source for (source,) in session.execute(query)]


@dataclass
class FeedbackDetail:
    feedback: Feedback
    form: FeedbackForm | None
    customer: CustomerRow | None
    earlier: list[Feedback]


def feedback_detail(session: Session, feedback_id: int, *, now: datetime) -> FeedbackDetail:
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound("No such feedback.")
    form = session.get(FeedbackForm, feedback.form_id) if feedback.form_id else None
    customer_row = None
    earlier: list[Feedback] = []
    if feedback.customer_id:
        customer = session.get(Customer, feedback.customer_id)
        customer_row = build_rows(session, [customer], now)[0]
        earlier = list(
            session.exec(
                select(Feedback)
                .where(Feedback.customer_id == customer.id, Feedback.id != feedback.id)
                .order_by(Feedback.created_at.desc())
                .limit(20)
            )
        )
    return FeedbackDetail(feedback=feedback, form=form, customer=customer_row, earlier=earlier)


def export_csv(session: Session, filters: FeedbackFilters) -> Iterator[str]:
    """CSV text in chunks, streamed so that large exports do not sit in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    query = filtered_query(filters).order_by(Feedback.created_at, Feedback.id)
    for count, (feedback, customer) in enumerate(
        session.execute(query.execution_options(yield_per=1000)), start=1
    ):
        writer.writerow(
            neutralise_formula(str(cell))
            for cell in (
                feedback.id,
                feedback.created_at.isoformat(),
                feedback.channel.value,
                feedback.source,
                feedback.external_id or "",
                feedback.language,
                feedback.rating if feedback.rating is not None else "",
                feedback.polarity.value if feedback.polarity else "",
                feedback.polarity_source.value if feedback.polarity_source else "",
                "" if feedback.polarity_confidence is None else feedback.polarity_confidence,
                feedback.journey_stage.value if feedback.journey_stage else "",
                customer.external_ref if customer and customer.external_ref else "",
                customer.segment if customer else "",
                "yes" if feedback.consent_publish else "no",
                feedback.text,
            )
        )
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
