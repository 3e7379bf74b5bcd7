"""The Public* projections: published issues only, approved quotes only, counts only."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_consent, make_customer, make_feedback, make_issue
from tests.transparency.conftest import link, publish
from workbench.customers.models import ConsentKind
from workbench.db import utcnow
from workbench.issues.models import IssueStatus, PublicQuote
from workbench.transparency import projections, publication


def approved_quote(session, issue, item):
    quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
    publication.approve_quote(session, issue, quote.id, actor_id=None, now=utcnow())
    return quote


def test_only_published_issues_are_projected(session):
    shown = publish(session, make_issue(session), title="Visas")
    make_issue(session, public_title="Dold", public_answer="Inte publicerad.")
    merged = publish(session, make_issue(session), title="Sammanslagen")
    merged.merged_into_id = shown.id
    session.flush()
    issues = projections.public_issues(session, "sv")
    assert [issue.title for issue in issues] == ["Visas"]
    assert projections.public_issue(session, merged.id, "sv") is None
    assert [item.title for item in projections.you_said_we_did(session)] == ["Visas"]


def test_public_issue_has_exactly_the_public_fields():
    names = [field.name for field in fields(projections.PublicIssue)]
    assert names == [
        "id",
        "title",
        "status",
        "status_label",
        "updated_at",
        "customers_raised",
        "answer",
        "quotes",
    ]


def test_projections_are_frozen(session):
    issue = projections.public_issues(session, "sv")
    assert issue == ()
    figures = projections.public_figures(session, utcnow())
    with pytest.raises(FrozenInstanceError):
        figures.done = 3


def test_customers_raised_counts_distinct_customers_and_each_anonymous_item(session):
    issue = publish(session, make_issue(session))
    anna, bo = make_customer(session), make_customer(session)
    link(
        session,
        issue,
        make_feedback(session, customer_id=anna.id),
        make_feedback(session, customer_id=anna.id),
        make_feedback(session, customer_id=bo.id),
        make_feedback(session),
        make_feedback(session, erased=True),
    )
    (projected,) = projections.public_issues(session, "en")
    assert projected.customers_raised == 4  # Anna once, Bo, and two items without a customer


def test_only_approved_quotes_of_consenting_authors_are_shown(session):
    issue = publish(session, make_issue(session))
    approved = make_feedback(session, consent_publish=True, text="Snabbt och bra svar.")
    waiting = make_feedback(session, consent_publish=True, text="Väntar på godkännande.")
    link(session, issue, approved, waiting)
    approved_quote(session, issue, approved)
    publication.add_quote(session, issue, waiting.id, actor_id=None, now=utcnow())
    (projected,) = projections.public_issues(session, "sv")
    assert projected.quotes == ("Snabbt och bra svar.",)


def test_a_quote_disappears_when_consent_goes(session):
    customer = make_customer(session, consents={"publish_quote": True})
    issue = publish(session, make_issue(session))
    item = make_feedback(session, customer_id=customer.id, consent_publish=True, text="Bra!")
    link(session, issue, item)
    approved_quote(session, issue, item)
    assert projections.public_issue(session, issue.id, "sv").quotes == ("Bra!",)
    make_consent(session, customer, ConsentKind.PUBLISH_QUOTE, given=False)
    assert projections.public_issue(session, issue.id, "sv").quotes == ()


def test_a_quote_disappears_when_feedback_is_erased_or_unconsented(session):
    issue = publish(session, make_issue(session))
    erased = make_feedback(session, consent_publish=True, text="Raderas snart.")
    unconsented = make_feedback(session, consent_publish=True, text="Ångrar mig.")
    link(session, issue, erased, unconsented)
    approved_quote(session, issue, erased)
    approved_quote(session, issue, unconsented)
    erased.erased = True
    unconsented.consent_publish = False
    session.flush()
    assert projections.public_issue(session, issue.id, "sv").quotes == ()


def test_an_approved_quote_row_without_consent_never_shows(session):
    """Even a row written around the services (a bug, a manual fix) stays private."""
    issue = publish(session, make_issue(session))
    item = make_feedback(session, consent_publish=False, text="Hemligt.")
    link(session, issue, item)
    session.add(
        PublicQuote(issue_id=issue.id, feedback_id=item.id, text="Hemligt.", approved_at=utcnow())
    )
    session.flush()
    assert projections.public_issue(session, issue.id, "sv").quotes == ()


def test_status_labels_follow_the_language(session):
    issue = publish(session, make_issue(session, status=IssueStatus.IN_PROGRESS))
    assert projections.public_issue(session, issue.id, "sv").status_label == "pågår"
    assert projections.public_issue(session, issue.id, "en").status_label == "in progress"


def test_public_text_is_passed_through_the_detectors_again(session):
    issue = make_issue(
        session,
        published=True,
        public_title="Ring 070-123 45 67",
        public_answer="Skriv till a@b.se",
        public_updated_at=utcnow(),
    )
    projected = projections.public_issue(session, issue.id, "sv")
    assert (projected.title, projected.answer) == ("Ring [phone]", "Skriv till [email]")


def test_figures_count_feedback_per_month_and_the_share_done(session):
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    for created in (now, now - timedelta(days=2), datetime(2026, 10, 3, tzinfo=UTC)):
        make_feedback(session, created_at=created)
    make_feedback(session, created_at=datetime(2025, 11, 30, tzinfo=UTC))  # too old
    publish(session, make_issue(session, status=IssueStatus.DONE))
    publish(session, make_issue(session, status=IssueStatus.DONE))
    publish(session, make_issue(session, status=IssueStatus.PLANNED))
    make_issue(session, status=IssueStatus.DONE)  # not published: not counted
    figures = projections.public_figures(session, now)
    assert len(figures.feedback_per_month) == 12
    assert figures.feedback_per_month[0] == ("2025-12", 0)
    assert figures.feedback_per_month[-2:] == (("2026-10", 1), ("2026-11", 2))
    assert (figures.published, figures.done, figures.done_share) == (3, 2, 0.67)


def test_figures_with_nothing_published(session):
    figures = projections.public_figures(session, utcnow())
    assert (figures.published, figures.done, figures.done_share) == (0, 0, 0.0)


def test_you_said_we_did_is_newest_first(session):
    now = utcnow()
    first = publish(session, make_issue(session), title="Först", now=now - timedelta(days=3))
    second = publish(session, make_issue(session), title="Sedan", now=now - timedelta(days=1))
    listed = projections.you_said_we_did(session)
    assert [item.issue_id for item in listed] == [second.id, first.id]
    assert listed[0].updated_at == now - timedelta(days=1)
