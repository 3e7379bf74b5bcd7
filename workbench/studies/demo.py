"""A finished demo study: six sessions run, observations logged and pooled into issues.

Built through the same services the pages use, so the demo's report is what a real study's
report would be. The figures it gives are worked out by hand in the README and checked by a test.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from workbench.customers.models import Customer
from workbench.issues.models import IssueKind
from workbench.issues.services import create_issue, link_observation
from workbench.studies import services as study_services
from workbench.studies.letters import Mailing
from workbench.studies.models import (
    Booking,
    IncentiveKind,
    SessionSlot,
    Study,
    StudyMethod,
    StudyParticipant,
    StudyStatus,
    TaskOutcome,
)
from workbench.studies.observations import log_observation
from workbench.studies.participant_lifecycle import ParticipantEvent
from workbench.studies.participants import move_participant, new_participant
from workbench.studies.sessions import (
    complete_session,
    mark_no_show,
    record_task_result,
    start_session,
)

FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "study.json"
# Letters about a demo no-show go nowhere: the link is never followed.
DEMO_MAILING = Mailing(link_for=lambda token: f"/p/{token}", sender_email="research@example.com")


def load_demo_study(session: Session, *, now: datetime, actor_id: int | None = None) -> int:
    """Create the demo study unless it exists; returns how many studies were created (0 or 1)."""
    spec = json.loads(FIXTURE.read_text(encoding="utf-8"))
    if session.exec(select(Study).where(Study.title == spec["title"])).first() is not None:
        return 0
    plan = study_services.StudyPlan(
        title=spec["title"],
        research_goal=spec["research_goal"],
        method=StudyMethod(spec["method"]),
        meeting_link=spec["meeting_link"],
        target_participants=spec["target_participants"],
        session_minutes=spec["session_minutes"],
        incentive_kind=IncentiveKind(spec["incentive_kind"]),
        incentive_value=spec["incentive_value"],
        tasks=tuple(
            study_services.TaskPlan(task["description"], task["success_criterion"])
            for task in spec["tasks"]
        ),
    )
    started = now - timedelta(days=21)
    study = study_services.create_study(session, plan, created_by_id=actor_id, now=started)
    study.screener = spec["screener"]
    study_services.change_status(session, study, StudyStatus.RECRUITING, now=started)
    study_services.change_status(session, study, StudyStatus.FIELDWORK, now=started)
    tasks = study_services.study_tasks(session, study)
    issues = {
        item["key"]: create_issue(
            session,
            title=item["title"],
            kind=IssueKind(item["kind"]),
            severity=item["severity"],
            actor_id=actor_id,
            now=started,
        )
        for item in spec["issues"]
    }
    for entry in spec["sessions"]:
        when = now - timedelta(days=entry["days_ago"])
        participant = _booked_participant(session, study, entry, started, when)
        study_session = start_session(session, participant, moderator_id=actor_id, now=when)
        for task, outcome, seconds in zip(tasks, entry["outcomes"], entry["seconds"], strict=True):
            record_task_result(
                session,
                study_session,
                task.id,
                outcome=TaskOutcome(outcome),
                seconds=seconds,
                now=when,
            )
        for item in entry["observations"]:
            observation = log_observation(
                session,
                study_session,
                note=item["note"],
                severity=item["severity"],
                task_id=tasks[item["task"] - 1].id,
                is_quote=item.get("quote", False),
                publishable=item.get("publishable", False),
                actor_id=actor_id,
                now=when,
            )
            if "issue" in item:
                link_observation(
                    session, issues[item["issue"]], observation, actor_id=actor_id, now=when
                )
        complete_session(session, study_session, now=when + timedelta(minutes=45))
    for entry in spec["no_shows"]:
        when = now - timedelta(days=entry["days_ago"])
        participant = _booked_participant(session, study, entry, started, when)
        mark_no_show(session, participant, DEMO_MAILING, now=when + timedelta(minutes=15))
    study_services.change_status(session, study, StudyStatus.ANALYSIS, now=now)
    session.flush()
    return 1


def _booked_participant(
    session: Session, study: Study, entry: dict, invited: datetime, when: datetime
) -> StudyParticipant:
    """A customer who said yes and booked a slot at ``when`` (in the past, so made directly)."""
    customer = session.exec(
        select(Customer).where(Customer.external_ref == entry["customer_ref"])
    ).one()
    participant = new_participant(study.id, customer.id, ParticipantEvent.SHORTLIST, now=invited)
    participant.reason = "Demo participant"
    move_participant(participant, ParticipantEvent.INVITE, now=invited)
    move_participant(participant, ParticipantEvent.ACCEPT, now=invited + timedelta(days=1))
    session.add(participant)
    session.flush()
    slot = SessionSlot(
        study_id=study.id,
        starts_at=when,
        duration_minutes=study.session_minutes,
        meeting_link=study.meeting_link,
        created_at=invited,
    )
    session.add(slot)
    session.flush()
    session.add(Booking(slot_id=slot.id, participant_id=participant.id, booked_at=invited))
    session.flush()
    return participant
