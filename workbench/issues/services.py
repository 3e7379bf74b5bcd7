"""The issue log: create, edit, move through statuses, link observations, merge, list.

Every change writes an IssueEvent (the audit trail) and bumps ``updated_at``. Services flush,
never commit. A merged issue stays as a pointer (``merged_into_id``, status won't fix): it is
hidden from the default list and refuses further changes, so its history stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from workbench.auth.models import StaffUser
from workbench.errors import Conflict, NotFound, ValidationFailed
from workbench.hooks import Hook
from workbench.issues.audit import record_event
from workbench.issues.lifecycle import CLOSED_STATUSES, STATUS_LABELS, next_issue_status

# The list lives in its own module; importing it here keeps one API for views and others.
from workbench.issues.listing import SORTS as SORTS
from workbench.issues.listing import IssueFilters as IssueFilters
from workbench.issues.listing import IssueRow as IssueRow
from workbench.issues.listing import list_issues as list_issues
from workbench.issues.listing import owners_to_choose as owners_to_choose
from workbench.issues.listing import staff_names
from workbench.issues.listing import studies_with_issues as studies_with_issues
from workbench.issues.models import SEVERITY_LABELS, Issue, IssueEvent, IssueKind, IssueStatus
from workbench.studies.models import Observation, Study, StudySession, StudyTask

TITLE_MAX = 200
DEFAULT_TITLE_LENGTH = 80


@dataclass(frozen=True)
class LinkedObservation:
    """An observation as the issue page shows it: pseudonym, study and task, no customer."""

    observation: Observation
    pseudonym: str
    study_id: int
    study_title: str
    task_description: str | None


#: Fired with (session, issue, now=...) after an issue's status changed, in the same transaction:
#: the transparency page and its follow-up letters react to it (they build on the issue log).
issue_status_changed: Hook[object] = Hook("issue status changed")


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed("An issue needs a title.")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"Keep the title to {TITLE_MAX} characters.")
    return title


def _check_severity(severity: int) -> int:
    if not isinstance(severity, int) or isinstance(severity, bool) or not 0 <= severity <= 4:
        raise ValidationFailed("Severity goes from 0 (not a problem) to 4 (catastrophe).")
    return severity


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is not None and session.get(StaffUser, owner_id) is None:
        raise ValidationFailed("That owner is not a staff user.")


def _refuse_if_merged(issue: Issue) -> None:
    if issue.merged_into_id is not None:
        raise Conflict(
            f"Issue #{issue.id} was merged into #{issue.merged_into_id}; "
            f"change #{issue.merged_into_id} instead."
        )


def create_issue(
    session: Session,
    *,
    title: str,
    description: str = "",
    kind: IssueKind = IssueKind.USABILITY,
    severity: int = 2,
    owner_id: int | None = None,
    actor_id: int | None,
    now: datetime,
) -> Issue:
    """Open a new issue (status new) and record who created it."""
    _check_owner(session, owner_id)
    issue = Issue(
        title=_clean_title(title),
        description=(description or "").strip(),
        kind=IssueKind(kind),
        severity=_check_severity(severity),
        owner_id=owner_id,
        created_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(issue)
    session.flush()
    detail = f"{issue.kind.value}, severity {issue.severity} {SEVERITY_LABELS[issue.severity]}"
    record_event(session, issue, "created", detail, actor_id=actor_id, now=now)
    session.flush()
    return issue


def update_issue(
    session: Session,
    issue: Issue,
    *,
    title: str,
    description: str,
    kind: IssueKind,
    severity: int,
    owner_id: int | None,
    actor_id: int | None,
    now: datetime,
) -> Issue:
    """Change an issue's fields; the event lists each change ("severity 2 → 3")."""
    _refuse_if_merged(issue)
    title, description = _clean_title(title), (description or "").strip()
    kind, severity = IssueKind(kind), _check_severity(severity)
    _check_owner(session, owner_id)
    changes = []
    if title != issue.title:
        changes.append(f"title “{issue.title}” → “{title}”")
    if description != issue.description:
        changes.append("description edited")
    if kind != issue.kind:
        changes.append(f"kind {issue.kind.value} → {kind.value}")
    if severity != issue.severity:
        changes.append(f"severity {issue.severity} → {severity}")
    if owner_id != issue.owner_id:
        names = staff_names(session, [issue.owner_id, owner_id])
        before, after = names.get(issue.owner_id, "nobody"), names.get(owner_id, "nobody")
        changes.append(f"owner {before} → {after}")
    if changes:
        issue.title, issue.description, issue.kind = title, description, kind
        issue.severity, issue.owner_id = severity, owner_id
        record_event(session, issue, "updated", "; ".join(changes), actor_id=actor_id, now=now)
        session.flush()
    return issue


