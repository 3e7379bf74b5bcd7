"""What feedback adds to the customer register: a customer's feedback and its engagement part."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.customers.engagement import Engagement
from workbench.customers.models import Customer
from workbench.feedback.models import Feedback


def feedback_of(customer: Customer) -> sa.ColumnElement[bool]:
    """Their feedback: linked to them, or sent with their e-mail before they were linked."""
    theirs = Feedback.customer_id == customer.id
    if customer.email:
        theirs = sa.or_(theirs, sa.func.lower(Feedback.email) == customer.email)
    return theirs


def customer_feedback(session: Session, customer: Customer) -> list[Feedback]:
    """A customer's feedback, newest first."""
    query = select(Feedback).where(feedback_of(customer)).order_by(Feedback.created_at.desc())
    return list(session.exec(query))


def feedback_engagement(session: Session, customer_ids: list[int]) -> dict[int, Engagement]:
    """Per customer, one engagement per feedback item and the ratings they gave."""
    counts = dict.fromkeys(customer_ids, 0)
    ratings: dict[int, list[int]] = {customer_id: [] for customer_id in customer_ids}
    query = sa.select(Feedback.customer_id, Feedback.rating).where(
        Feedback.customer_id.in_(customer_ids)
    )
    for customer_id, rating in session.execute(query):
        counts[customer_id] += 1
        if rating is not None:
            ratings[customer_id].append(rating)
    return {
        customer_id: Engagement(counts[customer_id], tuple(ratings[customer_id]))
        for customer_id in customer_ids
    }
