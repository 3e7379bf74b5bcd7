"""The discovery estimate against hand-computed cases (Lewis 2001); no database, no app.

Worked examples, by hand (n participants, N issues seen, N1 issues seen once):

A. 4 issues x 5 participants, hits per issue 3, 2, 1, 1.
   n = 5, N = 4, N1 = 2; p_est = (3 + 2 + 1 + 1) / (5 * 4) = 7/20 = 0.35
   normalised  = (0.35 - 1/5) * (1 - 1/5) = 0.15 * 0.8 = 0.12
   Good-Turing = 0.35 / (1 + 2/4) = 0.35 / 1.5 = 0.2333...
   p_adj = 0.12/2 + 0.2333/2 = 0.06 + 0.11667 = 0.17667 (= 53/300)
   found = 1 - (247/300)^5 = 1 - 0.378337 = 0.621663
   ln(247/300) = -0.194394
   80%: ln(0.2)/ln(247/300) = -1.609438 / -0.194394 = 8.279 -> 9 sessions
   90%: ln(0.1)/ln(247/300) = -2.302585 / -0.194394 = 11.845 -> 12 sessions

B. 5 issues x 6 participants, hits per issue 2, 2, 2, 2, 3 (the issue's example sentence).
   n = 6, N = 5, N1 = 0; p_est = 11 / 30 = 0.36667
   normalised  = (11/30 - 5/30) * (1 - 1/6) = 1/5 * 5/6 = 1/6
   Good-Turing = (11/30) / (1 + 0) = 11/30
   p_adj = 1/12 + 11/60 = 5/60 + 11/60 = 16/60 = 4/15 = 0.26667
   found = 1 - (11/15)^6 = 1 - 0.155528 = 0.844472 -> "about 84%"
   ln(11/15) = -0.310155
   80%: -1.609438 / -0.310155 = 5.189 -> 6 sessions (already run)
   90%: -2.302585 / -0.310155 = 7.424 -> 8 sessions, 2 more

C. 3 issues x 5 participants, every issue seen by exactly one participant.
   n = 5, N = 3, N1 = 3; p_est = 3 / 15 = 0.2 = 1/n
   normalised  = (0.2 - 0.2) * 0.8 = 0
   Good-Turing = 0.2 / (1 + 3/3) = 0.1
   p_adj = 0 + 0.05 = 0.05 (always 1/(4n) in this case)
   found = 1 - 0.95^5 = 1 - 0.773781 = 0.226219
   ln(0.95) = -0.051293
   80%: -1.609438 / -0.051293 = 31.38 -> 32 sessions
   90%: -2.302585 / -0.051293 = 44.89 -> 45 sessions

D. 2 issues x 3 participants, everyone saw everything.
   n = 3, N = 2, N1 = 0; p_est = 6 / 6 = 1
   normalised  = (1 - 1/3) * (1 - 1/3) = 4/9
   Good-Turing = 1 / 1 = 1
   p_adj = 2/9 + 1/2 = 13/18 = 0.72222
   found = 1 - (5/18)^3 = 1 - 125/5832 = 0.978567
   ln(5/18) = -1.280934
   80%: -1.609438 / -1.280934 = 1.256 -> 2 sessions;  90%: -2.302585 / -1.280934 = 1.798 -> 2

E. 2 issues x 2 participants, hits 2 and 1.
   n = 2, N = 2, N1 = 1; p_est = 3/4 = 0.75
   normalised  = (0.75 - 0.5) * 0.5 = 0.125;  Good-Turing = 0.75 / 1.5 = 0.5
   p_adj = 0.0625 + 0.25 = 0.3125 (= 5/16)
   found = 1 - (11/16)^2 = 1 - 121/256 = 135/256 = 0.527344
   ln(11/16) = -0.374693
   80%: -1.609438 / -0.374693 = 4.295 -> 5;  90%: -2.302585 / -0.374693 = 6.145 -> 7
"""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.studies.discovery import (
    MIN_PARTICIPANTS,
    DiscoveryEstimate,
    adjust_discovery_rate,
    describe_discovery,
    discovery_curve,
    estimate_discovery,
    estimate_from_rates,
    sessions_needed,
    share_found,
)

T, F = True, False