def change_issue_status(
    session: Session, issue: Issue, target: IssueStatus, *, actor_id: int | None, now: datetime
) -> Issue:
    """Move an issue to ``target`` when the lifecycle allows it."""
    _refuse_if_merged(issue)
    target = IssueStatus(target)
    before = issue.status
    issue.status = next_issue_status(before, target)
    detail = f"{STATUS_LABELS[before]} → {STATUS_LABELS[target]}"
    record_event(session, issue, "status", detail, actor_id=actor_id, now=now)
    session.flush()
    issue_status_changed(session, issue, now=now)
    return issue


def get_issue(session: Session, issue_id: int) -> Issue:
    """The issue with this id, or NotFound."""
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFound(f"There is no issue #{issue_id}.")
    return issue


def get_observation(session: Session, observation_id: int) -> Observation:
    """The observation with this id, or NotFound."""
    observation = session.get(Observation, observation_id)
    if observation is None:
        raise NotFound(f"There is no observation #{observation_id}.")
    return observation


def link_observation(
    session: Session, issue: Issue, observation: Observation, *, actor_id: int | None, now: datetime
) -> None:
    """Attach an observation to an issue; taken from another issue, both record the move."""
    _refuse_if_merged(issue)
    if observation.issue_id == issue.id:
        return
    where = observation_place(session, observation)
    previous = session.get(Issue, observation.issue_id) if observation.issue_id else None
    observation.issue_id = issue.id
    if previous is None:
        detail = f"observation #{observation.id} {where} linked"
        record_event(session, issue, "observation linked", detail, actor_id=actor_id, now=now)
    else:
        detail = f"observation #{observation.id} {where} moved here from #{previous.id}"
        record_event(session, issue, "observation linked", detail, actor_id=actor_id, now=now)
        detail = f"observation #{observation.id} {where} moved to #{issue.id}"
        record_event(session, previous, "observation moved", detail, actor_id=actor_id, now=now)
    session.flush()


def unlink_observation(
    session: Session, observation: Observation, *, actor_id: int | None, now: datetime
) -> Issue | None:
    """Detach an observation from its issue; returns that issue (None when it had none)."""
    if observation.issue_id is None:
        return None
    issue = get_issue(session, observation.issue_id)
    observation.issue_id = None
    detail = f"observation #{observation.id} {observation_place(session, observation)} unlinked"
    record_event(session, issue, "observation unlinked", detail, actor_id=actor_id, now=now)
    session.flush()
    return issue


def default_title(note: str, observation_id: int | None = None) -> str:
    """The note on one line, cut at a word to about 80 characters with an ellipsis."""
    text = " ".join((note or "").split())
    if not text:
        return f"Observation #{observation_id}"
    if len(text) <= DEFAULT_TITLE_LENGTH:
        return text
    cut = text[: DEFAULT_TITLE_LENGTH - 1]
    if " " in cut[DEFAULT_TITLE_LENGTH // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def create_issue_from_observation(
    session: Session,
    observation: Observation,
    *,
    actor_id: int | None,
    now: datetime,
    title: str | None = None,
    kind: IssueKind = IssueKind.USABILITY,
) -> Issue:
    """Open an issue from an observation: its note as title, its severity; then link it."""
    title = (title or "").strip() or default_title(observation.note, observation.id)
    issue = create_issue(
        session,
        title=title,
        kind=kind,
        severity=observation.severity,
        actor_id=actor_id,
        now=now,
    )
    link_observation(session, issue, observation, actor_id=actor_id, now=now)
    return issue


