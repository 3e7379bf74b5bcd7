"""The issue log's audit trail: one writer for every change to an issue, whoever makes it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from workbench.issues.models import Issue, IssueEvent


def record_event(
    session: Session,
    issue: Issue | int,
    action: str,
    detail: str,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Write who did what to ``issue`` and when, and mark the issue as changed then.

    ``issue`` may be an id (a change that only holds the id, such as a topic merge); an id
    whose issue is gone still gets its event, so that nothing done is left unrecorded.
    """
    if isinstance(issue, int):
        issue_id, found = issue, session.get(Issue, issue)
    else:
        issue_id, found = issue.id, issue
    session.add(
        IssueEvent(issue_id=issue_id, at=now, actor_id=actor_id, action=action, detail=detail)
    )
    if found is not None:
        found.updated_at = now
        session.add(found)