MATRIX_A = [
    [T, T, T, F, F],
    [T, F, F, T, F],
    [F, F, T, F, F],
    [F, F, F, F, T],
]
MATRIX_B = [
    [T, T, F, F, F, F],
    [F, F, T, T, F, F],
    [F, F, F, F, T, T],
    [T, F, T, F, F, F],
    [F, T, F, T, T, F],
]
MATRIX_C = [
    [T, F, F, F, F],
    [F, T, F, F, F],
    [F, F, F, F, T],
]
MATRIX_D = [[T, T, T], [T, T, T]]
MATRIX_E = [[1, 1], [1, 0]]  # 0/1 ints are accepted too

# matrix, n, N, N1, p_est, p_adj, found share, sessions for 80%, sessions for 90%
WORKED_EXAMPLES = {
    "A": (MATRIX_A, 5, 4, 2, 0.35, 53 / 300, 1 - (247 / 300) ** 5, 9, 12),
    "B": (MATRIX_B, 6, 5, 0, 11 / 30, 4 / 15, 1 - (11 / 15) ** 6, 6, 8),
    "C": (MATRIX_C, 5, 3, 3, 0.2, 0.05, 1 - 0.95**5, 32, 45),
    "D": (MATRIX_D, 3, 2, 0, 1.0, 13 / 18, 1 - 125 / 5832, 2, 2),
    "E": (MATRIX_E, 2, 2, 1, 0.75, 5 / 16, 135 / 256, 5, 7),
}


@pytest.mark.parametrize(
    ("matrix", "n", "n_issues", "n_single", "p_est", "p_adj", "found", "needed_80", "needed_90"),
    list(WORKED_EXAMPLES.values()),
    ids=list(WORKED_EXAMPLES),
)
def test_worked_examples(matrix, n, n_issues, n_single, p_est, p_adj, found, needed_80, needed_90):
    estimate = estimate_discovery(matrix)

    assert estimate.reason is None and estimate.is_estimable
    assert (estimate.n_participants, estimate.n_issues, estimate.n_single) == (
        n,
        n_issues,
        n_single,
    )
    assert estimate.p_est == pytest.approx(p_est)
    assert estimate.p_adj == pytest.approx(p_adj)
    assert estimate.found_share == pytest.approx(found)
    assert (estimate.sessions_needed_80, estimate.sessions_needed_90) == (needed_80, needed_90)


def test_worked_example_figures_as_written_in_the_comments():
    """The rounded numbers of the docstring, so a slip in the arithmetic shows up here."""
    a = estimate_discovery(MATRIX_A)
    assert a.p_adj == pytest.approx(0.17667, abs=1e-5)
    assert a.found_share == pytest.approx(0.621663, abs=1e-6)
    b = estimate_discovery(MATRIX_B)
    assert b.found_share == pytest.approx(0.844472, abs=1e-6)
    c = estimate_discovery(MATRIX_C)
    assert c.found_share == pytest.approx(0.226219, abs=1e-6)


def test_rows_nobody_hit_are_left_out():
    with_unseen_row = [*MATRIX_A, [F, F, F, F, F]]

    assert estimate_discovery(with_unseen_row) == estimate_discovery(MATRIX_A)


def test_rows_and_participants_can_come_in_any_order():
    shuffled = [list(reversed(row)) for row in reversed(MATRIX_A)]

    assert estimate_discovery(shuffled) == estimate_discovery(MATRIX_A)


def test_tuples_and_generators_are_accepted():
    as_tuples = tuple(tuple(row) for row in MATRIX_A)
    as_generator = (iter(row) for row in MATRIX_A)

    assert estimate_discovery(as_tuples) == estimate_discovery(MATRIX_A)
    assert estimate_discovery(as_generator) == estimate_discovery(MATRIX_A)


