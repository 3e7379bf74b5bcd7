"""How many of the problems a study's tasks reveal have its sessions probably found?

The input is the issue x participant detection matrix: one row per issue, one boolean per
participant (True when that participant ran into the issue). With

- ``n``  participants (the matrix's columns),
- ``N``  distinct issues seen by at least one participant,
- ``N1`` issues seen by exactly one participant,

the figures are:

- Observed discovery rate: ``p_est = mean over issues of (participants who hit it / n)``.
- Lewis's small-sample adjustment (the mean of a normalisation and a Good-Turing discount)::

      p_adj = 1/2 * (p_est - 1/n) * (1 - 1/n) + 1/2 * p_est / (1 + N1/N)

- Share of all problems found by ``k`` sessions: ``1 - (1 - p_adj)^k``; ``found_share`` is that
  share for ``k = n``.
- Sessions needed to reach a goal share: ``ceil(ln(1 - goal) / ln(1 - p_adj))``, for the goals
  80% and 90%. These count sessions from zero, including the ``n`` already run.

Reference: Lewis, J. R. (2001). Evaluation of procedures for adjusting problem-discovery rates
estimated from small samples. International Journal of Human-Computer Interaction, 13(4),
445-479. The ``1 - (1 - p)^k`` model is the one of Virzi (1992) and Nielsen & Landauer (1993).

Choices made here, so that no figure is made up:

- Rows nobody hit are left out of ``N``: the method counts problems the sessions discovered, and
  an issue logged elsewhere (say from feedback triage) says nothing about these sessions' rate.
- Fewer than 2 participants, or no problem seen, give no figures and a ``reason`` instead.
- Every issue seen once (``N1 = N``) still gives an estimate, ``p_adj = 1 / (4n)``: low, as the
  data suggest, and flagged as rough by ``describe_discovery``.
- With at least one hit per counted row ``p_est >= 1/n`` and ``p_adj`` stays inside (0, 1), yet the
  formula itself can go to zero or below for ``p_est < 1/n``. Such a rate gives no figures and a
  reason rather than being clamped; ``sessions_needed`` likewise answers None for it, while
  ``share_found`` and ``discovery_curve`` take rates from 0 to 1 only. A rate of exactly 1 means
  the first session finds everything (share 1, one session needed for any goal, not ``n``);
  a rate above 1 or a NaN is a bug in the caller and raises ValueError.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

GOALS = (0.8, 0.9)
MIN_PARTICIPANTS = 2
# ln(1 - goal) / ln(1 - p) can land a hair above a whole number (2.0000000000000004) when the
# goal is met exactly after that many sessions; this keeps float noise from adding a session.
ROUNDING_SLACK = 1e-9

REASON_TOO_FEW = "Needs at least {needed} participants; this study has {n}."
REASON_NO_ISSUES = "No problems logged yet."
REASON_NONE_SEEN = "None of the logged problems was seen by a participant yet."
REASON_RATE_NOT_POSITIVE = (
    "The adjusted discovery rate is {p_adj:.3f}, not above zero, so the sessions so far say "
    "nothing about how many problems remain."
)


@dataclass(frozen=True)
class DiscoveryEstimate:
    """The discovery figures for one detection matrix; ``None`` where not estimable."""

    n_participants: int
    n_issues: int
    n_single: int
    p_est: float | None
    p_adj: float | None
    found_share: float | None
    sessions_needed_80: int | None
    sessions_needed_90: int | None
    reason: str | None = None

    @property
    def is_estimable(self) -> bool:
        """True when the figures are there (and ``reason`` is None)."""
        return self.reason is None


def estimate_discovery(
    detections: Sequence[Sequence[bool | int]], *, n_participants: int | None = None
) -> DiscoveryEstimate:
    """Estimate how much of the problem space the sessions behind ``detections`` have found.

    ``n_participants`` is only needed when the matrix may have no rows (no problems logged);
    when given, every row must have that many entries.
    """
    rows = _validated_rows(detections, n_participants)
    if n_participants is None:
        n_participants = len(rows[0]) if rows else 0
    hits = [sum(row) for row in rows]
    seen = [count for count in hits if count > 0]
    n_issues = len(seen)
    n_single = sum(1 for count in seen if count == 1)

    def without_figures(reason: str) -> DiscoveryEstimate:
        return DiscoveryEstimate(
            n_participants, n_issues, n_single, None, None, None, None, None, reason
        )

    if not rows and n_participants == 0:
        return without_figures(REASON_NO_ISSUES)
    if n_participants < MIN_PARTICIPANTS:
        return without_figures(REASON_TOO_FEW.format(needed=MIN_PARTICIPANTS, n=n_participants))
    if not rows:
        return without_figures(REASON_NO_ISSUES)
    if not seen:
        return without_figures(REASON_NONE_SEEN)

    # One division over the total keeps p_est exactly at 1/n when every issue was seen once.
    p_est = sum(seen) / (n_participants * n_issues)
    p_adj = adjust_discovery_rate(p_est, n_participants, n_single, n_issues)
    return estimate_from_rates(n_participants, n_issues, n_single, p_est, p_adj)


def estimate_from_rates(
    n_participants: int, n_issues: int, n_single: int, p_est: float, p_adj: float
) -> DiscoveryEstimate:
    """The figures for an observed rate ``p_est`` and its adjustment ``p_adj``.

    A ``p_adj`` at or below zero gives no figures and a reason; ``estimate_discovery`` never
    passes one (with a hit in every counted row, ``p_est >= 1/n`` keeps ``p_adj > 0``).
    """
    if p_adj <= 0:
        reason = REASON_RATE_NOT_POSITIVE.format(p_adj=p_adj)
        return DiscoveryEstimate(
            n_participants, n_issues, n_single, p_est, p_adj, None, None, None, reason
        )
    needed_80, needed_90 = (sessions_needed(p_adj, goal) for goal in GOALS)
    return DiscoveryEstimate(
        n_participants=n_participants,
        n_issues=n_issues,
        n_single=n_single,
        p_est=p_est,
        p_adj=p_adj,
        found_share=share_found(p_adj, n_participants),
        sessions_needed_80=needed_80,
        sessions_needed_90=needed_90,
    )


def adjust_discovery_rate(p_est: float, n_participants: int, n_single: int, n_issues: int) -> float:
    """Lewis's (2001) small-sample adjustment of an observed discovery rate; may be <= 0."""
    if n_participants < 1 or n_issues < 1:
        raise ValueError("The adjustment needs at least one participant and one issue.")
    if not 0 <= n_single <= n_issues:
        raise ValueError(f"n_single must be between 0 and n_issues ({n_issues}), not {n_single}.")
    normalised = (p_est - 1 / n_participants) * (1 - 1 / n_participants)
    good_turing = p_est / (1 + n_single / n_issues)
    return 0.5 * normalised + 0.5 * good_turing


