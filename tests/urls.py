"""URLs of the app's pages with real objects behind them: one of each kind a URL can name.

The access rules and the smoke test open every staff URL; ``url_of`` fills a rule's arguments
from the ``url_values`` fixture (import both into the test module that uses them).
"""

from __future__ import annotations

import pytest
from flask import url_for
from sqlmodel import select
from werkzeug.routing import Rule

from tests.factories import (
    make_customer,
    make_feedback,
    make_form,
    make_issue,
    make_observation,
    make_participant,
    make_slot,
    make_staff_user,
    make_study,
    make_study_session,
    make_topic_run,
)
from workbench.auth.models import Role
from workbench.auth.services import create_api_token
from workbench.db import get_database
from workbench.outbox.models import MessageStatus, OutboxAttachment
from workbench.outbox.services import Attachment, queue_message
from workbench.studies.models import ParticipantStatus, StudyTask
from workbench.topics.models import Topic


@pytest.fixture
def url_values(app) -> dict[str, int]:
    """One object of each kind that a staff URL can name."""
    with get_database(app).session_scope() as db_session:
        customer = make_customer(db_session, consents={"research": True})
        feedback = make_feedback(db_session, customer_id=customer.id)
        form = make_form(db_session)
        other_user = make_staff_user(db_session, role=Role.VIEWER)
        token, _plain = create_api_token(db_session, "access-test")
        message = queue_message(
            db_session,
            kind="access_test",
            to_address=customer.email,
            subject="Access test",
            body_text="Hej!",
            attachments=[Attachment("invite.ics", "text/calendar", "BEGIN:VCALENDAR")],
        )
        message.status = MessageStatus.FAILED  # a failed message may be sent again
        attachment_id = db_session.exec(select(OutboxAttachment.id)).one()
        study = make_study(db_session)
        participant = make_participant(db_session, study, customer)
        slot = make_slot(db_session, study)
        ran = make_participant(db_session, study, status=ParticipantStatus.ACCEPTED)
        study_session = make_study_session(db_session, study, ran)
        observation = make_observation(db_session, study_session)
        task = db_session.exec(select(StudyTask).where(StudyTask.study_id == study.id)).first()
        issue = make_issue(db_session)
        topic = Topic()
        db_session.add(topic)
        db_session.flush()
        run, _ = make_topic_run(db_session, current=False)
        return {
            "customer_id": customer.id,
            "feedback_id": feedback.id,
            "form_id": form.id,
            "user_id": other_user.id,
            "token_id": token.id,
            "message_id": message.id,
            "attachment_id": attachment_id,
            "study_id": study.id,
            "participant_id": participant.id,
            "slot_id": slot.id,
            "session_id": study_session.id,
            "observation_id": observation.id,
            "task_id": task.id,
            "issue_id": issue.id,
            "topic_id": topic.id,
            "run_id": run.id,
        }


def url_of(app, rule: Rule, url_values: dict[str, int]) -> str:
    missing = rule.arguments - url_values.keys()
    assert not missing, f"add an object for {missing} to the url_values fixture"
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: url_values[name] for name in rule.arguments})
