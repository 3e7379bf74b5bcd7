"""Running a session: pseudonyms, task results, observations, no-shows and completion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from workbench.customers.models import Customer
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from workbench.issues.models import SEVERITY_LABELS
from workbench.outbox.services import cancel_pending
from workbench.studies.bookings import active_booking, reminder_key
from workbench.studies.letters import Mailing
from workbench.studies.models import (
    Observation,
    ParticipantStatus,
    SessionSlot,
    SessionStatus,
    Study,
    StudyParticipant,
    StudySession,
    StudyTask,
    TaskOutcome,
    TaskResult,
)

# The observation services live in observations.py; they are part of this module's API too.
from workbench.studies.observations import (
    EDITABLE_STATUSES,
    MAX_NOTE_LENGTH,
    RUNNING_STATUSES,
    check_open,
    check_study,
    delete_observation,
    get_observation,
    log_observation,
    may_publish_quotes,
    normalise_tags,
    split_tags,
    task_of,
    update_observation,
)
from workbench.studies.participant_lifecycle import ParticipantEvent, next_participant_status
from workbench.studies.participants import move_participant
from workbench.studies.waitlist import offer_place_to_waitlist

__all__ = [
    "EDITABLE_STATUSES",
    "MAX_NOTE_LENGTH",
    "MAX_TASK_SECONDS",
    "RUNNING_STATUSES",
    "SessionRow",
    "SessionView",
    "complete_session",
    "delete_observation",
    "get_observation",
    "get_study_session",
    "log_observation",
    "mark_no_show",
    "normalise_tags",
    "record_task_result",
    "session_view",
    "split_tags",
    "start_session",
    "study_sessions",
    "update_observation",
]

SESSION_LIST_STATUSES = (
    ParticipantStatus.ACCEPTED,
    ParticipantStatus.COMPLETED,
    ParticipantStatus.NO_SHOW,
)
MAX_TASK_SECONDS = 24 * 60 * 60
PSEUDONYM_ATTEMPTS = 50


@dataclass(frozen=True)
class TaskRow:
    task: StudyTask
    result: TaskResult | None


@dataclass(frozen=True)
class ObservationRow:
    observation: Observation
    task: StudyTask | None
    severity_label: str


@dataclass(frozen=True)
class SessionView:
    """What the moderator's page shows: a pseudonym, never a name or an e-mail address."""

    study: Study
    study_session: StudySession
    pseudonym: str
    slot: SessionSlot | None
    tasks: list[TaskRow]
    observations: list[ObservationRow]
    may_publish_quotes: bool

    @property
    def current_task(self) -> StudyTask | None:
        """The first task without an outcome: where the participant is now."""
        return next((row.task for row in self.tasks if row.result is None), None)


@dataclass(frozen=True)
class SessionRow:
    """One line of a study's session list; the first name only, so the moderator can greet."""

    participant: StudyParticipant
    first_name: str
    pseudonym: str
    slot: SessionSlot | None
    study_session: StudySession | None


def _study_of(session: Session, study_session: StudySession) -> Study:
    return session.get(Study, study_session.study_id)


def get_study_session(session: Session, session_id: int) -> StudySession:
    """The session with this id, or NotFound."""
    study_session = session.get(StudySession, session_id)
    if study_session is None:
        raise NotFound("No such session.")
    return study_session


def session_of(session: Session, participant: StudyParticipant) -> StudySession | None:
    """The participant's session, if one was started or marked."""
    return session.exec(
        select(StudySession).where(StudySession.participant_id == participant.id)
    ).first()


def _new_session(
    session: Session,
    participant: StudyParticipant,
    *,
    status: SessionStatus,
    moderator_id: int | None,
    now: datetime,
) -> StudySession:
    """Insert a session under the next free pseudonym P1, P2 …; the database settles races."""
    count = len(
        session.exec(
            select(StudySession.id).where(StudySession.study_id == participant.study_id)
        ).all()
    )
    booking = active_booking(session, participant.id)
    for number in range(count + 1, count + 1 + PSEUDONYM_ATTEMPTS):
        study_session = StudySession(
            study_id=participant.study_id,
            participant_id=participant.id,
            slot_id=booking.slot_id if booking else None,
            pseudonym=f"P{number}",
            status=status,
            moderator_id=moderator_id,
            started_at=now,
        )
        try:
            with session.begin_nested():
                session.add(study_session)
        except IntegrityError:
            # Someone else took this pseudonym, or started this very participant a moment ago.
            existing = session_of(session, participant)
            if existing is not None:
                return existing
            continue
        return study_session
    raise Conflict("Could not find a free pseudonym; please try again.")


def start_session(
    session: Session, participant: StudyParticipant, *, moderator_id: int | None, now: datetime
) -> StudySession:
    """Start (or return the already started) session of a participant who said yes."""
    existing = session_of(session, participant)
    if existing is not None:
        if existing.status is SessionStatus.NO_SHOW:
            raise InvalidTransition(f"{existing.pseudonym} was marked as a no-show.")
        return existing
    study = session.get(Study, participant.study_id)
    check_study(study, RUNNING_STATUSES, "started")
    if participant.status is not ParticipantStatus.ACCEPTED:
        raise InvalidTransition(
            f"Only someone who said yes can take part (this person is {participant.status.value})."
        )
    return _new_session(
        session, participant, status=SessionStatus.IN_PROGRESS, moderator_id=moderator_id, now=now
    )


