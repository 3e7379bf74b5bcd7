"""The impact score of a topic: how much it matters, from four inputs shown beside it.

    impact = 10 * log2(1 + volume)
                * (0.5 + negative_share)
                * clamp(1 + trend / 2, 0.5, 1.5)
                * (1 + 0.5 * loyal_share)

- volume: the topic's complaints now (negative or neutral items; praise is no problem to
  fix, so a topic of praise scores 0). A log scale, so that a topic of 100 complaints is not
  worth ten of 10: doubling a topic adds a step, it does not double the score.
- negative_share: the share of those complaints that are negative (a rating of 1 or 2, or read
  as negative from the text). An all-neutral topic (questions) counts half (factor 0.5), an
  all-negative one 1.5. Unknown counts as 0.5 (factor 1.0).
- trend: the change of the weekly rate, the last 4 weeks against the 8 weeks before
  (``trend_change``): +1.0 means twice as many a week, -0.5 half as many. The factor runs from
  0.5 (gone quiet) to 1.5 (doubled or more); a topic new in the last 4 weeks counts as +1.0.
- loyal_share: the share of the topic's items given by loyal or champion customers (tiers of
  ``workbench.customers.loyalty``, which is behaviour: tenure, orders, recency, engagement).
  Anonymous items weigh as a regular customer's. This is the mean weight of the items where
  loyal and champion weigh 1.5 and new and regular 1.0: what loyal customers say weighs more,
  because they are the ones whose repurchase is at stake. Ratings never enter this part:
  satisfaction is not loyalty.

Worked example: 15 complaints, half of them negative, 6 in the last 4 weeks against 6 in the
8 before (1.5 a week against 0.75: trend +1.0), 9 of the 15 from loyal customers (0.6):
10 * log2(16) * (0.5 + 0.5) * 1.5 * 1.3 = 10 * 4 * 1.0 * 1.5 * 1.3 = 78.0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.customers.loyalty import LoyaltyTier

SCALE = 10.0
UNKNOWN_NEGATIVE_SHARE = 0.5
LOYAL_EXTRA = 0.5
LOYAL_TIERS = frozenset({LoyaltyTier.LOYAL, LoyaltyTier.CHAMPION})
RECENT_WEEKS, EARLIER_WEEKS = 4, 8
TREND_MIN, TREND_MAX = 0.5, 1.5


@dataclass(frozen=True)
class ImpactScore:
    """The score with its inputs and the factor each one gives."""

    score: float
    volume: int
    negative_share: float
    trend: float
    loyal_share: float
    volume_part: float
    negativity_factor: float
    trend_factor: float
    loyalty_factor: float

    @property
    def explanation(self) -> str:
        """The sum written out, for a title attribute or a screen reader."""
        return (
            f"{SCALE:g} * log2(1 + {self.volume}) {self.volume_part:.2f}"
            f" * negativity {self.negativity_factor:.2f}"
            f" * trend {self.trend_factor:.2f} * loyalty {self.loyalty_factor:.2f}"
            f" = {self.score:.1f}"
        )


def _share(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def impact_score(
    volume: int, negative_share: float | None, trend: float, loyal_share: float
) -> ImpactScore:
    """Score a topic from its four inputs; see the module docstring for the formula."""
    volume = max(int(volume), 0)
    negative = UNKNOWN_NEGATIVE_SHARE if negative_share is None else _share(negative_share)
    loyal = _share(loyal_share)
    volume_part = math.log2(1 + volume)
    negativity_factor = 0.5 + negative
    trend_factor = min(max(1 + trend / 2, TREND_MIN), TREND_MAX)
    loyalty_factor = 1 + LOYAL_EXTRA * loyal
    score = SCALE * volume_part * negativity_factor * trend_factor * loyalty_factor
    return ImpactScore(
        score=round(score, 1),
        volume=volume,
        negative_share=negative,
        trend=trend,
        loyal_share=loyal,
        volume_part=round(volume_part, 3),
        negativity_factor=round(negativity_factor, 3),
        trend_factor=round(trend_factor, 3),
        loyalty_factor=round(loyalty_factor, 3),
    )


def trend_change(recent: int, earlier: int) -> float:
    """Change of the weekly rate: ``recent`` items in 4 weeks against ``earlier`` in 8 before.

    0.0 when both are empty; +1.0 for a topic that is new in the last 4 weeks.
    """
    recent_rate, earlier_rate = recent / RECENT_WEEKS, earlier / EARLIER_WEEKS
    if earlier_rate == 0:
        return 1.0 if recent_rate > 0 else 0.0
    return round((recent_rate - earlier_rate) / earlier_rate, 3)


def trend_of_weeks(counts: list[int]) -> float:
    """``trend_change`` of a list of weekly counts, oldest first (the last 12 weeks)."""
    recent = sum(counts[-RECENT_WEEKS:])
    earlier = sum(counts[-(RECENT_WEEKS + EARLIER_WEEKS) : -RECENT_WEEKS])
    return trend_change(recent, earlier)


def loyal_share(tiers: Iterable[LoyaltyTier | None]) -> float:
    """Share of items given by loyal or champion customers; None (anonymous) counts as regular."""
    tiers = list(tiers)
    if not tiers:
        return 0.0
    return sum(1 for tier in tiers if tier in LOYAL_TIERS) / len(tiers)
