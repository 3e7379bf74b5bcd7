"""What a product owner publishes about an issue: public title and answer, and quotes.

Nothing is public until the issue is published, and a quote only once staff approve it. Every
public text goes through ``nlp.redact`` with the names of everyone in the customer register
before it is stored: a quote never copies the raw feedback, and a title or answer that mentions
a customer by name, e-mail or number is masked as a safety net (the edit page says so). Every
change is a line in the issue's audit trail. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nlp import redact
from workbench.customers.services import register_names
from workbench.db import after_commit
from workbench.errors import Conflict, NotFound, ValidationFailed
from workbench.feedback.models import Feedback
from workbench.issues.audit import record_event
from workbench.issues.links import linked_feedback_ids
from workbench.issues.models import Issue, PublicQuote
from workbench.transparency.projections import publication_changed, quotable_feedback

PUBLIC_TITLE_MAX = 200
PUBLIC_ANSWER_MAX = 5000
CANDIDATES_SHOWN = 50


@dataclass(frozen=True)
class QuoteCandidate:
    """Feedback that may be quoted, as staff see it before choosing: redacted, no author."""

    feedback_id: int
    created_at: datetime
    language: str
    preview: str
    quoted: bool


def redact_with_register(session: Session, text: str, names: Iterable[str] | None = None) -> str:
    """``text`` with personal data and the register's names masked."""
    return redact(text or "", register_names(session) if names is None else names)


def _clean(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise ValidationFailed(f"Keep the {what} to {limit} characters.")
    return text


def update_publication(
    session: Session,
    issue: Issue,
    *,
    public_title: str,
    public_answer: str,
    published: bool,
    actor_id: int | None,
    now: datetime,
) -> Issue:
    """Set the issue's public title and answer and whether it is published; texts are redacted."""
    if issue.merged_into_id is not None:
        raise Conflict(
            f"Issue #{issue.id} was merged into #{issue.merged_into_id}; publish that one instead."
        )
    title = " ".join(_clean(public_title, PUBLIC_TITLE_MAX, "public title").split())
    answer = _clean(public_answer, PUBLIC_ANSWER_MAX, "public answer")
    if published and not (title and answer):
        raise ValidationFailed("A published issue needs a public title and a public answer.")
    names = register_names(session)
    title, answer = redact(title, names), redact(answer, names)
    changes = []
    if title != issue.public_title:
        changes.append(f"public title “{issue.public_title}” → “{title}”")
    if answer != issue.public_answer:
        changes.append("public answer edited")
    if published != issue.published:
        changes.insert(0, "published" if published else "unpublished")
    if not changes:
        return issue
    issue.public_title, issue.public_answer = title, answer
    if published and not issue.published:
        issue.published_at = now
    if published or issue.published:
        issue.public_updated_at = now
    issue.published = published
    record_event(session, issue, "publication", "; ".join(changes), actor_id=actor_id, now=now)
    session.flush()
    after_commit(session, publication_changed)
    return issue


def _linked_quotable(session: Session, issue: Issue) -> sa.Select:
    linked = linked_feedback_ids(session, issue.id).subquery()
    return select(Feedback).where(col(Feedback.id).in_(sa.select(linked.c[0])), quotable_feedback())


def quote_candidates(session: Session, issue: Issue) -> list[QuoteCandidate]:
    """Linked feedback whose author consented to publishing, newest first, redacted."""
    quoted = set(
        session.exec(select(PublicQuote.feedback_id).where(PublicQuote.issue_id == issue.id)).all()
    )
    query = _linked_quotable(session, issue).order_by(
        col(Feedback.created_at).desc(), col(Feedback.id).desc()
    )
    names = register_names(session)
    return [
        QuoteCandidate(
            feedback_id=item.id,
            created_at=item.created_at,
            language=item.language,
            preview=redact(item.text, names),
            quoted=item.id in quoted,
        )
        for item in session.exec(query.limit(CANDIDATES_SHOWN))
    ]


def issue_quotes(session: Session, issue: Issue) -> list[PublicQuote]:
    """The issue's quotes, approved or waiting, oldest first."""
    query = (
        select(PublicQuote)
        .where(PublicQuote.issue_id == issue.id)
        .order_by(col(PublicQuote.created_at), col(PublicQuote.id))
    )
    return list(session.exec(query))


def add_quote(
    session: Session, issue: Issue, feedback_id: int, *, actor_id: int | None, now: datetime
) -> PublicQuote:
    """Store a redacted copy of linked, consented feedback as a quote waiting for approval."""
    feedback = session.exec(
        _linked_quotable(session, issue).where(Feedback.id == feedback_id)
    ).first()
    if feedback is None:
        if session.get(Feedback, feedback_id) is None:
            raise NotFound(f"There is no feedback #{feedback_id}.")
        raise ValidationFailed(
            f"Feedback #{feedback_id} cannot be quoted: it must be linked to this issue and its "
            "author must have agreed to publishing."
        )
    existing = session.exec(
        select(PublicQuote).where(
            PublicQuote.issue_id == issue.id, PublicQuote.feedback_id == feedback_id
        )
    ).first()
    if existing is not None:
        raise Conflict(f"Feedback #{feedback_id} is already quoted on this issue.")
    text = redact_with_register(session, feedback.text).strip()
    if not text:
        raise ValidationFailed(f"Feedback #{feedback_id} has no text to quote.")
    language = feedback.language if feedback.language in ("sv", "en") else "sv"
    quote = PublicQuote(
        issue_id=issue.id, feedback_id=feedback_id, text=text, language=language, created_at=now
    )
    session.add(quote)
    session.flush()
    record_event(
        session,
        issue,
        "quote added",
        f"quote #{quote.id} from feedback #{feedback_id}",
        actor_id=actor_id,
        now=now,
    )
    session.flush()
    return quote


def _quote_of(session: Session, issue: Issue, quote_id: int) -> PublicQuote:
    quote = session.get(PublicQuote, quote_id)
    if quote is None or quote.issue_id != issue.id:
        raise NotFound(f"Issue #{issue.id} has no quote #{quote_id}.")
    return quote


def approve_quote(
    session: Session, issue: Issue, quote_id: int, *, actor_id: int | None, now: datetime
) -> PublicQuote:
    """Let a quote appear on the public page (consent is checked again, it may be withdrawn)."""
    quote = _quote_of(session, issue, quote_id)
    if quote.approved_at is not None:
        return quote
    still_quotable = session.exec(
        _linked_quotable(session, issue).where(Feedback.id == quote.feedback_id)
    ).first()
    if still_quotable is None:
        raise ValidationFailed(
            f"Quote #{quote.id} cannot be approved: its feedback is no longer linked to this issue "
            "or its author no longer agrees to publishing. Remove it."
        )
    quote.approved_at, quote.approved_by_id = now, actor_id
    if issue.published:
        issue.public_updated_at = now
    record_event(session, issue, "quote approved", f"quote #{quote.id}", actor_id=actor_id, now=now)
    session.flush()
    after_commit(session, publication_changed)
    return quote


def remove_quote(
    session: Session, issue: Issue, quote_id: int, *, actor_id: int | None, now: datetime
) -> None:
    """Delete a quote, approved or not."""
    quote = _quote_of(session, issue, quote_id)
    detail = f"quote #{quote.id} from feedback #{quote.feedback_id}"
    session.delete(quote)
    record_event(session, issue, "quote removed", detail, actor_id=actor_id, now=now)
    session.flush()
    after_commit(session, publication_changed)
