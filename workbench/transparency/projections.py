"""Public* projections: the only data the public transparency pages and feed are built from.

Built from published issues only, approved quotes only and counts only: no customer, feedback
or staff row ever reaches a public template. Public text was run through ``nlp.redact`` with the
register's names when it was written (publication.py); here it is run through the pattern
detectors once more (no names: that is cheap), as a second net for e-mail addresses, phone and
personal identity numbers.

``customers_raised`` counts the distinct customers behind the feedback linked to an issue, and
each linked item without a customer (anonymous, or erased at the customer's request) as one
more: anonymous items come from people we cannot tell apart, and leaving them out would make a
widely reported problem look rare. It is a count only; it never says who.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nlp import redact
from workbench.customers.models import ConsentKind, ConsentRecord
from workbench.customers.services import customers_with_consent
from workbench.feedback.models import Feedback, is_complaint
from workbench.issues.links import linked_feedback_ids
from workbench.issues.models import Issue, IssueStatus, PublicQuote

LANGUAGES = ("sv", "en")
MONTHS_SHOWN = 12

STATUS_LABELS: dict[str, dict[IssueStatus, str]] = {
    "sv": {
        IssueStatus.NEW: "ny",
        IssueStatus.TRIAGED: "under utredning",
        IssueStatus.PLANNED: "planerad",
        IssueStatus.IN_PROGRESS: "pågår",
        IssueStatus.DONE: "klar",
        IssueStatus.WONT_FIX: "åtgärdas inte",
    },
    "en": {
        IssueStatus.NEW: "new",
        IssueStatus.TRIAGED: "being looked into",
        IssueStatus.PLANNED: "planned",
        IssueStatus.IN_PROGRESS: "in progress",
        IssueStatus.DONE: "done",
        IssueStatus.WONT_FIX: "will not be fixed",
    },
}

# Bumped by every change of what the public pages show, so that this worker's page cache
# re-renders at once; other workers catch up when their short TTL runs out (views.py).
_versions = itertools.count(1)
_version = 0
_version_lock = threading.Lock()


def publication_changed() -> None:
    """Note that public data changed (publication, quotes, a published issue's status)."""
    global _version
    with _version_lock:
        _version = next(_versions)


def publication_version() -> int:
    """A number that changes whenever ``publication_changed`` is called in this process."""
    return _version


@dataclass(frozen=True)
class PublicIssue:
    id: int
    title: str
    status: str
    status_label: str
    updated_at: datetime
    customers_raised: int
    answer: str
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class PublicFigures:
    feedback_per_month: tuple[tuple[str, int], ...]  # ("2026-11", 42), oldest first
    published: int
    done: int
    done_share: float  # 0 to 1; 0 when nothing is published

    @property
    def busiest_month(self) -> int:
        return max((count for _month, count in self.feedback_per_month), default=0)


@dataclass(frozen=True)
class SaidAndDone:
    """One line of "you said, we did": what the issue is about and what was done."""

    issue_id: int
    title: str
    answer: str
    status: str
    updated_at: datetime


def public_text(text: str) -> str:
    """The last net before text goes public: the pattern detectors of ``nlp.redact``."""
    return redact(text or "").strip()


def _published_issues() -> sa.Select:
    return (
        select(Issue)
        .where(Issue.published.is_(True), Issue.merged_into_id.is_(None))
        .order_by(col(Issue.public_updated_at).desc(), col(Issue.id).desc())
    )


def quotable_feedback() -> sa.ColumnElement[bool]:
    """SQL: feedback that may be quoted now: consented, not erased, consent not withdrawn."""
    with_publish_record = sa.select(ConsentRecord.customer_id).where(
        ConsentRecord.kind == ConsentKind.PUBLISH_QUOTE
    )
    withdrawn = sa.and_(
        col(Feedback.customer_id).in_(with_publish_record),
        col(Feedback.customer_id).not_in(customers_with_consent(ConsentKind.PUBLISH_QUOTE)),
    )
    return sa.and_(
        col(Feedback.consent_publish).is_(True),
        col(Feedback.erased).is_(False),
        sa.or_(col(Feedback.customer_id).is_(None), sa.not_(withdrawn)),
    )


def customers_raised(session: Session, issue_id: int) -> int:
    """Distinct customers of the linked complaints, plus one per complaint without a customer
    (praise linked to an issue is no one raising it)."""
    linked = linked_feedback_ids(session, issue_id).subquery()
    known, anonymous = session.execute(
        sa.select(
            sa.func.count(sa.distinct(Feedback.customer_id)),
            sa.func.coalesce(
                sa.func.sum(sa.case((col(Feedback.customer_id).is_(None), 1), else_=0)), 0
            ),
        ).where(col(Feedback.id).in_(sa.select(linked.c[0])), is_complaint())
    ).one()
    return int(known) + int(anonymous)


def approved_quotes(session: Session, issue_id: int) -> tuple[str, ...]:
    """Approved quotes of the issue whose feedback is still linked and may still be quoted."""
    linked = linked_feedback_ids(session, issue_id).subquery()
    texts = session.execute(
        sa.select(PublicQuote.text)
        .join(Feedback, col(Feedback.id) == PublicQuote.feedback_id)
        .where(
            PublicQuote.issue_id == issue_id,
            col(PublicQuote.approved_at).is_not(None),
            col(PublicQuote.feedback_id).in_(sa.select(linked.c[0])),
            quotable_feedback(),
        )
        .order_by(col(PublicQuote.approved_at), col(PublicQuote.id))
    ).scalars()
    return tuple(public_text(text) for text in texts if text.strip())


def _project(session: Session, issue: Issue, language: str) -> PublicIssue:
    labels = STATUS_LABELS.get(language, STATUS_LABELS["en"])
    return PublicIssue(
        id=issue.id,
        title=public_text(issue.public_title),
        status=issue.status.value,
        status_label=labels[issue.status],
        updated_at=issue.public_updated_at or issue.published_at or issue.updated_at,
        customers_raised=customers_raised(session, issue.id),
        answer=public_text(issue.public_answer),
        quotes=approved_quotes(session, issue.id),
    )


def public_issues(session: Session, language: str) -> tuple[PublicIssue, ...]:
    """Every published issue, newest public update first."""
    return tuple(_project(session, issue, language) for issue in session.exec(_published_issues()))


def public_issue(session: Session, issue_id: int, language: str) -> PublicIssue | None:
    """One published issue, or None when there is none with this id that is published."""
    issue = session.exec(_published_issues().where(Issue.id == issue_id)).first()
    return None if issue is None else _project(session, issue, language)


def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _last_months(now: datetime, count: int) -> list[str]:
    months = []
    year, month = now.year, now.month
    for _ in range(count):
        months.append(_month_key(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def public_figures(session: Session, now: datetime) -> PublicFigures:
    """Feedback received per month (the last twelve) and the share of published issues done."""
    months = _last_months(now, MONTHS_SHOWN)
    first_year, first_month = (int(part) for part in months[0].split("-"))
    start = now.replace(
        year=first_year, month=first_month, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    year = sa.extract("year", Feedback.created_at)
    month = sa.extract("month", Feedback.created_at)
    rows = session.execute(
        sa.select(year, month, sa.func.count())
        .where(col(Feedback.created_at) >= start, col(Feedback.created_at) <= now)
        .group_by(year, month)
    ).all()
    counts = {_month_key(int(y), int(m)): int(n) for y, m, n in rows}
    statuses = session.exec(
        select(Issue.status).where(Issue.published.is_(True), Issue.merged_into_id.is_(None))
    ).all()
    published = len(statuses)
    done = sum(1 for status in statuses if status == IssueStatus.DONE)
    return PublicFigures(
        feedback_per_month=tuple((key, counts.get(key, 0)) for key in months),
        published=published,
        done=done,
        done_share=round(done / published, 2) if published else 0.0,
    )


def you_said_we_did(session: Session) -> tuple[SaidAndDone, ...]:
    """Published issues with their public answer, newest public update first."""
    return tuple(
        SaidAndDone(
            issue_id=issue.id,
            title=public_text(issue.public_title),
            answer=public_text(issue.public_answer),
            status=issue.status.value,
            updated_at=issue.public_updated_at or issue.published_at or issue.updated_at,
        )
        for issue in session.exec(_published_issues())
        if issue.public_answer.strip()
    )