def share_found(p_adj: float, sessions: int) -> float:
    """Expected share of all problems found after ``sessions`` sessions: ``1 - (1 - p)^k``."""
    _check_rate(p_adj)
    if sessions < 0:
        raise ValueError(f"The number of sessions cannot be negative ({sessions}).")
    return 1 - (1 - p_adj) ** sessions


def sessions_needed(p_adj: float, goal: float) -> int | None:
    """Sessions (from zero) expected to find ``goal`` of all problems; None when p_adj <= 0."""
    if not 0 < goal < 1:
        raise ValueError(f"The goal is a share between 0 and 1 (exclusive), not {goal}.")
    if not p_adj <= 1:  # NaN too
        raise ValueError(f"A discovery rate cannot be above 1 ({p_adj}).")
    if p_adj <= 0:
        return None
    if p_adj == 1:
        return 1
    exact = math.log(1 - goal) / math.log(1 - p_adj)
    return max(1, math.ceil(exact - ROUNDING_SLACK))


def discovery_curve(p_adj: float, up_to: int) -> list[tuple[int, float]]:
    """The expected share found after each of 1..``up_to`` sessions, for drawing the curve."""
    if up_to < 0:
        raise ValueError(f"up_to cannot be negative ({up_to}).")
    return [(k, share_found(p_adj, k)) for k in range(1, up_to + 1)]


def describe_discovery(estimate: DiscoveryEstimate) -> str:
    """The estimate in one or two plain English sentences for the study page."""
    if estimate.reason is not None:
        return f"No discovery estimate yet. {estimate.reason}"
    n = estimate.n_participants
    if (
        estimate.found_share is None
        or estimate.sessions_needed_80 is None
        or estimate.sessions_needed_90 is None
    ):
        raise ValueError("An estimate without a reason needs its found share and sessions.")
    # Rounded down, so a share just short of 90% never reads as "about 90%" next to "1 more".
    percent = math.floor(estimate.found_share * 100)
    sessions = "1 session has" if n == 1 else f"{n} sessions have"
    found = f"{sessions} probably found about {percent}% of the problems these tasks reveal"
    more_80 = estimate.sessions_needed_80 - n
    more_90 = estimate.sessions_needed_90 - n
    if more_90 <= 0:
        sentence = f"{found}, past the 90% mark already."
    elif more_80 > 0:
        sentence = f"{found}; {_more(more_80)} would reach about 80% and {more_90} more about 90%."
    else:
        sentence = f"{found}; {_more(more_90)} would reach about 90%."
    if estimate.n_single == estimate.n_issues:
        sentence += (
            " Every problem so far was seen by one participant only, so this is a rough guess."
        )
    return sentence


def _more(sessions: int) -> str:
    return "1 more session" if sessions == 1 else f"{sessions} more"


def _check_rate(p_adj: float) -> None:
    # Written so that NaN fails too.
    if not 0 <= p_adj <= 1:
        raise ValueError(f"A discovery rate is a share between 0 and 1, not {p_adj}.")


def _validated_rows(
    detections: Sequence[Sequence[bool | int]], n_participants: int | None
) -> list[tuple[bool, ...]]:
    """The matrix as tuples of bools; ValueError on ragged rows or values other than 0/1."""
    if n_participants is not None and n_participants < 0:
        raise ValueError(f"n_participants cannot be negative ({n_participants}).")
    rows: list[tuple[bool, ...]] = []
    expected = n_participants
    for index, row in enumerate(detections):
        if isinstance(row, str | bytes):
            raise ValueError(f"Row {index} is text, not a sequence of booleans: {row!r}.")
        values = tuple(row)
        for value in values:
            if not isinstance(value, bool | int) or value not in (0, 1):
                raise ValueError(
                    f"Row {index} holds {value!r}; detections are booleans (or 0 and 1)."
                )
        if expected is None:
            expected = len(values)  # the first row sets the width
        if len(values) != expected:
            raise ValueError(
                f"Every row needs one entry per participant: row {index} has {len(values)}, "
                f"expected {expected}."
            )
        rows.append(tuple(bool(value) for value in values))
    return rows
