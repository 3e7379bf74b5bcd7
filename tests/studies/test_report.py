"""The study report's figures against a hand calculation (services, on the real database)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from tests.factories import (
    PASSWORD,
    make_customer,
    make_issue,
    make_observation,
    make_participant,
    make_study,
    make_study_session,
)
from workbench.customers.models import Customer
from workbench.db import utcnow
from workbench.demo import load_demo
from workbench.issues.models import Issue
from workbench.issues.priority import priority_label, priority_score
from workbench.studies.models import (
    ParticipantStatus,
    SessionStatus,
    Study,
    StudySession,
    TaskOutcome,
    TaskResult,
)
from workbench.studies.recruitment import recruit
from workbench.studies.report import build_report, report_csv, report_markdown, study_discovery
from workbench.studies.services import study_tasks

# P1-P6 completed, P7 a no-show, P8 still in progress.
STATUSES = [SessionStatus.COMPLETED] * 6 + [SessionStatus.NO_SHOW, SessionStatus.IN_PROGRESS]
# Issue: (severity, who hit it, task position). P7 and P8 never count: their hits on A and F are
# left out, and F, seen by the no-show only, is not a finding at all.
HITS = {
    "A": (4, "P1 P2 P3 P4 P7 P8", 1),
    "B": (3, "P2 P4 P6", 2),
    "C": (2, "P1 P2 P3 P4 P5 P6", 1),
    "D": (1, "P5", 2),
    "E": (2, "P6", 1),
    "F": (4, "P7", 1),
}
# Hand calculation, n = 6 completed sessions:
#   hits A 4, B 3, C 6, D 1, E 1 -> frequency 4/6, 3/6, 6/6, 1/6, 1/6
#   priority = severity * (0.5 + frequency): A 4*(7/6) = 4.67 P1, B 3*1.0 = 3.00 P2,
#   C 2*1.5 = 3.00 P2 (ties with B; B first by severity), E 2*(4/6) = 1.33 P3, D 1*(4/6) = 0.67 P4
#   N = 5, N1 = 2 (D and E), p_est = (4+3+6+1+1) / (6*5) = 15/30 = 0.5
#   p_adj = 1/2 (0.5 - 1/6)(1 - 1/6) + 1/2 * 0.5 / (1 + 2/5) = 5/36 + 5/28 = 20/63 = 0.3175
#   found = 1 - (43/63)^6 = 0.8989 -> "about 89%"
#   sessions for 80%: ln 0.2 / ln(43/63) = 4.21 -> 5; for 90%: ln 0.1 / ln(43/63) = 6.03 -> 7
#   curve: up to max(10, 7, 6) = 10 points
P_ADJ = 20 / 63
SENTENCE = (
    "6 sessions have probably found about 89% of the problems these tasks reveal; "
    "1 more session would reach about 90%."
)
# Percentages are rounded, except discovery shares, rounded down like the sentence.
# Task 1: P1 success 60 s, P2 success 90 s, P3 partial 120 s, P4 fail, P5 success 30 s,
# P6 skipped; the no-show's "success" does not count. Success 3/6 = 50%, median(30, 60, 90,
# 120) = 75 s. Task 2: P1 success, P2 fail, nobody else -> 1/6 = 17%, 4 without a result.
RESULTS = {
    1: {
        "P1": ("success", 60),
        "P2": ("success", 90),
        "P3": ("partial", 120),
        "P4": ("fail", None),
        "P5": ("success", 30),
        "P6": ("skipped", None),
        "P7": ("success", 10),
    },
    2: {"P1": ("success", None), "P2": ("fail", 200)},
}


@dataclass
class Seeded:
    study: Study
    issues: dict[str, Issue]
    sessions: dict[str, StudySession]


def seed_six_sessions(
    session: Session, study: Study | None = None, customers: list[Customer] | None = None
) -> Seeded:
    """The worked example: 8 sessions (6 completed), 6 issues, results and quotes."""
    study = study or make_study(session, title="Checkout test")
    tasks = {task.position: task for task in study_tasks(session, study)}
    sessions: dict[str, StudySession] = {}
    for index, status in enumerate(STATUSES):
        customer = customers[index] if customers else make_customer(session)
        participant = make_participant(session, study, customer, status=ParticipantStatus.ACCEPTED)
        row = make_study_session(session, study, participant, status=status)
        sessions[row.pseudonym] = row
    issues = {}
    for key, (severity, who, position) in HITS.items():
        issues[key] = make_issue(session, title=f"Problem {key}", severity=severity)
        for pseudonym in who.split():
            make_observation(
                session, sessions[pseudonym], issue_id=issues[key].id, task_id=tasks[position].id
            )
    for position, outcomes in RESULTS.items():
        for pseudonym, (outcome, seconds) in outcomes.items():
            session.add(
                TaskResult(
                    session_id=sessions[pseudonym].id,
                    task_id=tasks[position].id,
                    outcome=TaskOutcome(outcome),
                    seconds=seconds,
                )
            )
    quote = {"is_quote": True, "publishable": True, "severity": 0}
    make_observation(session, sessions["P1"], note="I gave up here.", task_id=tasks[1].id, **quote)
    make_observation(session, sessions["P2"], note="Not for print", **{**quote, "publishable": 0})
    make_observation(session, sessions["P7"], note="No-show quote", **quote)
    make_observation(session, sessions["P3"], note="Just a note", publishable=True, severity=1)
    session.flush()
    return Seeded(study, issues, sessions)


def test_worked_example_matches_the_hand_calculation(session):
    seeded = seed_six_sessions(session)
    report = build_report(session, seeded.study)

    assert (report.ran, report.no_shows, report.in_progress) == (6, 1, 1)
    est = report.discovery.estimate
    assert (est.n_participants, est.n_issues, est.n_single) == (6, 5, 2)
    assert est.p_est == pytest.approx(0.5)
    assert est.p_adj == pytest.approx(P_ADJ)
    assert est.found_share == pytest.approx(1 - (43 / 63) ** 6)
    assert (est.sessions_needed_80, est.sessions_needed_90) == (5, 7)
    assert report.sentence == SENTENCE
    assert [k for k, _ in report.discovery.curve] == list(range(1, 11))
    assert report.discovery.curve[5][1] == pytest.approx(0.8988962, abs=1e-6)

    issues = {row.issue_id: row for row in report.issues}
    assert [row.title for row in report.issues] == [f"Problem {k}" for k in "ABCED"]
    expected = {"A": (4, 4), "B": (3, 3), "C": (6, 2), "D": (1, 1), "E": (1, 2)}
    for key, (hits, severity) in expected.items():
        row = issues[seeded.issues[key].id]
        assert (row.hits, row.ran, row.severity) == (hits, 6, severity)
        assert row.frequency == pytest.approx(hits / 6)
        assert row.priority_score == priority_score(severity, hits / 6)
        assert row.priority_label == priority_label(row.priority_score)
    assert [row.priority_label for row in report.issues] == ["P1", "P2", "P2", "P3", "P4"]
    assert issues[seeded.issues["A"].id].pseudonyms == ("P1", "P2", "P3", "P4")
    assert issues[seeded.issues["B"].id].tasks == (2,)
    assert seeded.issues["F"].id not in issues


def test_task_success_counts_completed_sessions_only(session):
    report = build_report(session, seed_six_sessions(session).study)
    first, second = report.tasks
    assert (first.success, first.partial, first.fail, first.skipped, first.no_result) == (
        3,
        1,
        1,
        1,
        0,
    )
    assert first.success_rate == pytest.approx(0.5) and first.median_seconds == 75
    assert (second.success, second.fail, second.no_result, second.median_seconds) == (1, 1, 4, 200)
    assert second.success_rate == pytest.approx(1 / 6)


def test_quotes_are_publishable_and_from_completed_sessions(session):
    report = build_report(session, seed_six_sessions(session).study)
    assert [(q.pseudonym, q.task_position, q.text) for q in report.quotes] == [
        ("P1", 1, "I gave up here.")
    ]


def test_participant_summary_is_pseudonymised(session):
    report = build_report(session, seed_six_sessions(session).study)
    rows = {row.pseudonym: row for row in report.participants}
    assert list(rows) == [f"P{n}" for n in range(1, 9)]
    assert (rows["P7"].status, rows["P8"].status, rows["P1"].status) == (
        "no-show",
        "in progress",
        "completed",
    )
    assert (rows["P1"].tasks_succeeded, rows["P1"].observations) == (2, 3)  # A, C, a quote
    # The summary lists what the no-show has on record (A, F, a quote; one "success"), even
    # though none of it counts in the statistics.
    assert (rows["P7"].observations, rows["P7"].tasks_succeeded) == (3, 1)
    assert rows["P1"].segment == "private" and rows["P1"].tier
    text = repr(report.participants)
    assert "Kund" not in text and "@" not in text and "070-" not in text


def test_an_empty_study_gives_an_honest_report(session):
    study = make_study(session, tasks=[])
    report = build_report(session, study)
    assert report.ran == 0 and report.issues == () and report.tasks == ()
    assert report.sentence == "No discovery estimate yet. No problems logged yet."
    assert report.discovery.curve == ()
    assert "No discovery estimate yet" in report_markdown(report)
    assert report_csv(report).splitlines() == [
        "issue_id,title,kind,severity,severity_label,hits,ran,frequency,"
        "priority_label,priority_score,tasks"
    ]


def test_one_session_is_too_few_for_an_estimate(session):
    study = make_study(session)
    row = make_study_session(session, study, status=SessionStatus.COMPLETED)
    make_observation(session, row, issue_id=make_issue(session).id)
    report = build_report(session, study)
    assert report.sentence.endswith("Needs at least 2 participants; this study has 1.")
    assert report.issues[0].frequency == 1.0


def test_study_discovery_matches_the_report(session):
    seeded = seed_six_sessions(session)
    discovery = study_discovery(session, seeded.study)
    assert discovery == build_report(session, seeded.study).discovery


def test_markdown_has_every_section(session):
    seeded = seed_six_sessions(session)
    seeded.issues["A"].title = "Pipe | in title"
    text = report_markdown(build_report(session, seeded.study))
    assert text.startswith("# Study report: Checkout test\n")
    assert SENTENCE in text
    assert "p_est 0.500, adjusted p_adj 0.317" in text
    assert "Share found so far: 89%; sessions for 80%: 5, for 90%: 7" in text
    assert "k sessions: 1: 31%, 2: 53%, 3: 68%, 4: 78%, 5: 85%, 6: 89%, 7: 93%," in text
    assert "| 2. Change your delivery address | 17% | 1 | 0 | 1 | 0 | 4 | 200 s |" in text
    assert "| 1. Find the opening hours | 50% | 3 | 1 | 1 | 1 | 0 | 75 s |" in text
    issue_id = seeded.issues["A"].id
    row = (
        f"| P1 (4.67) | #{issue_id} Pipe \\| in title (usability) | 4 catastrophe | 4 of 6 | 67% |"
    )
    assert row in text
    assert "> I gave up here.\n>\n> P1, task 1" in text
    assert "Not for print" not in text and "No-show quote" not in text
    assert "| P7 | no-show | private |" in text
    assert "Kund" not in text and "@example" not in text


def test_csv_is_the_issues_table_with_formulas_neutralised(session):
    seeded = seed_six_sessions(session)
    seeded.issues["B"].title = "=HYPERLINK('http://evil')"
    rows = list(csv.DictReader(io.StringIO(report_csv(build_report(session, seeded.study)))))
    assert [row["title"] for row in rows][:2] == ["Problem A", "'=HYPERLINK('http://evil')"]
    first = rows[0]
    assert first["issue_id"] == str(seeded.issues["A"].id)
    assert (first["severity"], first["severity_label"], first["hits"], first["ran"]) == (
        "4",
        "catastrophe",
        "4",
        "6",
    )
    assert (first["frequency"], first["priority_label"], first["priority_score"]) == (
        "0.667",
        "P1",
        "4.67",
    )
    assert first["tasks"] == "1" and rows[1]["tasks"] == "2"
    assert len(rows) == 5


def test_demo_study_through_six_sessions(session):
    """Acceptance: demo customers recruited, six sessions run, figures as calculated by hand."""
    load_demo(session, wording_version="test-v1", password=PASSWORD)
    study = make_study(session, title="Demo checkout")
    shortlisted = recruit(session, study, now=utcnow()).shortlisted
    assert len(shortlisted) >= len(STATUSES)
    customers = [session.get(Customer, row.customer_id) for row in shortlisted[: len(STATUSES)]]
    for row in shortlisted[: len(STATUSES)]:
        session.delete(row)  # the seeding adds them again as accepted participants
    session.flush()
    seeded = seed_six_sessions(session, study, customers)
    report = build_report(session, seeded.study)

    assert report.sentence == SENTENCE
    assert [(row.hits, row.priority_label) for row in report.issues] == [
        (4, "P1"),
        (3, "P2"),
        (6, "P2"),
        (1, "P3"),
        (1, "P4"),
    ]
    assert math.isclose(report.discovery.estimate.p_adj, P_ADJ)
    text = report_markdown(report) + report_csv(report)
    for customer in customers:
        assert customer.name not in text and customer.email not in text
