"""A study's status moves through one pure function, so every path is checked the same way."""

from __future__ import annotations

from workbench.errors import InvalidTransition
from workbench.studies.models import StudyStatus

ALLOWED_MOVES: dict[StudyStatus, frozenset[StudyStatus]] = {
    StudyStatus.DRAFT: frozenset({StudyStatus.RECRUITING, StudyStatus.CLOSED}),
    # Back to draft lets a researcher fix the plan before anyone has been invited.
    StudyStatus.RECRUITING: frozenset(
        {StudyStatus.DRAFT, StudyStatus.FIELDWORK, StudyStatus.CLOSED}
    ),
    StudyStatus.FIELDWORK: frozenset({StudyStatus.ANALYSIS, StudyStatus.CLOSED}),
    StudyStatus.ANALYSIS: frozenset({StudyStatus.CLOSED}),
    StudyStatus.CLOSED: frozenset(),
}


def next_study_status(current: StudyStatus, target: StudyStatus) -> StudyStatus:
    """Return ``target`` when a study may move there from ``current``, else raise."""
    if target not in ALLOWED_MOVES[current]:
        allowed = ", ".join(sorted(status.value for status in ALLOWED_MOVES[current]))
        where_next = f"it can move to: {allowed}" if allowed else "it is closed"
        raise InvalidTransition(
            f"A study cannot move from {current.value} to {target.value}; {where_next}."
        )
    return target