@pytest.mark.parametrize(
    ("matrix", "n_participants", "reason_start", "shape"),
    [
        ([], None, "No problems logged yet", (0, 0, 0)),
        ([], 6, "No problems logged yet", (6, 0, 0)),
        ([], 1, "Needs at least 2 participants; this study has 1", (1, 0, 0)),
        ([[], []], None, "Needs at least 2 participants; this study has 0", (0, 0, 0)),
        ([[T], [F]], None, "Needs at least 2 participants; this study has 1", (1, 1, 1)),
        ([[T]], None, "Needs at least 2 participants; this study has 1", (1, 1, 1)),
        ([[F, F], [F, F]], None, "None of the logged problems was seen", (2, 0, 0)),
        ([[0, 0, 0]], 3, "None of the logged problems was seen", (3, 0, 0)),
    ],
    ids=[
        "empty",
        "empty-with-six-sessions",
        "empty-with-one-session",
        "zero-participants",
        "one-participant",
        "one-participant-one-issue",
        "all-false",
        "all-false-ints",
    ],
)
def test_edge_cases_give_a_reason_and_no_figures(matrix, n_participants, reason_start, shape):
    estimate = estimate_discovery(matrix, n_participants=n_participants)

    assert estimate.reason is not None and estimate.reason.startswith(reason_start)
    assert not estimate.is_estimable
    assert (estimate.n_participants, estimate.n_issues, estimate.n_single) == shape
    assert estimate.p_est is None and estimate.p_adj is None
    assert estimate.found_share is None
    assert estimate.sessions_needed_80 is None and estimate.sessions_needed_90 is None


@pytest.mark.parametrize("n", [2, 3, 5, 8, 20])
def test_every_issue_seen_once_gives_a_low_but_real_estimate(n):
    """p_est = 1/n and N1/N = 1, so p_adj = 0 + (1/n)/2/2 = 1/(4n): no crash, no made-up zero."""
    matrix = [[participant == issue for participant in range(n)] for issue in range(n)]

    estimate = estimate_discovery(matrix)

    assert estimate.n_single == estimate.n_issues == n
    assert estimate.p_est == pytest.approx(1 / n)
    assert estimate.p_adj == pytest.approx(1 / (4 * n))
    assert estimate.sessions_needed_90 is not None and estimate.sessions_needed_90 > n


def test_the_adjustment_itself_can_fall_to_zero_or_below():
    """Only with p_est < 1/n (an issue nobody saw counted in N): n = 2, hits 1, 0, 0.

    p_est = 1/6;  normalised = (1/6 - 1/2) * 1/2 = -1/6;  Good-Turing = (1/6) / (1 + 1/3) = 1/8
    p_adj = -1/12 + 1/16 = -1/48
    """
    assert adjust_discovery_rate(1 / 6, 2, 1, 3) == pytest.approx(-1 / 48)
    assert adjust_discovery_rate(1 / 3, 2, 0, 1) == pytest.approx(-1 / 24 + 1 / 6)


@pytest.mark.parametrize("p_adj", [0.0, -1 / 48])
def test_a_rate_at_or_below_zero_gives_a_reason_not_figures(p_adj):
    """Unreachable from a matrix (see the property below), so the figures step is called as is."""
    estimate = estimate_from_rates(2, 3, 1, 1 / 6, p_adj)

    assert estimate == DiscoveryEstimate(
        2,
        3,
        1,
        1 / 6,
        p_adj,
        None,
        None,
        None,
        f"The adjusted discovery rate is {p_adj:.3f}, not above zero, so the sessions so far "
        "say nothing about how many problems remain.",
    )
    assert not estimate.is_estimable
    assert describe_discovery(estimate).startswith("No discovery estimate yet. The adjusted")


def test_the_figures_step_gives_what_the_matrix_gives():
    p_adj = adjust_discovery_rate(7 / 20, 5, 2, 4)

    assert estimate_from_rates(5, 4, 2, 7 / 20, p_adj) == estimate_discovery(MATRIX_A)


@st.composite
def matrices_with_a_seen_issue(draw) -> list[list[bool]]:
    """Any detection matrix of 2+ participants in which someone ran into at least one issue.

    Rows are drawn as the set of participants who hit the issue, so that sparse matrices (rows
    nobody or one participant hit) come up as often as dense ones.
    """
    n = draw(st.integers(MIN_PARTICIPANTS, 12))
    hit_sets = draw(st.lists(st.sets(st.integers(0, n - 1)), min_size=1, max_size=12))
    seen_row, seen_by = draw(st.integers(0, len(hit_sets) - 1)), draw(st.integers(0, n - 1))
    hit_sets[seen_row].add(seen_by)
    return [[participant in hits for participant in range(n)] for hits in hit_sets]


