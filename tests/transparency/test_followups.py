"""Follow-ups: when a published issue is done, consenting customers hear what we did, once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.factories import make_consent, make_customer, make_feedback, make_issue
from tests.transparency.conftest import link, publish
from workbench.customers.models import ConsentKind
from workbench.db import utcnow
from workbench.issues.models import IssueStatus
from workbench.issues.services import change_issue_status
from workbench.outbox.models import OutboxMessage
from workbench.transparency import followups

ANSWER = "Vi har bytt transportör och levererar nu inom två dagar."


def messages(session):
    return session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def done_issue(session, **overrides):
    issue = make_issue(session, status=IssueStatus.DONE, **overrides)
    return publish(session, issue, title="Sena leveranser", answer=ANSWER)


def contactable(session, **overrides):
    return make_customer(session, consents={"contact": True}, **overrides)


def test_each_consenting_customer_gets_one_letter_in_their_language(session):
    issue = done_issue(session)
    swede = contactable(session, name="Sara Berg", language="sv")
    english = contactable(session, name="John Smith", language="en")
    link(
        session,
        issue,
        make_feedback(session, customer_id=swede.id, text="Paketet kom efter två veckor."),
        make_feedback(session, customer_id=swede.id, text="Och igen, sent."),
        make_feedback(session, customer_id=english.id, text="My parcel was late.", language="en"),
    )
    assert followups.queue_followups(session, issue, now=utcnow()) == 2
    sv, en = messages(session)
    assert (sv.kind, sv.customer_id, sv.language, sv.to_address) == (
        "follow_up",
        swede.id,
        "sv",
        swede.email,
    )
    assert sv.dedupe_key == f"follow-up:issue:{issue.id}:customer:{swede.id}"
    assert sv.subject == "Du sa, vi gjorde: Sena leveranser"
    assert "Och igen, sent." in sv.body_text and ANSWER in sv.body_text  # their newest words
    assert en.language == "en" and en.subject == "You said, we did: Sena leveranser"
    assert "My parcel was late." in en.body_text and ANSWER in en.body_text


def test_nobody_gets_the_same_follow_up_twice(session):
    issue = done_issue(session)
    customer = contactable(session)
    link(session, issue, make_feedback(session, customer_id=customer.id))
    assert followups.queue_followups(session, issue, now=utcnow()) == 1
    assert followups.queue_followups(session, issue, now=utcnow()) == 0
    # Reopened and done again: still one letter.
    change_issue_status(session, issue, IssueStatus.TRIAGED, actor_id=None, now=utcnow())
    change_issue_status(session, issue, IssueStatus.IN_PROGRESS, actor_id=None, now=utcnow())
    change_issue_status(session, issue, IssueStatus.DONE, actor_id=None, now=utcnow())
    assert followups.on_issue_status_changed(session, issue, now=utcnow()) == 0
    assert len(messages(session)) == 1


def test_customers_without_contact_consent_get_none(session):
    issue = done_issue(session)
    withdrew = contactable(session)
    make_consent(session, withdrew, ConsentKind.CONTACT, given=False)
    never_asked = make_customer(session)
    research_only = make_customer(session, consents={"research": True})
    do_not_contact = contactable(session, do_not_contact=True)
    no_email = contactable(session, email=None)
    future = make_customer(session)
    make_consent(session, future, ConsentKind.CONTACT, recorded_at=utcnow() + timedelta(days=1))
    for customer in (withdrew, never_asked, research_only, do_not_contact, no_email, future):
        link(session, issue, make_feedback(session, customer_id=customer.id))
    link(session, issue, make_feedback(session))  # anonymous: nobody to write to
    assert followups.queue_followups(session, issue, now=utcnow()) == 0
    assert messages(session) == []


def test_erased_feedback_is_no_reason_to_write(session):
    issue = done_issue(session)
    customer = contactable(session)
    link(session, issue, make_feedback(session, customer_id=customer.id, erased=True))
    assert followups.queue_followups(session, issue, now=utcnow()) == 0


def test_only_published_done_issues_follow_up(session):
    customer = contactable(session)
    unpublished = make_issue(session, status=IssueStatus.DONE)
    in_progress = publish(session, make_issue(session, status=IssueStatus.IN_PROGRESS))
    for issue in (unpublished, in_progress):
        link(session, issue, make_feedback(session, customer_id=customer.id))
        assert followups.queue_followups(session, issue, now=utcnow()) == 0
        assert followups.on_issue_status_changed(session, issue, now=utcnow()) == 0
    assert messages(session) == []


def test_the_hook_follows_up_when_a_published_issue_is_marked_done(session):
    issue = publish(session, make_issue(session, status=IssueStatus.IN_PROGRESS))
    customer = contactable(session)
    link(session, issue, make_feedback(session, customer_id=customer.id))
    now = utcnow() + timedelta(minutes=1)
    change_issue_status(session, issue, IssueStatus.DONE, actor_id=None, now=now)
    followups.on_issue_status_changed(session, issue, now=now)  # a no-op once services calls it
    assert [m.customer_id for m in messages(session)] == [customer.id]
    assert issue.public_updated_at == now  # the public status changed


def test_the_excerpt_is_short_and_redacted(session):
    issue = done_issue(session)
    customer = contactable(session, name="Olle Nilsson", language="sv")
    text = "Jag heter Olle Nilsson, ring 070-765 43 21. " + "Leveransen var sen. " * 30
    link(session, issue, make_feedback(session, customer_id=customer.id, text=text))
    followups.queue_followups(session, issue, now=utcnow())
    (message,) = messages(session)
    assert "070-765 43 21" not in message.body_text and "[phone]" in message.body_text
    assert "Nilsson" not in message.body_text
    assert message.body_text.startswith("Hej Olle!")
    quoted = message.body_text.split("”")[1]
    assert len(quoted) <= followups.EXCERPT_LENGTH + 1 and quoted.endswith("…")


def test_letters_in_both_languages_say_what_they_told_us_and_what_we_did():
    for language in ("sv", "en"):
        subject, body = followups.compose_follow_up(
            language, name="", title="Titel", excerpt_text="Utdrag", answer="Svar"
        )
        assert "Titel" in subject and "Utdrag" in body and "Svar" in body
