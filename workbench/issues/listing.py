"""The issue list: filters, sorting by computed priority or frequency, paging.

"updated" and "created" sort and page in SQL. "priority" and "frequency" are computed from the
evidence, so every issue matching the filters is loaded with its evidence (two queries per 500
issues) and sorted in Python; that is fine for a log of some thousand issues. Every sort runs
highest (or newest) first; ties fall back to priority, then the most recently updated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workbench.auth.models import Role, StaffUser
from workbench.db import contains_pattern
from workbench.errors import ValidationFailed
from workbench.issues.evidence import StudyEvidence, study_evidence
from workbench.issues.lifecycle import CLOSED_STATUSES
from workbench.issues.models import Issue, IssueKind, IssueStatus
from workbench.issues.priority import priority_label, priority_score
from workbench.paging import Page, clamp_page
from workbench.studies.models import Observation, Study, StudySession

SORTS = ("priority", "severity", "frequency", "updated", "created")


@dataclass(frozen=True)
class IssueFilters:
    """``status``: "" for any, "open" (not done or won't fix) or an IssueStatus value."""

    status: str = ""
    kind: str = ""
    min_severity: int | None = None
    owner_id: int | None = None
    study_id: int | None = None
    search: str = ""
    sort: str = "priority"
    include_merged: bool = False


@dataclass(frozen=True)
class IssueRow:
    issue: Issue
    owner_name: str
    evidence: StudyEvidence
    priority: float
    priority_label: str


def staff_names(session: Session, user_ids: Collection[int | None]) -> dict[int, str]:
    """Names (or e-mails) of these staff users, by id."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    users = session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids)))
    return {user.id: user.name or user.email for user in users}


def _filtered(filters: IssueFilters):
    query = select(Issue)
    if not filters.include_merged:
        query = query.where(col(Issue.merged_into_id).is_(None))
    if filters.status == "open":
        query = query.where(col(Issue.status).not_in(CLOSED_STATUSES))
    elif filters.status:
        query = query.where(Issue.status == IssueStatus(filters.status))
    if filters.kind:
        query = query.where(Issue.kind == IssueKind(filters.kind))
    if filters.min_severity is not None:
        query = query.where(Issue.severity >= filters.min_severity)
    if filters.owner_id is not None:
        query = query.where(Issue.owner_id == filters.owner_id)
    if filters.study_id is not None:
        in_study = (
            sa.select(Observation.issue_id)
            .join(StudySession, StudySession.id == Observation.session_id)
            .where(StudySession.study_id == filters.study_id)
        )
        query = query.where(col(Issue.id).in_(in_study))
    if filters.search.strip():
        pattern = contains_pattern(filters.search.strip().lower())
        query = query.where(
            sa.or_(
                sa.func.lower(Issue.title).like(pattern, escape="\\"),
                sa.func.lower(Issue.description).like(pattern, escape="\\"),
            )
        )
    return query


def _rows(session: Session, issues: list[Issue], study_id: int | None) -> list[IssueRow]:
    evidence = study_evidence(session, [issue.id for issue in issues], study_id=study_id)
    owners = staff_names(session, [issue.owner_id for issue in issues])
    rows = []
    for issue in issues:
        found = evidence[issue.id]
        score = priority_score(issue.severity, found.frequency)
        owner = owners.get(issue.owner_id, "")
        rows.append(IssueRow(issue, owner, found, score, priority_label(score)))
    return rows


def list_issues(
    session: Session, filters: IssueFilters, *, page: int = 1, per_page: int = 50
) -> Page[IssueRow]:
    """One page of issues matching the filters, sorted highest (or newest) first.

    "updated" and "created" sort and page in SQL; "priority" and "frequency" are computed, so
    every matching issue and its evidence is loaded and sorted in Python (fine for thousands).
    """
    if filters.sort not in SORTS:
        raise ValidationFailed(f"Sort by one of: {', '.join(SORTS)}.")
    query = _filtered(filters)
    if filters.sort in ("updated", "created"):
        column = Issue.updated_at if filters.sort == "updated" else Issue.created_at
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
        page = clamp_page(page, total, per_page)
        query = query.order_by(col(column).desc(), col(Issue.id).desc())
        issues = list(session.exec(query.offset((page - 1) * per_page).limit(per_page)))
        return Page(_rows(session, issues, filters.study_id), total, page, per_page)
    rows = _rows(session, list(session.exec(query)), filters.study_id)

    def order(row: IssueRow) -> tuple:
        frequency = row.evidence.frequency
        known = (frequency is not None, frequency or 0.0)
        by = {
            "priority": (row.priority, row.issue.severity, *known),
            "severity": (row.issue.severity, row.priority, *known),
            "frequency": (*known, row.priority),
        }[filters.sort]
        return (*by, row.issue.updated_at, row.issue.id)

    rows.sort(key=order, reverse=True)
    page = clamp_page(page, len(rows), per_page)
    return Page(rows[(page - 1) * per_page : page * per_page], len(rows), page, per_page)


def owners_to_choose(session: Session) -> list[tuple[int, str]]:
    """Active staff who can own an issue (not viewers), by name: (id, name) pairs."""
    query = (
        select(StaffUser)
        .where(col(StaffUser.is_active).is_(True), StaffUser.role != Role.VIEWER)
        .order_by(StaffUser.name, StaffUser.email)
    )
    return [(user.id, user.name or user.email) for user in session.exec(query)]


def studies_with_issues(session: Session) -> list[tuple[int, str]]:
    """Studies that have an observation linked to an issue: (id, title) pairs, by title."""
    query = (
        sa.select(Study.id, Study.title)
        .where(
            Study.id.in_(
                sa.select(StudySession.study_id)
                .join(Observation, Observation.session_id == StudySession.id)
                .where(Observation.issue_id.is_not(None))
            )
        )
        .order_by(Study.title, Study.id)
    )
    return [(study_id, title) for study_id, title in session.execute(query)]
