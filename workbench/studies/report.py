"""The study report: task success, issues by priority, quotes, discovery and participants.

Definitions (shared with the issue log):

- Participants who ran are the study's sessions with status ``completed``; only they count in
  the statistics. No-shows and sessions in progress appear in the participant summary only.
- An issue is one of the study's findings when an observation of a completed session links to
  it; a participant *hit* it when their session has at least one such observation.
- Frequency = hits / ran; priority comes from ``workbench.issues.priority``.
- The discovery estimate reads the issue x session detection matrix (sessions in pseudonym
  order P1, P2, ...); see ``workbench.studies.discovery``.
- Task success rate = successes / ran. Partial successes are counted apart and not as success;
  a completed session without a result for the task counts as "no result".
- Quotes are observations marked as quote *and* publishable, from completed sessions only.

Nothing here carries a name, e-mail, phone number or customer id: people are pseudonyms.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from workbench.customers.models import Customer
from workbench.customers.services import build_rows
from workbench.db import utcnow
from workbench.issues.models import SEVERITY_LABELS, Issue
from workbench.studies.discovery import (
    DiscoveryEstimate,
    describe_discovery,
    discovery_curve,
    estimate_discovery,
)
from workbench.studies.models import (
    Observation,
    SessionStatus,
    Study,
    StudyParticipant,
    StudySession,
    StudyTask,
    TaskOutcome,
    TaskResult,
)
from workbench.studies.report_export import report_csv, report_markdown

__all__ = ["build_report", "report_csv", "report_markdown", "study_discovery"]

CURVE_MIN, CURVE_MAX = 10, 20
STATUS_LABELS = {
    SessionStatus.COMPLETED: "completed",
    SessionStatus.NO_SHOW: "no-show",
    SessionStatus.IN_PROGRESS: "in progress",
}


@dataclass(frozen=True)
class TaskRow:
    position: int
    description: str
    ran: int
    success: int
    partial: int
    fail: int
    skipped: int
    no_result: int
    median_seconds: float | None  # over the results with a recorded time

    @property
    def success_rate(self) -> float | None:
        """Successes over completed sessions; None when nobody ran."""
        return self.success / self.ran if self.ran else None


@dataclass(frozen=True)
class IssueRow:
    issue_id: int
    title: str
    kind: str
    severity: int
    severity_label: str
    hits: int
    ran: int
    frequency: float | None
    priority_score: float
    priority_label: str
    tasks: tuple[int, ...]  # positions of the tasks its observations were logged on
    pseudonyms: tuple[str, ...]  # who hit it


@dataclass(frozen=True)
class QuoteRow:
    pseudonym: str
    task_position: int | None
    task_description: str
    text: str


@dataclass(frozen=True)
class ParticipantRow:
    pseudonym: str
    status: str
    segment: str
    tier: str
    tasks_succeeded: int
    observations: int


@dataclass(frozen=True)
class Discovery:
    """The estimate, its sentence and the curve: what the study page and the report show."""

    study_id: int
    estimate: DiscoveryEstimate
    sentence: str
    curve: tuple[tuple[int, float], ...]

    @property
    def ran(self) -> int:
        return self.estimate.n_participants


@dataclass(frozen=True)
class StudyReport:
    study_id: int
    title: str
    research_goal: str
    generated_at: datetime
    ran: int
    no_shows: int
    in_progress: int
    tasks: tuple[TaskRow, ...]
    issues: tuple[IssueRow, ...]
    quotes: tuple[QuoteRow, ...]
    discovery: Discovery
    participants: tuple[ParticipantRow, ...]

    @property
    def sentence(self) -> str:
        return self.discovery.sentence


def pseudonym_order(pseudonym: str) -> tuple[int, str]:
    """P2 before P10: by the number in the pseudonym, then by the text."""
    digits = re.sub(r"\D", "", pseudonym)
    return (int(digits) if digits else 0, pseudonym)


def _sessions(session: Session, study: Study) -> list[StudySession]:
    rows = session.exec(select(StudySession).where(StudySession.study_id == study.id)).all()
    return sorted(rows, key=lambda row: pseudonym_order(row.pseudonym))


def _observations(session: Session, session_ids: list[int]) -> list[Observation]:
    if not session_ids:
        return []
    query = (
        select(Observation)
        .where(Observation.session_id.in_(session_ids))
        .order_by(Observation.created_at, Observation.id)
    )
    return list(session.exec(query).all())


def _discovery(
    study: Study, completed: list[StudySession], observations: list[Observation]
) -> tuple[Discovery, dict[int, set[int]]]:
    """The estimate from the detection matrix; also the session ids that hit each issue."""
    hit_by: dict[int, set[int]] = defaultdict(set)
    for observation in observations:
        if observation.issue_id is not None:
            hit_by[observation.issue_id].add(observation.session_id)
    matrix = [[row.id in hit_by[issue_id] for row in completed] for issue_id in sorted(hit_by)]
    estimate = estimate_discovery(matrix, n_participants=len(completed))
    curve: tuple[tuple[int, float], ...] = ()
    if estimate.is_estimable and estimate.p_adj is not None:
        # Far enough to show the 90% mark and the sessions run so far, never past 20 sessions.
        up_to = min(CURVE_MAX, max(CURVE_MIN, estimate.sessions_needed_90 or 0, len(completed)))
        curve = tuple(discovery_curve(estimate.p_adj, up_to))
    discovery = Discovery(study.id, estimate, describe_discovery(estimate), curve)
    return discovery, hit_by


def study_discovery(session: Session, study: Study) -> Discovery:
    """The discovery estimate and curve for the study page (``_discovery.html``)."""
    completed = [row for row in _sessions(session, study) if row.status == SessionStatus.COMPLETED]
    observations = _observations(session, [row.id for row in completed])
    return _discovery(study, completed, observations)[0]


def _task_rows(tasks: list[StudyTask], ran: int, results: list[TaskResult]) -> tuple[TaskRow, ...]:
    rows = []
    for task in tasks:
        mine = [result for result in results if result.task_id == task.id]
        counts = Counter(result.outcome for result in mine)
        seconds = [result.seconds for result in mine if result.seconds is not None]
        rows.append(
            TaskRow(
                position=task.position,
                description=task.description,
                ran=ran,
                no_result=ran - len(mine),
                median_seconds=statistics.median(seconds) if seconds else None,
                **{outcome.value: counts[outcome] for outcome in TaskOutcome},
            )
        )
    return tuple(rows)


def _issue_rows(
    session: Session,
    hit_by: dict[int, set[int]],
    ran: int,
    observations: list[Observation],
    positions: dict[int, int],
    pseudonyms: dict[int, str],
) -> tuple[IssueRow, ...]:
    from workbench.issues.priority import priority_label, priority_score  # the issue log's

    if not hit_by:
        return ()
    issues = session.exec(select(Issue).where(Issue.id.in_(list(hit_by)))).all()
    tasks_of: dict[int, set[int]] = defaultdict(set)
    for observation in observations:
        if observation.issue_id is not None and observation.task_id in positions:
            tasks_of[observation.issue_id].add(positions[observation.task_id])
    rows = []
    for issue in issues:
        hits = len(hit_by[issue.id])
        frequency = hits / ran if ran else None
        score = priority_score(issue.severity, frequency)
        rows.append(
            IssueRow(
                issue_id=issue.id,
                title=issue.title,
                kind=issue.kind.value,
                severity=issue.severity,
                severity_label=SEVERITY_LABELS.get(issue.severity, str(issue.severity)),
                hits=hits,
                ran=ran,
                frequency=frequency,
                priority_score=score,
                priority_label=priority_label(score),
                tasks=tuple(sorted(tasks_of[issue.id])),
                pseudonyms=tuple(
                    sorted((pseudonyms[sid] for sid in hit_by[issue.id]), key=pseudonym_order)
                ),
            )
        )
    rows.sort(key=lambda row: (-row.priority_score, -row.severity, row.issue_id))
    return tuple(rows)


def _participant_rows(
    session: Session,
    sessions: list[StudySession],
    results: list[TaskResult],
    observations: list[Observation],
    now: datetime,
) -> tuple[ParticipantRow, ...]:
    participant_ids = [row.participant_id for row in sessions]
    customers: dict[int, Customer] = {}
    if participant_ids:
        query = (
            select(StudyParticipant.id, Customer)
            .join(Customer, Customer.id == StudyParticipant.customer_id)
            .where(StudyParticipant.id.in_(participant_ids))
        )
        customers = dict(session.exec(query).all())
    tiers = {
        row.customer.id: row.loyalty.tier.value
        for row in build_rows(session, list(customers.values()), now)
    }
    succeeded = Counter(r.session_id for r in results if r.outcome == TaskOutcome.SUCCESS)
    logged = Counter(observation.session_id for observation in observations)
    rows = []
    for row in sessions:
        customer = customers.get(row.participant_id)
        rows.append(
            ParticipantRow(
                pseudonym=row.pseudonym,
                status=STATUS_LABELS[row.status],
                segment=(customer.segment if customer else "") or "",
                tier=tiers.get(customer.id, "") if customer else "",
                tasks_succeeded=succeeded[row.id],
                observations=logged[row.id],
            )
        )
    return tuple(rows)


def build_report(session: Session, study: Study, *, now: datetime | None = None) -> StudyReport:
    """Everything the report shows, computed from the study's sessions (see the module doc)."""
    now = now or utcnow()
    sessions = _sessions(session, study)
    completed = [row for row in sessions if row.status == SessionStatus.COMPLETED]
    completed_ids = {row.id for row in completed}
    tasks = list(
        session.exec(
            select(StudyTask).where(StudyTask.study_id == study.id).order_by(StudyTask.position)
        ).all()
    )
    positions = {task.id: task.position for task in tasks}
    descriptions = {task.id: task.description for task in tasks}
    all_observations = _observations(session, [row.id for row in sessions])
    observations = [o for o in all_observations if o.session_id in completed_ids]
    results: list[TaskResult] = []
    if sessions:
        query = select(TaskResult).where(TaskResult.session_id.in_([row.id for row in sessions]))
        results = list(session.exec(query).all())
    completed_results = [r for r in results if r.session_id in completed_ids]
    pseudonyms = {row.id: row.pseudonym for row in sessions}

    discovery, hit_by = _discovery(study, completed, observations)
    ran = len(completed)
    quotes = tuple(
        QuoteRow(
            pseudonym=pseudonyms[o.session_id],
            task_position=positions.get(o.task_id),
            task_description=descriptions.get(o.task_id, ""),
            text=o.note,
        )
        for o in sorted(
            observations, key=lambda o: (pseudonym_order(pseudonyms[o.session_id]), o.id)
        )
        if o.is_quote and o.publishable
    )
    return StudyReport(
        study_id=study.id,
        title=study.title,
        research_goal=study.research_goal,
        generated_at=now,
        ran=ran,
        no_shows=sum(row.status == SessionStatus.NO_SHOW for row in sessions),
        in_progress=sum(row.status == SessionStatus.IN_PROGRESS for row in sessions),
        tasks=_task_rows(tasks, ran, completed_results),
        issues=_issue_rows(session, hit_by, ran, observations, positions, pseudonyms),
        quotes=quotes,
        discovery=discovery,
        participants=_participant_rows(session, sessions, results, all_observations, now),
    )