@given(matrices_with_a_seen_issue())
@settings(database=None, deadline=None)
def test_a_matrix_with_a_seen_issue_always_has_a_positive_rate(matrix):
    estimate = estimate_discovery(matrix)

    assert estimate.p_adj is not None and 0 < estimate.p_adj < 1
    assert estimate.is_estimable


@pytest.mark.parametrize("p_adj", [0.0, -1 / 48, -0.5])
def test_a_rate_at_or_below_zero_needs_no_made_up_session_count(p_adj):
    assert sessions_needed(p_adj, 0.8) is None
    assert sessions_needed(p_adj, 0.9) is None


@pytest.mark.parametrize(
    ("n_participants", "n_single", "n_issues"),
    [(0, 0, 1), (2, 0, 0), (2, 3, 2), (2, -1, 2)],
)
def test_the_adjustment_refuses_impossible_counts(n_participants, n_single, n_issues):
    with pytest.raises(ValueError):
        adjust_discovery_rate(0.5, n_participants, n_single, n_issues)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[T, F, T], [T, F]], "row 1 has 2, expected 3"),
        ([[T], [T, T]], "row 1 has 2, expected 1"),
        ([[T, F], [T, F], [T, F, F]], "row 2 has 3, expected 2"),
        ([[T, 2]], "Row 0 holds 2"),
        ([[T, None]], "Row 0 holds None"),
        ([[T, 0.5]], "Row 0 holds 0.5"),
        ([[T, "yes"]], "Row 0 holds 'yes'"),
        (["TF"], "Row 0 is text"),
    ],
    ids=["ragged-short", "ragged-long", "ragged-last", "two", "none", "float", "word", "text"],
)
def test_bad_matrices_are_refused_with_a_clear_message(matrix, message):
    with pytest.raises(ValueError, match=message):
        estimate_discovery(matrix)


def test_rows_must_match_the_given_number_of_participants():
    with pytest.raises(ValueError, match="row 0 has 2, expected 3"):
        estimate_discovery([[T, F]], n_participants=3)
    with pytest.raises(ValueError, match="cannot be negative"):
        estimate_discovery([], n_participants=-1)


@pytest.mark.parametrize(
    ("p_adj", "goal", "expected"),
    [
        (53 / 300, 0.8, 9),
        (4 / 15, 0.9, 8),
        (0.5, 0.75, 2),  # ln(0.25) / ln(0.5) = 2 exactly: two sessions reach 75%
        (0.9, 0.99, 2),  # 1.9999999999999996 in floats
        (0.2, 0.2, 1),  # one session finds 20%
        (0.99, 0.5, 1),  # at least one session, even when the ratio is below 1
        (1.0, 0.9, 1),  # a rate of 1: the first session finds everything
    ],
)
def test_sessions_needed(p_adj, goal, expected):
    assert sessions_needed(p_adj, goal) == expected


def test_sessions_needed_is_the_first_count_that_reaches_the_goal():
    for p_adj in (0.05, 0.1, 0.17, 0.31, 0.5, 0.72):
        for goal in (0.5, 0.8, 0.9, 0.95):
            needed = sessions_needed(p_adj, goal)
            assert needed is not None
            assert share_found(p_adj, needed) >= goal - 1e-12
            assert share_found(p_adj, needed - 1) < goal


@pytest.mark.parametrize(
    ("p_adj", "goal"),
    [(0.3, 0.0), (0.3, 1.0), (0.3, 1.5), (1.2, 0.8), (math.nan, 0.8)],
)
def test_sessions_needed_refuses_impossible_inputs(p_adj, goal):
    with pytest.raises(ValueError):
        sessions_needed(p_adj, goal)


@pytest.mark.parametrize("p_adj", [0.05, 53 / 300, 4 / 15, 13 / 18])
def test_the_curve_rises_towards_one(p_adj):
    curve = discovery_curve(p_adj, 12)

    assert [k for k, _ in curve] == list(range(1, 13))
    shares = [share for _, share in curve]
    assert shares[0] == pytest.approx(p_adj)
    assert all(earlier < later for earlier, later in pairwise(shares))
    assert all(0 < share < 1 for share in shares)
    # Far out the floats reach 1.0 exactly; the curve still never falls or passes 1.
    far = [share for _, share in discovery_curve(p_adj, 200)]
    assert all(earlier <= later <= 1 for earlier, later in pairwise(far))


