"""Following up: customers hear back when a published issue they raised is done.

One letter per customer and issue, in the customer's language (Swedish or English), through the
outbox: what they told us (a short, redacted excerpt of their newest linked feedback) and what
we did (the public answer). Only customers whose contact consent is in force, who are not marked
do-not-contact and who have an e-mail address get one; the outbox's dedupe key makes sure nobody
gets the same follow-up twice, also when an issue is reopened and done again.

The letters are plain templates rather than gettext catalogues, like studies/letters.py: they
are composed outside any request and each language is read as a whole letter.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nlp import redact
from workbench.customers.models import ConsentKind, ConsentRecord, Customer
from workbench.db import after_commit
from workbench.feedback.models import Feedback, is_complaint
from workbench.issues.links import linked_feedback_ids
from workbench.issues.models import Issue, IssueStatus
from workbench.outbox.models import OutboxMessage
from workbench.outbox.services import queue_message
from workbench.transparency.projections import publication_changed

KIND = "follow_up"
LANGUAGES = ("sv", "en")
EXCERPT_LENGTH = 200

SUBJECTS = {
    "sv": "Du sa, vi gjorde: {title}",
    "en": "You said, we did: {title}",
}

BODIES = {
    "sv": (
        "Hej {name}!\n\n"
        "Du har tidigare gett oss återkoppling. Så här skrev du:\n\n"
        "  ”{excerpt}”\n\n"
        "Det du och andra kunder berättade har lett till en ändring, och den är nu klar:\n\n"
        "{answer}\n\n"
        "Tack för att du tog dig tid att berätta. Det gör skillnad.\n\n"
        "Vill du inte att vi kontaktar dig igen? Svara på det här mejlet så slutar vi."
    ),
    "en": (
        "Hello {name},\n\n"
        "You gave us feedback a while ago. This is what you wrote:\n\n"
        "  “{excerpt}”\n\n"
        "What you and other customers told us led to a change, and it is now done:\n\n"
        "{answer}\n\n"
        "Thank you for taking the time to tell us. It makes a difference.\n\n"
        "Would you rather not hear from us again? Reply to this e-mail and we will stop."
    ),
}

GREETING_FALLBACK = {"sv": "och tack", "en": "there"}


def dedupe_key(issue_id: int, customer_id: int) -> str:
    return f"follow-up:issue:{issue_id}:customer:{customer_id}"


def excerpt(text: str, names: list[str], length: int = EXCERPT_LENGTH) -> str:
    """The start of ``text``, redacted, cut at a word near ``length`` characters."""
    text = " ".join(redact(text or "", names).split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return cut.rstrip(",.;:") + "…"


def compose_follow_up(
    language: str, *, name: str, title: str, excerpt_text: str, answer: str
) -> tuple[str, str]:
    """The subject and body of a follow-up letter in ``language`` (sv or en)."""
    language = language if language in LANGUAGES else "sv"
    first_name = (name or "").split()[0] if (name or "").strip() else GREETING_FALLBACK[language]
    subject = SUBJECTS[language].format(title=title)
    body = BODIES[language].format(
        name=first_name, excerpt=excerpt_text, answer=answer.strip() or title
    )
    return subject, body


def _contact_consent_in_force(session: Session, customer_ids: list[int], now: datetime) -> set[int]:
    """Customers whose newest contact record up to ``now`` says given."""
    records = session.exec(
        select(ConsentRecord)
        .where(
            col(ConsentRecord.customer_id).in_(customer_ids),
            ConsentRecord.kind == ConsentKind.CONTACT,
            col(ConsentRecord.recorded_at) <= now,
        )
        .order_by(col(ConsentRecord.recorded_at), col(ConsentRecord.id))
    )
    newest: dict[int, bool] = {}
    for record in records:
        newest[record.customer_id] = record.given
    return {customer_id for customer_id, given in newest.items() if given}


def _newest_feedback_per_customer(session: Session, issue: Issue) -> dict[int, Feedback]:
    linked = linked_feedback_ids(session, issue.id).subquery()
    items = session.exec(
        select(Feedback)
        .where(
            col(Feedback.id).in_(sa.select(linked.c[0])),
            col(Feedback.customer_id).is_not(None),
            col(Feedback.erased).is_(False),
            is_complaint(),  # praise is thanked for nothing: it raised no problem
        )
        .order_by(col(Feedback.created_at), col(Feedback.id))
    )
    return {item.customer_id: item for item in items}


def queue_followups(session: Session, issue: Issue, *, now: datetime) -> int:
    """Queue the follow-up letters of a published, done issue; returns how many are new."""
    if not issue.published or issue.status != IssueStatus.DONE or issue.merged_into_id:
        return 0
    feedback_by_customer = _newest_feedback_per_customer(session, issue)
    if not feedback_by_customer:
        return 0
    consenting = _contact_consent_in_force(session, list(feedback_by_customer), now)
    customers = session.exec(
        select(Customer)
        .where(
            col(Customer.id).in_(consenting),
            col(Customer.do_not_contact).is_(False),
            col(Customer.email).is_not(None),
            Customer.email != "",
        )
        .order_by(col(Customer.id))
    ).all()
    keys = {customer.id: dedupe_key(issue.id, customer.id) for customer in customers}
    already = set(
        session.exec(
            select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).in_(keys.values()))
        ).all()
    )
    # The recipients' own names are masked too: a forwarded letter should carry no more than
    # the page would.
    names = [customer.name for customer in customers if customer.name]
    queued = 0
    for customer in customers:
        if keys[customer.id] in already:
            continue
        feedback = feedback_by_customer[customer.id]
        language = customer.language if customer.language in LANGUAGES else feedback.language
        language = language if language in LANGUAGES else "sv"
        subject, body = compose_follow_up(
            language,
            name=customer.name,
            title=issue.public_title,
            excerpt_text=excerpt(feedback.text, names),
            answer=issue.public_answer,
        )
        queue_message(
            session,
            kind=KIND,
            to_address=customer.email,
            to_name=customer.name,
            subject=subject,
            body_text=body,
            language=language,
            customer_id=customer.id,
            due_at=now,
            dedupe_key=keys[customer.id],
        )
        queued += 1
    return queued


def on_issue_status_changed(session: Session, issue: Issue, *, now: datetime) -> int:
    """Hook for change_issue_status: a published issue's status is public; done follows up."""
    if not issue.published:
        return 0
    issue.public_updated_at = now
    after_commit(session, publication_changed)
    return queue_followups(session, issue, now=now)
