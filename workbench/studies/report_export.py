"""The study report as Markdown and as CSV (the issues table); see ``studies.report``."""

from __future__ import annotations

import csv
import io
import math
from typing import TYPE_CHECKING

from workbench.spreadsheets import neutralise_formula

if TYPE_CHECKING:
    from workbench.studies.report import StudyReport

# The CSV is the issues table: one row per issue, in priority order.
CSV_COLUMNS = (
    "issue_id",
    "title",
    "kind",
    "severity",
    "severity_label",
    "hits",
    "ran",
    "frequency",
    "priority_label",
    "priority_score",
    "tasks",
)
NONE = "n/a"
NO_ISSUES = "No issues linked to completed sessions yet."
NO_QUOTES = "No publishable quotes."


def percent(share: float | None) -> str:
    """A rate or frequency as a whole percentage, rounded to the nearest (4 of 6: "67%")."""
    return NONE if share is None else f"{round(share * 100)}%"


def found_percent(share: float | None) -> str:
    """A discovery share, rounded down like the discovery sentence, so that both agree."""
    return NONE if share is None else f"{math.floor(share * 100 + 1e-9)}%"


def seconds(value: float | None) -> str:
    return NONE if value is None else f"{value:g} s"


def report_csv(report: StudyReport) -> str:
    """The issues table as CSV (one row per issue, in priority order); cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in report.issues:
        cells = (
            row.issue_id,
            row.title,
            row.kind,
            row.severity,
            row.severity_label,
            row.hits,
            row.ran,
            "" if row.frequency is None else f"{row.frequency:.3f}",
            row.priority_label,
            f"{row.priority_score:.2f}",
            "; ".join(str(position) for position in row.tasks),
        )
        writer.writerow(neutralise_formula(str(cell)) for cell in cells)
    return buffer.getvalue()


# User-entered text (titles, goals, tasks, notes, quotes) must come out as text: a viewer that
# renders Markdown also renders raw HTML and follows links. Entities for < > & (every renderer
# decodes them; not all honour a backslash before <), backslashes before [ ] so that no link,
# image or reference can form, before ` so that no code span shows our escapes verbatim, and
# before a backslash so that a typed "\[" cannot undo ours.
_MARKDOWN_INERT = str.maketrans(
    {
        "\\": "\\\\",
        "[": "\\[",
        "]": "\\]",
        "`": "\\`",
        "|": "\\|",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


def _cell(text: object) -> str:
    """User text as inert Markdown on one line: no HTML, links or images; pipes escaped."""
    return " ".join(str(text).split()).translate(_MARKDOWN_INERT)


def _table(header: str, rows: list[tuple[object, ...]]) -> list[str]:
    """A Markdown table; ``header`` names the columns, separated by " | "."""
    lines = [f"| {header} |", "|" + "---|" * (header.count(" | ") + 1)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def report_markdown(report: StudyReport) -> str:
    """The report as Markdown: summary, discovery, tasks, issues, quotes and participants."""
    est = report.discovery.estimate
    lines = [f"# Study report: {_cell(report.title)}", ""]
    lines += [f"Goal: {_cell(report.research_goal)}", ""] if report.research_goal else []
    lines += [
        f"Participants who ran: {report.ran} (no-shows: {report.no_shows}, in progress: "
        f"{report.in_progress}). Generated {report.generated_at:%Y-%m-%d %H:%M} UTC.",
        "",
        "## Discovery estimate",
        "",
        report.sentence,
        "",
    ]
    if est.is_estimable:
        lines += [
            f"- Problems found (N): {est.n_issues}; seen by one participant only (N1): "
            f"{est.n_single}",
            f"- Discovery rate: observed p_est {est.p_est:.3f}, adjusted p_adj {est.p_adj:.3f}",
            f"- Share found so far: {found_percent(est.found_share)}; sessions for 80%: "
            f"{est.sessions_needed_80}, for 90%: {est.sessions_needed_90}",
            "- Expected share found after k sessions: "
            + ", ".join(f"{k}: {found_percent(share)}" for k, share in report.discovery.curve),
            "",
        ]
    lines += ["## Tasks", ""]
    header = "Task | Success rate | Success | Partial | Fail | Skipped | No result | Median time"
    lines += _table(
        header,
        [
            (
                f"{t.position}. {t.description}",
                percent(t.success_rate),
                t.success,
                t.partial,
                t.fail,
                t.skipped,
                t.no_result,
                seconds(t.median_seconds),
            )
            for t in report.tasks
        ],
    )
    lines += ["## Issues by priority", ""]
    issue_rows = [
        (
            f"{i.priority_label} ({i.priority_score:.2f})",
            f"#{i.issue_id} {i.title} ({i.kind})",
            f"{i.severity} {i.severity_label}",
            f"{i.hits} of {i.ran}",
            percent(i.frequency),
            ", ".join(i.pseudonyms),
            ", ".join(map(str, i.tasks)) or NONE,
        )
        for i in report.issues
    ]
    header = "Priority | Issue | Severity | Hits | Frequency | Who | Tasks"
    lines += _table(header, issue_rows) if issue_rows else [NO_ISSUES, ""]
    lines += ["## Publishable quotes", ""]
    for quote in report.quotes:
        task = f", task {quote.task_position}" if quote.task_position else ""
        lines += [f"> {_cell(quote.text)}", ">", f"> {_cell(quote.pseudonym)}{task}", ""]
    lines += [] if report.quotes else [NO_QUOTES, ""]
    lines += ["## Participants", ""]
    header = "Participant | Status | Segment | Loyalty tier | Tasks succeeded | Observations"
    lines += _table(
        header,
        [
            (
                p.pseudonym,
                p.status,
                p.segment or NONE,
                p.tier or NONE,
                p.tasks_succeeded,
                p.observations,
            )
            for p in report.participants
        ],
    )
    return "\n".join(lines).rstrip() + "\n"
