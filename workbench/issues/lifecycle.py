"""An issue's status moves through one pure function, so every path is checked the same way.

The graph::

    new ──> triaged ──> planned ──> in progress ──> done
     │         │  ^        │  ^          │             │
     │         │  └────────┘  └──────────┘             │   (back one step: unplan, pause)
     │         └──────────────────────> in progress    │   (a quick fix needs no plan)
     └──> planned                                      │   (triage and plan in one go)
    any open status ──> won't fix
    done, won't fix ──> triaged                            (reopen: it is looked at again)

"Open" means every status but done and won't fix. A merged issue is set to won't fix by
``merge_issues`` itself, outside this graph; services refuse to move a merged issue at all.
"""

from __future__ import annotations

from workbench.errors import InvalidTransition
from workbench.issues.models import IssueStatus

ALLOWED_MOVES: dict[IssueStatus, frozenset[IssueStatus]] = {
    IssueStatus.NEW: frozenset({IssueStatus.TRIAGED, IssueStatus.PLANNED, IssueStatus.WONT_FIX}),
    IssueStatus.TRIAGED: frozenset(
        {IssueStatus.PLANNED, IssueStatus.IN_PROGRESS, IssueStatus.WONT_FIX}
    ),
    IssueStatus.PLANNED: frozenset(
        {IssueStatus.TRIAGED, IssueStatus.IN_PROGRESS, IssueStatus.WONT_FIX}
    ),
    IssueStatus.IN_PROGRESS: frozenset(
        {IssueStatus.PLANNED, IssueStatus.DONE, IssueStatus.WONT_FIX}
    ),
    IssueStatus.DONE: frozenset({IssueStatus.TRIAGED}),
    IssueStatus.WONT_FIX: frozenset({IssueStatus.TRIAGED}),
}

CLOSED_STATUSES = frozenset({IssueStatus.DONE, IssueStatus.WONT_FIX})
OPEN_STATUSES = frozenset(IssueStatus) - CLOSED_STATUSES

STATUS_LABELS: dict[IssueStatus, str] = {
    IssueStatus.NEW: "new",
    IssueStatus.TRIAGED: "triaged",
    IssueStatus.PLANNED: "planned",
    IssueStatus.IN_PROGRESS: "in progress",
    IssueStatus.DONE: "done",
    IssueStatus.WONT_FIX: "won't fix",
}


def next_issue_status(current: IssueStatus, target: IssueStatus) -> IssueStatus:
    """Return ``target`` when an issue may move there from ``current``, else raise."""
    if target not in ALLOWED_MOVES[current]:
        allowed = ", ".join(
            STATUS_LABELS[status] for status in IssueStatus if status in ALLOWED_MOVES[current]
        )
        raise InvalidTransition(
            f"An issue cannot move from {STATUS_LABELS[current]} to {STATUS_LABELS[target]}; "
            f"from {STATUS_LABELS[current]} it can move to: {allowed}."
        )
    return target


def moves_from(current: IssueStatus) -> list[IssueStatus]:
    """The statuses an issue may move to next, in the lifecycle's order (for buttons)."""
    return [status for status in IssueStatus if status in ALLOWED_MOVES[current]]
