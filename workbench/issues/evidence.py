"""What the studies say about issues: how many participants hit each one, in which tasks.

- A participant *ran* a study when their session there is completed (not in progress, not a
  no-show); each participant has one session per study, so sessions count people.
- A participant *hit* an issue when a completed session of theirs has an observation linked to
  it; two observations from the same session count once.
- ``frequency = participants_hit / participants_ran``, None when nobody ran.
- Without ``study_id`` the studies are those the issue's observations come from (whatever their
  sessions' status); with it, only that study's observations and sessions count.
- ``tasks`` and ``observation_count`` take every linked observation in scope, also from a
  session still running: where a problem shows is known before the session ends.

Two queries for any number of issues (per 500 issue ids), never one per issue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from workbench.studies.models import Observation, SessionStatus, StudySession, StudyTask

CHUNK = 500  # issue ids per IN (...) list, well below every backend's parameter limit


@dataclass(frozen=True)
class StudyEvidence:
    issue_id: int
    participants_hit: int
    participants_ran: int
    frequency: float | None
    hit_session_ids: frozenset[int]
    tasks: tuple[str, ...]
    observation_count: int

    @property
    def frequency_text(self) -> str:
        """ "3 of 6 (50%)", or "—" when nobody ran."""
        if self.frequency is None:
            return "—"
        return f"{self.participants_hit} of {self.participants_ran} ({self.frequency:.0%})"


def study_evidence(
    session: Session, issue_ids: Collection[int], *, study_id: int | None = None
) -> dict[int, StudyEvidence]:
    """Frequency, affected tasks and observation count per issue; an entry for every id asked."""
    ids = sorted(set(issue_ids))
    rows = []
    for start in range(0, len(ids), CHUNK):
        query = (
            sa.select(
                Observation.issue_id,
                Observation.session_id,
                StudySession.status,
                StudySession.study_id,
                StudyTask.position,
                StudyTask.description,
            )
            .join(StudySession, StudySession.id == Observation.session_id)
            .outerjoin(StudyTask, StudyTask.id == Observation.task_id)
            .where(Observation.issue_id.in_(ids[start : start + CHUNK]))
        )
        if study_id is not None:
            query = query.where(StudySession.study_id == study_id)
        rows.extend(session.execute(query))

    studies: dict[int, set[int]] = defaultdict(set)
    hits: dict[int, set[int]] = defaultdict(set)
    tasks: dict[int, set[tuple[int, int, str]]] = defaultdict(set)
    observations: dict[int, int] = defaultdict(int)
    for issue_id, session_id, status, session_study_id, position, description in rows:
        studies[issue_id].add(session_study_id)
        observations[issue_id] += 1
        if status == SessionStatus.COMPLETED:
            hits[issue_id].add(session_id)
        if description is not None:
            tasks[issue_id].add((session_study_id, position, description))
    if study_id is not None:
        studies = defaultdict(set, {issue_id: {study_id} for issue_id in ids})

    ran = completed_sessions_per_study(session, set().union(*studies.values()))
    evidence = {}
    for issue_id in ids:
        participants_ran = sum(ran.get(sid, 0) for sid in studies[issue_id])
        participants_hit = len(hits[issue_id])
        evidence[issue_id] = StudyEvidence(
            issue_id=issue_id,
            participants_hit=participants_hit,
            participants_ran=participants_ran,
            frequency=participants_hit / participants_ran if participants_ran else None,
            hit_session_ids=frozenset(hits[issue_id]),
            tasks=tuple(description for _s, _p, description in sorted(tasks[issue_id])),
            observation_count=observations[issue_id],
        )
    return evidence


def completed_sessions_per_study(session: Session, study_ids: Collection[int]) -> dict[int, int]:
    """How many participants completed their session, per study."""
    if not study_ids:
        return {}
    query = (
        sa.select(StudySession.study_id, sa.func.count())
        .where(
            StudySession.study_id.in_(sorted(study_ids)),
            StudySession.status == SessionStatus.COMPLETED,
        )
        .group_by(StudySession.study_id)
    )
    return {study_id: count for study_id, count in session.execute(query)}
