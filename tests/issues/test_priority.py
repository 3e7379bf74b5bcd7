"""Priority = severity * (0.5 + frequency), with worked numbers."""

from __future__ import annotations

import pytest

from workbench.issues.priority import priority_label, priority_score

WORKED = [
    # severity, frequency, score, label
    (4, 1.0, 6.0, "P1"),  # a catastrophe everyone hit
    (3, 1.0, 4.5, "P1"),
    (4, 0.5, 4.0, "P1"),  # exactly on the P1 line
    (4, 1 / 6, 2.67, "P2"),  # a catastrophe one of six hit still ranks high
    (3, 0.5, 3.0, "P2"),
    (2, 1.0, 3.0, "P2"),
    (2, 0.5, 2.0, "P3"),
    (3, 0.0, 1.5, "P3"),  # observed only outside completed sessions
    (2, 1 / 6, 1.33, "P3"),
    (1, 1.0, 1.5, "P3"),
    (1, 1 / 6, 0.67, "P4"),
    (0, 1.0, 0.0, "P4"),
]


@pytest.mark.parametrize(("severity", "frequency", "score", "label"), WORKED)
def test_worked_examples(severity, frequency, score, label):
    assert priority_score(severity, frequency) == score
    assert priority_label(priority_score(severity, frequency)) == label


@pytest.mark.parametrize(
    ("severity", "score", "label"),
    [(4, 4.0, "P1"), (3, 3.0, "P2"), (2, 2.0, "P3"), (1, 1.0, "P3"), (0, 0.0, "P4")],
)
def test_without_study_evidence_the_severity_alone_counts(severity, score, label):
    assert priority_score(severity, None) == score
    assert priority_label(score) == label


def test_frequency_orders_issues_of_the_same_severity():
    assert priority_score(3, 5 / 6) > priority_score(3, 2 / 6) > priority_score(3, 0.0)


def test_severity_outweighs_frequency_at_the_extremes():
    """A major problem few hit still ranks above a cosmetic one everybody hit."""
    assert priority_score(3, 1 / 6) > priority_score(1, 1.0)


def test_label_thresholds():
    assert [priority_label(s) for s in (6, 4.0, 3.99, 2.5, 2.49, 1.0, 0.99, 0)] == [
        "P1",
        "P1",
        "P2",
        "P2",
        "P3",
        "P3",
        "P4",
        "P4",
    ]


@pytest.mark.parametrize(("severity", "frequency"), [(5, 0.5), (-1, 0.5), (2, 1.5), (2, -0.1)])
def test_out_of_range_input_is_refused(severity, frequency):
    with pytest.raises(ValueError):
        priority_score(severity, frequency)
