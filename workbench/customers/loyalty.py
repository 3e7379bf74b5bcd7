"""Loyalty from behaviour, kept apart from satisfaction (ratings).

The score runs from 0 to 100 and adds four parts, each capped:

- tenure, up to 25: years since the first purchase, full marks at 3 years;
- frequency, up to 35: orders on a log scale, full marks at 20 orders;
- recency, up to 25: full marks for a purchase today, falling linearly to 0 at 365 days;
- engagement, up to 15: feedback given and research sessions taken part in, full marks at 5.

Tiers: ``new`` when the first purchase is under 90 days old or the score is under 25,
``regular`` from 25, ``loyal`` from 50, ``champion`` from 75.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

TENURE_POINTS, TENURE_FULL_DAYS = 25.0, 3 * 365
FREQUENCY_POINTS, FREQUENCY_FULL_ORDERS = 35.0, 20
RECENCY_POINTS, RECENCY_ZERO_DAYS = 25.0, 365
ENGAGEMENT_POINTS, ENGAGEMENT_FULL = 15.0, 5
NEW_CUSTOMER_DAYS = 90


class LoyaltyTier(StrEnum):
    NEW = "new"
    REGULAR = "regular"
    LOYAL = "loyal"
    CHAMPION = "champion"


TIER_ORDER = list(LoyaltyTier)
TIER_THRESHOLDS = (
    (75.0, LoyaltyTier.CHAMPION),
    (50.0, LoyaltyTier.LOYAL),
    (25.0, LoyaltyTier.REGULAR),
)


@dataclass(frozen=True)
class LoyaltyScore:
    score: float
    tier: LoyaltyTier
    tenure: float
    frequency: float
    recency: float
    engagement: float


def loyalty_score(
    *,
    first_purchase_at: datetime | None,
    last_purchase_at: datetime | None,
    orders_count: int,
    engagement_count: int,
    now: datetime,
) -> LoyaltyScore:
    """Score a customer's behaviour; see the module docstring for the formula."""
    tenure_days = (now - first_purchase_at).days if first_purchase_at else 0
    tenure = TENURE_POINTS * min(max(tenure_days, 0) / TENURE_FULL_DAYS, 1.0)
    orders = max(orders_count, 0)
    frequency = FREQUENCY_POINTS * min(math.log1p(orders) / math.log1p(FREQUENCY_FULL_ORDERS), 1.0)
    if last_purchase_at is None:
        recency = 0.0
    else:
        days_since = max((now - last_purchase_at).days, 0)
        recency = RECENCY_POINTS * max(0.0, 1 - days_since / RECENCY_ZERO_DAYS)
    engagement = ENGAGEMENT_POINTS * min(max(engagement_count, 0) / ENGAGEMENT_FULL, 1.0)
    score = round(tenure + frequency + recency + engagement, 1)
    tier = LoyaltyTier.NEW
    if first_purchase_at is not None and tenure_days >= NEW_CUSTOMER_DAYS:
        tier = next((t for threshold, t in TIER_THRESHOLDS if score >= threshold), LoyaltyTier.NEW)
    return LoyaltyScore(
        score=score,
        tier=tier,
        tenure=round(tenure, 1),
        frequency=round(frequency, 1),
        recency=round(recency, 1),
        engagement=round(engagement, 1),
    )


@dataclass(frozen=True)
class Satisfaction:
    """What a customer's ratings say, apart from how they behave."""

    mean_rating: float | None
    ratings: int


def satisfaction(ratings: list[int]) -> Satisfaction:
    if not ratings:
        return Satisfaction(mean_rating=None, ratings=0)
    return Satisfaction(mean_rating=round(sum(ratings) / len(ratings), 2), ratings=len(ratings))