def record_task_result(
    session: Session,
    study_session: StudySession,
    task_id: int,
    *,
    outcome: TaskOutcome,
    seconds: int | None,
    now: datetime,
) -> TaskResult:
    """Set a task's outcome and time on task; a second call replaces the first."""
    study = check_open(session, study_session)
    task_of(session, study, task_id)
    if seconds is not None and not 0 <= seconds <= MAX_TASK_SECONDS:
        raise ValidationFailed("Time on task is a number of seconds from 0 to 86400.")
    query = select(TaskResult).where(
        TaskResult.session_id == study_session.id, TaskResult.task_id == task_id
    )
    result = session.exec(query).first()
    if result is None:
        try:
            with session.begin_nested():
                result = TaskResult(session_id=study_session.id, task_id=task_id, outcome=outcome)
                session.add(result)
        except IntegrityError:  # a double click inserted it a moment ago
            result = session.exec(query).one()
    result.outcome = TaskOutcome(outcome)
    result.seconds = seconds
    result.recorded_at = now
    session.add(result)
    session.flush()
    return result


def _has_records(session: Session, study_session: StudySession) -> bool:
    results = select(TaskResult.id).where(TaskResult.session_id == study_session.id)
    notes = select(Observation.id).where(Observation.session_id == study_session.id)
    return bool(session.exec(results).first() or session.exec(notes).first())


def mark_no_show(
    session: Session, participant: StudyParticipant, mailing: Mailing, *, now: datetime
) -> StudySession:
    """Record that a participant did not come and offer their place to the waitlist."""
    study_session = session_of(session, participant)
    if study_session is not None and study_session.status is SessionStatus.NO_SHOW:
        return study_session
    study = session.get(Study, participant.study_id)
    check_study(study, RUNNING_STATUSES, "marked")
    if study_session is not None and (
        study_session.status is SessionStatus.COMPLETED or _has_records(session, study_session)
    ):
        raise InvalidTransition(f"{study_session.pseudonym} took part; they are not a no-show.")
    next_participant_status(participant.status, ParticipantEvent.NO_SHOW)
    if study_session is None:
        study_session = _new_session(
            session, participant, status=SessionStatus.NO_SHOW, moderator_id=None, now=now
        )
    study_session.status = SessionStatus.NO_SHOW
    study_session.ended_at = now
    move_participant(participant, ParticipantEvent.NO_SHOW, now=now)
    customer = session.get(Customer, participant.customer_id)
    customer.no_show_count += 1
    customer.updated_at = now
    session.add_all([study_session, participant, customer])
    session.flush()
    # The booking stays as history; a reminder not sent yet is withdrawn.
    booking = active_booking(session, participant.id)
    if booking is not None:
        cancel_pending(session, dedupe_key=reminder_key(booking))
    offer_place_to_waitlist(session, study, mailing, now=now)
    return study_session


def complete_session(
    session: Session, study_session: StudySession, *, now: datetime
) -> StudySession:
    """End the session, record the incentive as given and update the customer's history."""
    if study_session.status is SessionStatus.COMPLETED:
        return study_session
    check_open(session, study_session)
    participant = session.get(StudyParticipant, study_session.participant_id)
    move_participant(participant, ParticipantEvent.COMPLETE, now=now)
    study_session.status = SessionStatus.COMPLETED
    study_session.ended_at = now
    study_session.incentive_given_at = now
    customer = session.get(Customer, participant.customer_id)
    customer.last_participated_at = now
    customer.updated_at = now
    session.add_all([study_session, participant, customer])
    session.flush()
    return study_session


def session_view(session: Session, study_session: StudySession) -> SessionView:
    """Everything the moderator's page needs, identified by pseudonym only."""
    study = _study_of(session, study_session)
    tasks = list(
        session.exec(
            select(StudyTask).where(StudyTask.study_id == study.id).order_by(StudyTask.position)
        )
    )
    results = {
        result.task_id: result
        for result in session.exec(
            select(TaskResult).where(TaskResult.session_id == study_session.id)
        )
    }
    by_id = {task.id: task for task in tasks}
    observations = session.exec(
        select(Observation)
        .where(Observation.session_id == study_session.id)
        .order_by(Observation.created_at.desc(), Observation.id.desc())
    )
    return SessionView(
        study=study,
        study_session=study_session,
        pseudonym=study_session.pseudonym,
        slot=session.get(SessionSlot, study_session.slot_id) if study_session.slot_id else None,
        tasks=[TaskRow(task, results.get(task.id)) for task in tasks],
        observations=[
            ObservationRow(o, by_id.get(o.task_id), SEVERITY_LABELS[o.severity])
            for o in observations
        ],
        may_publish_quotes=may_publish_quotes(session, study_session),
    )


def study_sessions(session: Session, study: Study) -> list[SessionRow]:
    """Who takes part, by slot time: pseudonym once started, first name to greet them by."""
    sessions = {
        row.participant_id: row
        for row in session.exec(select(StudySession).where(StudySession.study_id == study.id))
    }
    people = session.exec(
        select(StudyParticipant, Customer.name)
        .join(Customer, Customer.id == StudyParticipant.customer_id)
        .where(StudyParticipant.study_id == study.id)
    ).all()
    rows = []
    for participant, name in people:
        study_session = sessions.get(participant.id)
        if study_session is None and participant.status not in SESSION_LIST_STATUSES:
            continue
        booking = active_booking(session, participant.id)
        slot_id = booking.slot_id if booking else study_session and study_session.slot_id
        rows.append(
            SessionRow(
                participant=participant,
                first_name=(name.split() or ["—"])[0],
                pseudonym=study_session.pseudonym if study_session else "—",
                slot=session.get(SessionSlot, slot_id) if slot_id else None,
                study_session=study_session,
            )
        )
    return sorted(
        rows,
        key=lambda row: (
            row.slot is None,
            row.slot.starts_at if row.slot else row.participant.created_at,
            row.participant.id,
        ),
    )
