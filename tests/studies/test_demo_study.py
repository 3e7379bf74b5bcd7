"""Acceptance: the demo study's report matches the hand calculation in the README."""

from __future__ import annotations

import math

import pytest
from sqlmodel import select

from tests.factories import PASSWORD
from workbench.demo import load_demo
from workbench.studies.models import Study
from workbench.studies.report import build_report

DEMO_TITLE = "Kassan i appen"
SENTENCE = (
    "6 sessions have probably found about 84% of the problems these tasks reveal; "
    "2 more would reach about 90%."
)


@pytest.fixture
def demo_report(session):
    load_demo(session, wording_version="test-v1", password=PASSWORD)
    session.commit()
    study = session.exec(select(Study).where(Study.title == DEMO_TITLE)).one()
    return build_report(session, study)


def test_the_demo_study_ran_six_sessions_and_had_one_no_show(demo_report):
    assert (demo_report.ran, demo_report.no_shows, demo_report.in_progress) == (6, 1, 0)
    assert [p.pseudonym for p in demo_report.participants][:6] == [f"P{n}" for n in range(1, 7)]


def test_issue_frequencies_and_priorities_match_the_hand_calculation(demo_report):
    # priority = severity x (0.5 + frequency); P1 from 4, P2 from 2.5, P3 from 1, else P4
    expected = [
        ("Adressformuläret tappar postnumret", 4, 3, 4 * (0.5 + 3 / 6), "P1"),
        ("Presentkortsfältet syns inte i kassan", 3, 4, 3 * (0.5 + 4 / 6), "P2"),
        ("Knappen Till kassan ser inaktiv ut", 2, 2, 2 * (0.5 + 2 / 6), "P3"),
        ("Felmeddelandet för kortnummer är på engelska", 1, 1, 1 * (0.5 + 1 / 6), "P4"),
    ]
    rows = demo_report.issues
    assert [row.title for row in rows] == [title for title, *_ in expected]
    for row, (_title, severity, hits, score, label) in zip(rows, expected, strict=True):
        assert (row.severity, row.hits, row.ran) == (severity, hits, 6)
        assert row.frequency == pytest.approx(hits / 6)
        assert row.priority_score == pytest.approx(score, abs=0.01)
        assert row.priority_label == label


def test_the_discovery_estimate_matches_the_hand_calculation(demo_report):
    estimate = demo_report.discovery.estimate
    n, issues, single = 6, 4, 1
    p_est = (4 + 3 + 2 + 1) / (issues * n)  # 10/24
    p_adj = 0.5 * (p_est - 1 / n) * (1 - 1 / n) + 0.5 * p_est / (1 + single / issues)
    assert (estimate.n_participants, estimate.n_issues, estimate.n_single) == (n, issues, single)
    assert estimate.p_est == pytest.approx(0.416667, abs=1e-6)
    assert estimate.p_adj == pytest.approx(p_adj) == pytest.approx(0.270833, abs=1e-6)
    assert estimate.found_share == pytest.approx(1 - (1 - p_adj) ** 6)
    assert estimate.found_share == pytest.approx(0.8497, abs=1e-4)
    assert estimate.sessions_needed_80 == math.ceil(math.log(0.2) / math.log(1 - p_adj)) == 6
    assert estimate.sessions_needed_90 == math.ceil(math.log(0.1) / math.log(1 - p_adj)) == 8
    assert demo_report.discovery.sentence == SENTENCE


def test_tasks_and_quotes_match_the_fixture(demo_report):
    assert [round(task.success_rate, 3) for task in demo_report.tasks] == [
        round(5 / 6, 3),
        round(3 / 6, 3),
        round(2 / 6, 3),
    ]
    # Only P1 and P3 consented to publishing quotes; each said one thing worth quoting.
    assert sorted(quote.pseudonym for quote in demo_report.quotes) == ["P1", "P3"]