def merge_issues(
    session: Session, source: Issue, target: Issue, *, actor_id: int | None, now: datetime
) -> Issue:
    """Merge a duplicate into ``target``: observations move, both record it, nothing is deleted."""
    if source.id == target.id:
        raise ValidationFailed("An issue cannot be merged into itself.")
    _refuse_if_merged(source)
    if target.merged_into_id is not None:
        raise Conflict(
            f"Issue #{target.id} was itself merged into #{target.merged_into_id}; "
            f"merge into #{target.merged_into_id} instead."
        )
    moved = list(session.exec(select(Observation).where(Observation.issue_id == source.id)))
    for observation in moved:
        observation.issue_id = target.id
    # Links to topics and feedback, once they exist, move here too.
    changes = [f"{len(moved)} observation(s) moved"]
    if source.severity > target.severity:
        changes.append(f"severity {target.severity} → {source.severity}")
        target.severity = source.severity
    detail = f"#{source.id} “{source.title}” merged in; " + "; ".join(changes)
    record_event(session, target, "merged in", detail, actor_id=actor_id, now=now)
    detail = (
        f"merged into #{target.id} “{target.title}”; {len(moved)} observation(s) moved; "
        f"status {STATUS_LABELS[source.status]} → {STATUS_LABELS[IssueStatus.WONT_FIX]}"
    )
    # Merging is its own path out of any status, so it bypasses the lifecycle on purpose.
    source.status = IssueStatus.WONT_FIX
    source.merged_into_id = target.id
    record_event(session, source, "merged", detail, actor_id=actor_id, now=now)
    session.flush()
    return target


def issue_events(session: Session, issue: Issue) -> list[IssueEvent]:
    """The issue's audit trail, newest first."""
    query = (
        select(IssueEvent)
        .where(IssueEvent.issue_id == issue.id)
        .order_by(col(IssueEvent.at).desc(), col(IssueEvent.id).desc())
    )
    return list(session.exec(query))


def event_actors(session: Session, events: list[IssueEvent]) -> dict[int, str]:
    """Names (or e-mails) of the staff users behind these events, by id."""
    return staff_names(session, [event.actor_id for event in events])


def open_issues(session: Session, *, exclude_id: int | None = None) -> list[Issue]:
    """Open, unmerged issues, newest first: what an observation or a duplicate can join."""
    query = select(Issue).where(
        col(Issue.merged_into_id).is_(None), col(Issue.status).not_in(CLOSED_STATUSES)
    )
    if exclude_id is not None:
        query = query.where(Issue.id != exclude_id)
    return list(session.exec(query.order_by(col(Issue.id).desc())))


def linked_observations(session: Session, issue: Issue) -> list[LinkedObservation]:
    """The issue's observations with pseudonym, study and task (never customer names)."""
    query = (
        sa.select(Observation, StudySession.pseudonym, Study.id, Study.title, StudyTask.description)
        .join(StudySession, StudySession.id == Observation.session_id)
        .join(Study, Study.id == StudySession.study_id)
        .outerjoin(StudyTask, StudyTask.id == Observation.task_id)
        .where(Observation.issue_id == issue.id)
        .order_by(Study.title, Study.id, Observation.created_at, Observation.id)
    )
    return [LinkedObservation(*row) for row in session.execute(query)]


def observation_place(session: Session, observation: Observation) -> str:
    """ "(P2, Study title)": enough to find an observation again, never the customer's name."""
    row = session.execute(
        sa.select(StudySession.pseudonym, Study.title)
        .join(Study, Study.id == StudySession.study_id)
        .where(StudySession.id == observation.session_id)
    ).one()
    return f"({row.pseudonym}, {row.title})"
