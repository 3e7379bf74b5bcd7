"""Factories for tests: ``make_x(session, **overrides)`` builds and flushes one object."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from workbench.auth.models import Role, StaffUser
from workbench.auth.services import hash_password
from workbench.customers.models import ConsentKind, ConsentRecord, ConsentSource, Customer
from workbench.db import utcnow
from workbench.feedback.intake import rating_polarity
from workbench.feedback.models import Channel, Feedback, FeedbackForm, JourneyStage
from workbench.issues.models import Issue, IssueKind
from workbench.jobs.models import Job, JobStatus
from workbench.studies.models import (
    IncentiveKind,
    Observation,
    ParticipantStatus,
    SessionSlot,
    Study,
    StudyParticipant,
    StudySession,
    StudyStatus,
    StudyTask,
)
from workbench.topics.models import FeedbackTopic, Topic, TopicRun, TopicVersion

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)
_password_hash: str | None = None


def _next() -> int:
    return next(_sequence)


def make_staff_user(session: Session, **overrides: Any) -> StaffUser:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once
    number = _next()
    values = {
        "email": f"staff{number}@test.example",
        "name": f"Staff {number}",
        "role": Role.VIEWER,
        "password_hash": _password_hash,
    }
    values.update(overrides)
    user = StaffUser(**values)
    session.add(user)
    session.flush()
    return user


def make_customer(session: Session, **overrides: Any) -> Customer:
    number = _next()
    now = utcnow()
    values = {
        "external_ref": f"T{number:05d}",
        "name": f"Kund {number}",
        "email": f"kund{number}@example.se",
        "phone": f"070-000 {number:04d}",
        "segment": "private",
        "language": "sv",
        "first_purchase_at": now - timedelta(days=800),
        "last_purchase_at": now - timedelta(days=20),
        "orders_count": 8,
        "total_spend": Decimal("4200.00"),
    }
    consents = overrides.pop("consents", {})
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    for kind, given in consents.items():
        make_consent(session, customer, ConsentKind(kind), given=given)
    return customer


def make_consent(
    session: Session, customer: Customer, kind: ConsentKind, given: bool = True, **overrides: Any
) -> ConsentRecord:
    values = {
        "customer_id": customer.id,
        "kind": kind,
        "given": given,
        "wording_version": "test-v1",
        "source": ConsentSource.STAFF,
    }
    values.update(overrides)
    record = ConsentRecord(**values)
    session.add(record)
    session.flush()
    return record


def make_form(session: Session, **overrides: Any) -> FeedbackForm:
    number = _next()
    values = {
        "slug": f"form-{number}",
        "title": f"Tyck till {number}",
        "intro": "Berätta vad du tycker.",
        "language": "sv",
        "journey_stage": JourneyStage.AFTER_PURCHASE,
        "ask_rating": True,
        "attribute_questions": ["Leverans", "Pris"],
    }
    values.update(overrides)
    form = FeedbackForm(**values)
    session.add(form)
    session.flush()
    return form


def make_feedback(session: Session, **overrides: Any) -> Feedback:
    number = _next()
    values = {
        "channel": Channel.IMPORT,
        "source": "test",
        "external_id": f"fb-{number}",
        "text": f"Leveransen var sen, paket {number} kom efter en vecka.",
        "language": "sv",
        "rating": 2,
    }
    values.update(overrides)
    # As intake does: a rated item's polarity comes from its rating unless a test sets one.
    for name, value in rating_polarity(values.get("rating")).items():
        values.setdefault(name, value)
    feedback = Feedback(**values)
    session.add(feedback)
    session.flush()
    return feedback


def make_tiered_customers(session: Session) -> dict[str, Customer]:
    """Four customers, one per loyalty tier (keyed by tier), with different segments, languages
    and consents; the champion gave research consent and then withdrew it."""
    now = utcnow()
    customers = {
        "new": make_customer(
            session,
            name="Nora Ny",
            email="nora@example.se",
            external_ref="NEW-001",
            phone="070-111 11 11",
            segment="private",
            language="sv",
            first_purchase_at=now - timedelta(days=10),
            last_purchase_at=now - timedelta(days=10),
            orders_count=1,
        ),
        "regular": make_customer(
            session,
            name="Rolf Regular",
            email="rolf@example.com",
            external_ref="REG-002",
            segment="business",
            language="en",
            first_purchase_at=now - timedelta(days=1200),
            last_purchase_at=None,
            orders_count=0,
            consents={"research": True},
        ),
        "loyal": make_customer(
            session,
            name="Lisa Lojal",
            email="lisa@example.se",
            external_ref="LOY-003",
            segment="business",
            language="sv",
            first_purchase_at=now - timedelta(days=1200),
            last_purchase_at=now,
            orders_count=0,
            consents={"contact": True},
        ),
        "champion": make_customer(
            session,
            name="Carl Champion",
            email="carl@example.com",
            external_ref="CHA-004",
            segment="private",
            language="en",
            first_purchase_at=now - timedelta(days=1200),
            last_purchase_at=now,
            orders_count=30,
        ),
    }
    # Carl gave research consent and then withdrew it.
    make_consent(
        session, customers["champion"], ConsentKind.RESEARCH, recorded_at=now - timedelta(days=2)
    )
    make_consent(
        session,
        customers["champion"],
        ConsentKind.RESEARCH,
        given=False,
        recorded_at=now - timedelta(days=1),
    )
    return customers


def make_study(session: Session, **overrides: Any) -> Study:
    """A recruiting study with two tasks unless told otherwise."""
    number = _next()
    tasks = overrides.pop("tasks", ["Find the opening hours", "Change your delivery address"])
    values = {
        "title": f"Study {number}",
        "research_goal": "Learn where people get stuck.",
        "status": StudyStatus.RECRUITING,
        "incentive_kind": IncentiveKind.VOUCHER,
        "incentive_value": 300,
    }
    values.update(overrides)
    study = Study(**values)
    session.add(study)
    session.flush()
    for position, description in enumerate(tasks, start=1):
        session.add(
            StudyTask(
                study_id=study.id,
                position=position,
                description=description,
                success_criterion="Done without help",
            )
        )
    session.flush()
    return study


def make_participant(
    session: Session, study: Study, customer: Customer | None = None, **overrides: Any
) -> StudyParticipant:
    if customer is None:
        customer = make_customer(session, consents={"research": True})
    values = {
        "study_id": study.id,
        "customer_id": customer.id,
        "status": ParticipantStatus.SHORTLISTED,
    }
    values.update(overrides)
    participant = StudyParticipant(**values)
    session.add(participant)
    session.flush()
    return participant


def make_slot(session: Session, study: Study, **overrides: Any) -> SessionSlot:
    values = {
        "study_id": study.id,
        "starts_at": utcnow().replace(microsecond=0) + timedelta(days=7, hours=_next() % 24),
        "duration_minutes": 60,
        "location": "Storgatan 1, Stockholm",
    }
    values.update(overrides)
    slot = SessionSlot(**values)
    session.add(slot)
    session.flush()
    return slot


def make_study_session(
    session: Session, study: Study, participant: StudyParticipant | None = None, **overrides: Any
) -> StudySession:
    """A session for a participant (made if not given), numbered P1, P2 … within the study."""
    if participant is None:
        participant = make_participant(session, study, status=ParticipantStatus.ACCEPTED)
    taken = session.exec(select(StudySession).where(StudySession.study_id == study.id)).all()
    values = {
        "study_id": study.id,
        "participant_id": participant.id,
        "pseudonym": f"P{len(taken) + 1}",
    }
    values.update(overrides)
    study_session = StudySession(**values)
    session.add(study_session)
    session.flush()
    return study_session


def make_observation(
    session: Session, study_session: StudySession, **overrides: Any
) -> Observation:
    values = {"session_id": study_session.id, "note": "Could not find the button", "severity": 3}
    values.update(overrides)
    observation = Observation(**values)
    session.add(observation)
    session.flush()
    return observation


def make_issue(session: Session, **overrides: Any) -> Issue:
    values = {"title": f"Issue {_next()}", "kind": IssueKind.USABILITY, "severity": 3}
    values.update(overrides)
    issue = Issue(**values)
    session.add(issue)
    session.flush()
    return issue


def _shared_polarity(items: list[Feedback]) -> str:
    found = Counter(item.polarity.value for item in items if item.polarity is not None)
    return found.most_common(1)[0][0] if found else ""


def make_topic_run(
    session: Session,
    assignments: dict[str, list[Feedback]] | None = None,
    *,
    current: bool = True,
    topics: dict[str, Topic] | None = None,
    **overrides: Any,
) -> tuple[TopicRun, dict[str, Topic]]:
    """A finished run with its job; ``assignments`` maps a label to its feedback (a new topic
    per label, unless ``topics`` gives the identity to reuse). ``status`` and ``finished_at``
    go to the job (a run reads them from it). Returns the run and the topics by label."""
    if current:
        for earlier in session.exec(select(TopicRun).where(TopicRun.is_current.is_(True))):
            earlier.is_current = False
            session.add(earlier)
    status = overrides.pop("status", JobStatus.SUCCEEDED)
    finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
    finished_at = overrides.pop("finished_at", utcnow() if finished else None)
    progress = 1.0 if status is JobStatus.SUCCEEDED else 0.0
    job = Job(kind="topic_run", status=status, progress=progress, finished_at=finished_at)
    run = TopicRun(job=job, is_current=current, **overrides)
    session.add(run)
    session.flush()
    topics = dict(topics or {})
    for number, (label, items) in enumerate((assignments or {}).items()):
        topic = topics.get(label)
        if topic is None:
            topic = Topic()
            session.add(topic)
            session.flush()
            topics[label] = topic
        session.add(
            TopicVersion(
                run_id=run.id,
                topic_id=topic.id,
                engine_topic=number,
                label=label,
                keywords=[[word, 1.0] for word in label.split()[:3]],
                size=len(items),
                # As a run does: the polarity the topic's items share (most of them, here).
                polarity=_shared_polarity(items),
                representative_feedback_ids=[item.id for item in items[:3]],
            )
        )
        for item in items:
            session.add(FeedbackTopic(run_id=run.id, feedback_id=item.id, topic_id=topic.id))
    session.flush()
    return run, topics