def test_the_curve_matches_the_estimate():
    estimate = estimate_discovery(MATRIX_B)
    assert estimate.p_adj is not None

    curve = dict(discovery_curve(estimate.p_adj, 10))

    assert curve[6] == pytest.approx(estimate.found_share)
    assert curve[5] < 0.8 <= curve[6]
    assert curve[7] < 0.9 <= curve[8]


def test_share_found_refuses_negative_sessions():
    assert share_found(0.3, 0) == 0
    with pytest.raises(ValueError):
        share_found(0.3, -1)


def test_the_curve_edges():
    assert discovery_curve(0.3, 0) == []
    assert discovery_curve(1.0, 3) == [(1, 1.0), (2, 1.0), (3, 1.0)]
    assert discovery_curve(0.0, 2) == [(1, 0.0), (2, 0.0)]
    with pytest.raises(ValueError):
        discovery_curve(0.3, -1)
    with pytest.raises(ValueError):
        discovery_curve(-0.1, 3)
    with pytest.raises(ValueError):
        discovery_curve(1.1, 3)


@pytest.mark.parametrize(
    ("matrix", "sentence"),
    [
        (
            MATRIX_B,
            "6 sessions have probably found about 84% of the problems these tasks reveal; "
            "2 more would reach about 90%.",
        ),
        (
            MATRIX_A,
            "5 sessions have probably found about 62% of the problems these tasks reveal; "
            "4 more would reach about 80% and 7 more about 90%.",
        ),
        (
            MATRIX_D,
            "3 sessions have probably found about 97% of the problems these tasks reveal, "
            "past the 90% mark already.",
        ),
        (
            MATRIX_C,
            "5 sessions have probably found about 22% of the problems these tasks reveal; "
            "27 more would reach about 80% and 40 more about 90%. "
            "Every problem so far was seen by one participant only, so this is a rough guess.",
        ),
        ([], "No discovery estimate yet. No problems logged yet."),
        (
            [[T]],
            "No discovery estimate yet. Needs at least 2 participants; this study has 1.",
        ),
        (
            [[F, F]],
            "No discovery estimate yet. None of the logged problems was seen by a participant yet.",
        ),
    ],
    ids=["issue-example", "below-80", "past-90", "all-single", "empty", "one", "all-false"],
)
def test_sentences(matrix, sentence):
    assert describe_discovery(estimate_discovery(matrix)) == sentence


def figures(n: int, found: float, needed_80: int, needed_90: int) -> DiscoveryEstimate:
    return DiscoveryEstimate(n, 4, 1, 0.3, 0.3, found, needed_80, needed_90)


@pytest.mark.parametrize(
    ("estimate", "ending"),
    [
        (figures(7, 0.87, 6, 8), "about 87% of the problems these tasks reveal; "),
        (figures(7, 0.87, 6, 8), "; 1 more session would reach about 90%."),
        (figures(4, 0.75, 5, 7), "; 1 more session would reach about 80% and 3 more about 90%."),
        (figures(8, 0.90, 6, 8), "past the 90% mark already."),
        # Rounded down: 89.7% is not "about 90%" while a session is still needed for 90%.
        (figures(7, 0.897, 5, 8), "about 89% of the problems these tasks reveal; 1 more session"),
    ],
)
def test_sentence_wording(estimate, ending):
    assert ending in describe_discovery(estimate)


def test_the_rate_reason_is_shown_when_the_rate_is_not_positive():
    estimate = DiscoveryEstimate(2, 3, 1, 1 / 6, -1 / 48, None, None, None, "Rate is -0.021.")

    assert describe_discovery(estimate) == "No discovery estimate yet. Rate is -0.021."


def test_an_estimate_without_figures_or_reason_is_refused():
    with pytest.raises(ValueError):
        describe_discovery(DiscoveryEstimate(5, 4, 2, 0.35, 0.18, None, None, None))
