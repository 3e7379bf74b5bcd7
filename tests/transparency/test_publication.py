"""Staff-side publication: public texts, validation, redaction, quotes and their approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.factories import make_consent, make_customer, make_feedback, make_issue, make_topic_run
from tests.transparency.conftest import link, publish
from workbench.customers.models import ConsentKind
from workbench.db import utcnow
from workbench.errors import Conflict, NotFound, ValidationFailed
from workbench.issues.models import IssueEvent, IssueTopic, PublicQuote
from workbench.transparency import publication


def events(session, issue):
    query = select(IssueEvent).where(IssueEvent.issue_id == issue.id).order_by(IssueEvent.id)
    return [(event.action, event.detail) for event in session.exec(query)]


def test_a_published_issue_needs_a_public_title_and_answer(session):
    issue = make_issue(session)
    for title, answer in [("", "Vi fixade det."), ("Sena leveranser", ""), ("  ", "  ")]:
        with pytest.raises(ValidationFailed):
            publish(session, issue, title=title, answer=answer)
    assert not issue.published


def test_publishing_sets_dates_and_writes_the_audit_trail(session):
    issue = make_issue(session)
    now = utcnow()
    publish(session, issue, now=now, actor_id=None)
    assert issue.published and issue.published_at == now and issue.public_updated_at == now
    later = now + timedelta(hours=1)
    publish(session, issue, answer="Nu levererar vi på en dag.", now=later)
    assert issue.published_at == now and issue.public_updated_at == later
    publish(session, issue, answer="Nu levererar vi på en dag.", published=False, now=later)
    assert not issue.published
    actions = events(session, issue)
    assert [action for action, _ in actions] == ["publication"] * 3
    assert actions[0][1].startswith("published; public title")
    assert actions[1][1] == "public answer edited"
    assert actions[2][1] == "unpublished"


def test_saving_the_same_texts_again_records_nothing(session):
    issue = make_issue(session)
    publish(session, issue)
    publish(session, issue)
    assert len(events(session, issue)) == 1


def test_unpublishing_needs_no_texts(session):
    issue = make_issue(session)
    publication.update_publication(
        session,
        issue,
        public_title="",
        public_answer="",
        published=False,
        actor_id=None,
        now=utcnow(),
    )
    assert not issue.published


def test_public_texts_are_redacted_with_the_register_names(session):
    make_customer(session, name="Karin Lindqvist")
    issue = make_issue(session)
    publish(
        session,
        issue,
        title="Karin Lindqvist fick vänta",
        answer="Vi ringde Lindqvist på 070-123 45 67 och mejlade karin@example.se. Karin är nöjd.",
    )
    assert issue.public_title == "[name] fick vänta"
    assert "Lindqvist" not in issue.public_answer and "Karin" not in issue.public_answer
    assert "[phone]" in issue.public_answer and "[email]" in issue.public_answer


def test_a_merged_issue_cannot_be_published(session):
    target = make_issue(session)
    merged = make_issue(session, merged_into_id=target.id)
    with pytest.raises(Conflict):
        publish(session, merged)


def test_quote_candidates_are_linked_consented_and_redacted(session):
    customer = make_customer(session, name="Erik Johansson")
    issue = make_issue(session)
    consented = make_feedback(
        session, customer_id=customer.id, consent_publish=True, text="Erik här: paketet var sent."
    )
    unconsented = make_feedback(session, customer_id=customer.id, text="Sent igen.")
    erased = make_feedback(session, consent_publish=True, erased=True, text="[erased]")
    unlinked = make_feedback(session, consent_publish=True, text="Inte länkad.")
    link(session, issue, consented, unconsented, erased)
    candidates = publication.quote_candidates(session, issue)
    assert [c.feedback_id for c in candidates] == [consented.id]
    assert candidates[0].preview == "[name] här: paketet var sent."
    assert not candidates[0].quoted
    assert unlinked.id not in {c.feedback_id for c in candidates}


def test_candidates_come_through_linked_topics_too(session):
    issue = make_issue(session)
    item = make_feedback(session, consent_publish=True, text="Appen kraschar vid betalning.")
    _run, topics = make_topic_run(session, {"app krasch": [item]})
    session.add(IssueTopic(issue_id=issue.id, topic_id=topics["app krasch"].id))
    session.flush()
    assert [c.feedback_id for c in publication.quote_candidates(session, issue)] == [item.id]


def test_a_customer_who_withdrew_publish_consent_is_no_candidate(session):
    customer = make_customer(session, consents={"publish_quote": True})
    make_consent(session, customer, ConsentKind.PUBLISH_QUOTE, given=False)
    issue = make_issue(session)
    link(session, issue, make_feedback(session, customer_id=customer.id, consent_publish=True))
    assert publication.quote_candidates(session, issue) == []


def test_add_quote_stores_only_redacted_text(session):
    make_customer(session, name="Maria Andersson")
    issue = make_issue(session)
    raw = "Maria här. Andersson på 0701234567, maria.a@example.com, 19811218-9876 ville ha svar."
    item = make_feedback(session, consent_publish=True, text=raw, language="sv")
    link(session, issue, item)
    quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
    assert quote.approved_at is None
    assert quote.text != raw
    for value in ("Maria", "Andersson", "0701234567", "maria.a@example.com", "19811218-9876"):
        assert value.lower() not in quote.text.lower()
    assert events(session, issue)[-1][0] == "quote added"
    with pytest.raises(Conflict):
        publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())


def test_add_quote_refuses_without_consent_link_or_text(session):
    issue = make_issue(session)
    unconsented = make_feedback(session, consent_publish=False)
    erased = make_feedback(session, consent_publish=True, erased=True)
    unlinked = make_feedback(session, consent_publish=True)
    link(session, issue, unconsented, erased)
    for item in (unconsented, erased, unlinked):
        with pytest.raises(ValidationFailed):
            publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
    with pytest.raises(NotFound):
        publication.add_quote(session, issue, 999_999, actor_id=None, now=utcnow())
    assert session.exec(select(PublicQuote)).all() == []


def test_approve_and_remove_quotes(session):
    issue = make_issue(session)
    publish(session, issue)
    item = make_feedback(session, consent_publish=True)
    link(session, issue, item)
    quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
    now = utcnow() + timedelta(minutes=5)
    publication.approve_quote(session, issue, quote.id, actor_id=None, now=now)
    assert quote.approved_at == now and issue.public_updated_at == now
    publication.remove_quote(session, issue, quote.id, actor_id=None, now=now)
    assert session.get(PublicQuote, quote.id) is None
    assert [a for a, _ in events(session, issue)][-3:] == [
        "quote added",
        "quote approved",
        "quote removed",
    ]


def test_a_quote_of_another_issue_is_not_found(session):
    issue, other = make_issue(session), make_issue(session)
    item = make_feedback(session, consent_publish=True)
    link(session, other, item)
    quote = publication.add_quote(session, other, item.id, actor_id=None, now=utcnow())
    with pytest.raises(NotFound):
        publication.approve_quote(session, issue, quote.id, actor_id=None, now=utcnow())
    with pytest.raises(NotFound):
        publication.remove_quote(session, issue, quote.id, actor_id=None, now=utcnow())


def test_approval_checks_consent_again(session):
    customer = make_customer(session, consents={"publish_quote": True})
    issue = make_issue(session)
    item = make_feedback(session, customer_id=customer.id, consent_publish=True)
    link(session, issue, item)
    quote = publication.add_quote(session, issue, item.id, actor_id=None, now=utcnow())
    make_consent(session, customer, ConsentKind.PUBLISH_QUOTE, given=False)
    with pytest.raises(ValidationFailed):
        publication.approve_quote(session, issue, quote.id, actor_id=None, now=utcnow())
    assert quote.approved_at is None
