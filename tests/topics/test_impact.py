"""The impact score from its inputs, with worked numbers."""

from __future__ import annotations

import pytest

from workbench.customers.loyalty import LoyaltyTier
from workbench.topics.impact import impact_score, loyal_share, trend_change, trend_of_weeks


def test_the_worked_example_of_the_docstring():
    # 15 items, half rated low, trend +100 %, 60 % from loyal customers.
    score = impact_score(15, 0.5, 1.0, 0.6)
    assert score.volume_part == 4.0  # log2(16)
    assert score.negativity_factor == 1.0
    assert score.trend_factor == 1.5
    assert score.loyalty_factor == 1.3
    assert score.score == 78.0
    assert "= 78.0" in score.explanation


def test_each_part_moves_the_score_as_documented():
    base = impact_score(7, 0.0, 0.0, 0.0)  # log2(8) = 3; 10 * 3 * 0.5 * 1 * 1
    assert base.score == 15.0
    assert impact_score(7, 1.0, 0.0, 0.0).score == 45.0  # all negative: factor 1.5
    assert impact_score(7, 0.0, -1.0, 0.0).score == 7.5  # gone quiet: factor 0.5
    assert impact_score(7, 0.0, 5.0, 0.0).score == 22.5  # capped at 1.5
    assert impact_score(7, 0.0, 0.0, 1.0).score == 22.5  # all loyal: factor 1.5
    assert impact_score(0, 1.0, 1.0, 1.0).score == 0.0  # nothing said, no impact


def test_volume_is_on_a_log_scale():
    assert impact_score(3, 0.5, 0.0, 0.0).score == 20.0  # log2(4) = 2
    assert impact_score(15, 0.5, 0.0, 0.0).score == 40.0  # four times the items, twice the score


def test_unknown_negativity_counts_as_half():
    assert impact_score(7, None, 0.0, 0.0).negative_share == 0.5
    assert impact_score(7, None, 0.0, 0.0).score == 30.0


def test_loyal_customers_weigh_more_and_ratings_do_not_count_as_loyalty():
    from_loyal = loyal_share([LoyaltyTier.LOYAL, LoyaltyTier.CHAMPION, LoyaltyTier.LOYAL])
    from_new = loyal_share([LoyaltyTier.NEW, LoyaltyTier.REGULAR, None])
    assert (from_loyal, from_new) == (1.0, 0.0)
    assert impact_score(3, 0.5, 0, from_loyal).score > impact_score(3, 0.5, 0, from_new).score
    # Happier or angrier ratings change the negativity part only, never the loyalty part.
    happy, angry = impact_score(3, 0.0, 0, from_loyal), impact_score(3, 1.0, 0, from_loyal)
    assert happy.loyalty_factor == angry.loyalty_factor == 1.5
    assert happy.score < angry.score


def test_anonymous_items_weigh_as_regular():
    assert loyal_share([None, LoyaltyTier.LOYAL]) == 0.5
    assert loyal_share([]) == 0.0


@pytest.mark.parametrize(
    ("recent", "earlier", "expected"),
    [
        (6, 6, 1.0),  # 1.5 a week against 0.75
        (2, 4, 0.0),  # 0.5 a week both times
        (1, 4, -0.5),
        (0, 8, -1.0),
        (3, 0, 1.0),  # new in the last 4 weeks
        (0, 0, 0.0),
    ],
)
def test_trend_change_compares_weekly_rates(recent, earlier, expected):
    assert trend_change(recent, earlier) == expected


def test_trend_of_weeks_takes_the_last_four_against_the_eight_before():
    counts = [1, 0, 1, 0, 1, 0, 1, 0, 2, 2, 1, 1]  # 4 in the first 8, 6 in the last 4
    assert trend_of_weeks(counts) == 2.0
