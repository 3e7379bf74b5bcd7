"""What a customer has done with us besides buying: the engagement part of loyalty.

Feedback and user-test sessions build on the register, so the register cannot count them
itself: they register with ``engagement_sources`` (workbench.create_app) and say, per
customer, how much each customer took part and which ratings they gave.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from workbench.hooks import Hook


@dataclass(frozen=True)
class Engagement:
    """One source's part of a customer's engagement."""

    #: Things the customer did: feedback items given, sessions completed.
    count: int = 0
    #: Ratings they gave (the satisfaction column).
    ratings: tuple[int, ...] = ()


#: Called with (session, customer ids); each receiver answers {customer id: Engagement}.
engagement_sources: Hook[dict[int, Engagement]] = Hook("customer engagement")


def engagement_of(session: Session, customer_ids: list[int]) -> dict[int, Engagement]:
    """Every source's engagement of each customer, added up."""
    total = {customer_id: Engagement() for customer_id in customer_ids}
    if not customer_ids:
        return total
    for found in engagement_sources(session, customer_ids):
        for customer_id, part in found.items():
            before = total[customer_id]
            total[customer_id] = Engagement(
                before.count + part.count, before.ratings + part.ratings
            )
    return total
