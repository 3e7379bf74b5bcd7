"""Loyalty score and tier from behaviour only, kept apart from satisfaction (ratings).

Expected values are worked out by hand from the formula in the module docstring:
tenure 25 * min(days / 1095, 1); frequency 35 * min(ln(1 + orders) / ln(21), 1);
recency 25 * max(0, 1 - days_since / 365); engagement 15 * min(count / 5, 1).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.factories import make_customer, make_feedback
from workbench.customers.loyalty import LoyaltyTier, loyalty_score, satisfaction
from workbench.customers.services import build_rows
from workbench.feedback.models import Feedback

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def score(
    *,
    tenure_days: int | None = None,
    days_since_last: int | None = None,
    orders: int = 0,
    engagement: int = 0,
):
    return loyalty_score(
        first_purchase_at=None if tenure_days is None else NOW - timedelta(days=tenure_days),
        last_purchase_at=None if days_since_last is None else NOW - timedelta(days=days_since_last),
        orders_count=orders,
        engagement_count=engagement,
        now=NOW,
    )


# --- components -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tenure_days", "expected"),
    [(0, 0.0), (365, 8.3), (1091, 24.9), (3 * 365, 25.0), (10 * 365, 25.0)],
)
def test_tenure_component(tenure_days, expected):
    result = score(tenure_days=tenure_days)
    assert result.tenure == expected
    assert (result.frequency, result.recency, result.engagement) == (0.0, 0.0, 0.0)
    assert result.score == expected


@pytest.mark.parametrize(
    ("orders", "expected"),
    # 35 * ln(2) / ln(21) = 7.97; 35 * ln(5) / ln(21) = 18.50; 20 and more orders: full marks.
    [(0, 0.0), (1, 8.0), (4, 18.5), (20, 35.0), (200, 35.0), (-3, 0.0)],
)
def test_frequency_component(orders, expected):
    result = score(orders=orders)
    assert result.frequency == expected
    assert result.score == expected


@pytest.mark.parametrize(
    ("days_since_last", "expected"),
    # 73 days is a fifth of a year: 25 * 0.8 = 20; a purchase "in the future" counts as today.
    [(0, 25.0), (73, 20.0), (292, 5.0), (364, 0.1), (365, 0.0), (400, 0.0), (-5, 25.0)],
)
def test_recency_component(days_since_last, expected):
    result = score(days_since_last=days_since_last)
    assert result.recency == expected
    assert result.score == expected


def test_no_last_purchase_gives_no_recency():
    assert score(tenure_days=400).recency == 0.0


@pytest.mark.parametrize(
    ("engagement", "expected"), [(0, 0.0), (1, 3.0), (2, 6.0), (5, 15.0), (12, 15.0), (-1, 0.0)]
)
def test_engagement_component(engagement, expected):
    result = score(engagement=engagement)
    assert result.engagement == expected
    assert result.score == expected


def test_total_adds_the_four_components():
    # tenure 365 d -> 8.33; 4 orders -> 18.50; 73 days ago -> 20.0; 2 engagements -> 6.0
    result = score(tenure_days=365, orders=4, days_since_last=73, engagement=2)
    assert (result.tenure, result.frequency, result.recency, result.engagement) == (
        8.3,
        18.5,
        20.0,
        6.0,
    )
    assert result.score == 52.8
    assert result.tier is LoyaltyTier.LOYAL


def test_full_marks_everywhere_is_100_and_champion():
    result = score(tenure_days=3 * 365, orders=20, days_since_last=0, engagement=5)
    assert result.score == 100.0
    assert result.tier is LoyaltyTier.CHAMPION


# --- tiers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected_score", "expected_tier"),
    [
        # tenure 1091 days = 24.91
        ({"tenure_days": 1091}, 24.9, LoyaltyTier.NEW),
        ({"tenure_days": 1095}, 25.0, LoyaltyTier.REGULAR),
        # 24.91 + recency 25
        ({"tenure_days": 1091, "days_since_last": 0}, 49.9, LoyaltyTier.REGULAR),
        ({"tenure_days": 1095, "days_since_last": 0}, 50.0, LoyaltyTier.LOYAL),
        # 24.91 + 35 + 15
        ({"tenure_days": 1091, "orders": 20, "engagement": 5}, 74.9, LoyaltyTier.LOYAL),
        ({"tenure_days": 1095, "orders": 20, "engagement": 5}, 75.0, LoyaltyTier.CHAMPION),
    ],
)
def test_tier_thresholds_at_boundaries(kwargs, expected_score, expected_tier):
    result = score(**kwargs)
    assert result.score == expected_score
    assert result.tier is expected_tier


def test_first_purchase_under_90_days_is_new_even_with_a_high_score():
    # tenure 89 d = 2.03, + 35 + 25 + 15 = 77.0: champion by score, but still new.
    result = score(tenure_days=89, orders=20, days_since_last=0, engagement=5)
    assert result.score == 77.0
    assert result.tier is LoyaltyTier.NEW


def test_first_purchase_exactly_90_days_ago_is_no_longer_new():
    # tenure 90 d = 2.05, + 75 = 77.05 -> 77.1
    result = score(tenure_days=90, orders=20, days_since_last=0, engagement=5)
    assert result.score == 77.1
    assert result.tier is LoyaltyTier.CHAMPION


def test_customer_without_purchases():
    result = score()
    assert result.score == 0.0
    assert result.tier is LoyaltyTier.NEW
    assert (result.tenure, result.frequency, result.recency, result.engagement) == (0, 0, 0, 0)


def test_customer_without_purchases_but_engaged_is_still_new():
    result = score(engagement=5)
    assert result.score == 15.0
    assert result.tier is LoyaltyTier.NEW


# --- satisfaction ---------------------------------------------------------------------------


def test_satisfaction_mean_and_count():
    result = satisfaction([5, 4, 2])
    assert result.mean_rating == 3.67
    assert result.ratings == 3


def test_satisfaction_single_rating():
    result = satisfaction([4])
    assert (result.mean_rating, result.ratings) == (4.0, 1)


def test_satisfaction_without_ratings():
    result = satisfaction([])
    assert result.mean_rating is None
    assert result.ratings == 0


def test_loyalty_does_not_change_when_only_ratings_change(session):
    now = datetime.now(UTC)
    customer = make_customer(
        session,
        first_purchase_at=now - timedelta(days=500),
        last_purchase_at=now - timedelta(days=30),
        orders_count=6,
    )
    for _ in range(3):
        make_feedback(session, customer_id=customer.id, rating=1)
    make_feedback(session, customer_id=customer.id, rating=None)
    session.commit()

    unhappy = build_rows(session, [customer], now)[0]
    assert unhappy.satisfaction.mean_rating == 1.0
    assert unhappy.satisfaction.ratings == 3  # the unrated item is engagement, not a rating
    assert unhappy.loyalty.engagement == 12.0  # 4 feedback items: 15 * 4 / 5

    for item in session.exec(select(Feedback).where(Feedback.customer_id == customer.id)):
        if item.rating is not None:
            item.rating = 5
            session.add(item)
    session.commit()

    happy = build_rows(session, [customer], now)[0]
    assert happy.satisfaction.mean_rating == 5.0
    assert happy.satisfaction.ratings == 3
    assert happy.loyalty == unhappy.loyalty
