"""Observations logged while a participant works: notes, severity, tags and quotes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from workbench.customers.models import ConsentKind
from workbench.customers.services import current_consents
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from workbench.issues.models import SEVERITY_LABELS
from workbench.studies.models import (
    Observation,
    SessionStatus,
    Study,
    StudyParticipant,
    StudySession,
    StudyStatus,
    StudyTask,
)

# Sessions are run while people are still being recruited (early bookings) and in fieldwork.
RUNNING_STATUSES = (StudyStatus.RECRUITING, StudyStatus.FIELDWORK)
# Notes may still be tidied up in analysis; a closed study is final.
EDITABLE_STATUSES = (*RUNNING_STATUSES, StudyStatus.ANALYSIS)
MAX_TAGS = 10
MAX_TAG_LENGTH = 40
MAX_NOTE_LENGTH = 5000


def check_study(study: Study, allowed: Sequence[StudyStatus], doing: str) -> None:
    """Refuse unless the study is in one of ``allowed``."""
    if study.status not in allowed:
        raise InvalidTransition(
            f"Sessions cannot be {doing} while the study is {study.status.value}."
        )


def check_open(session: Session, study_session: StudySession) -> Study:
    """The session's study, when its records may still change."""
    study = session.get(Study, study_session.study_id)
    check_study(study, EDITABLE_STATUSES, "changed")
    if study_session.status is SessionStatus.NO_SHOW:
        raise InvalidTransition(f"{study_session.pseudonym} did not come; nothing to record.")
    return study


def task_of(session: Session, study: Study, task_id: int | None) -> StudyTask | None:
    """The task with this id when it belongs to ``study``."""
    if task_id is None:
        return None
    task = session.get(StudyTask, task_id)
    if task is None or task.study_id != study.id:
        raise ValidationFailed("That task is not part of this study.")
    return task


def split_tags(text: str) -> list[str]:
    """Tags typed as ``nav, search`` as a list (normalised later)."""
    return [piece for piece in text.split(",") if piece.strip()]


def normalise_tags(tags: Sequence[str]) -> list[str]:
    """Lower-case, stripped, single-spaced, without duplicates, at most MAX_TAGS."""
    cleaned = list(dict.fromkeys(" ".join(tag.split()).lower() for tag in tags if tag.strip()))
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed(f"At most {MAX_TAGS} tags per observation.")
    if any(len(tag) > MAX_TAG_LENGTH for tag in cleaned):
        raise ValidationFailed(f"A tag is at most {MAX_TAG_LENGTH} characters.")
    return cleaned


def may_publish_quotes(session: Session, study_session: StudySession) -> bool:
    """Whether the participant's publish-quote consent is in force right now."""
    participant = session.get(StudyParticipant, study_session.participant_id)
    consents = current_consents(session, [participant.customer_id])[participant.customer_id]
    record = consents.get(ConsentKind.PUBLISH_QUOTE)
    return record is not None and record.given


def _validated(
    session: Session,
    study_session: StudySession,
    study: Study,
    *,
    note: str,
    severity: int,
    task_id: int | None,
    tags: Sequence[str],
    is_quote: bool,
    publishable: bool,
) -> dict:
    note = note.strip()
    if not note:
        raise ValidationFailed("Write what you observed.")
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(f"A note is at most {MAX_NOTE_LENGTH} characters.")
    if severity not in SEVERITY_LABELS:
        raise ValidationFailed("Severity is 0 (not a problem) to 4 (catastrophe).")
    task_of(session, study, task_id)
    if publishable and not is_quote:
        raise ValidationFailed("Only a quote can be marked publishable.")
    if publishable and not may_publish_quotes(session, study_session):
        raise ValidationFailed(
            "This participant has not consented to having quotes published, so the quote "
            "stays internal."
        )
    return {
        "note": note,
        "severity": severity,
        "task_id": task_id,
        "tags": normalise_tags(tags),
        "is_quote": is_quote,
        "publishable": publishable,
    }


def log_observation(
    session: Session,
    study_session: StudySession,
    *,
    note: str,
    severity: int,
    task_id: int | None = None,
    tags: Sequence[str] = (),
    is_quote: bool = False,
    publishable: bool = False,
    actor_id: int | None,
    now: datetime,
) -> Observation:
    """Log what the participant struggled with or said, with Nielsen's severity (0-4)."""
    study = check_open(session, study_session)
    values = _validated(
        session,
        study_session,
        study,
        note=note,
        severity=severity,
        task_id=task_id,
        tags=tags,
        is_quote=is_quote,
        publishable=publishable,
    )
    observation = Observation(
        session_id=study_session.id, created_by_id=actor_id, created_at=now, **values
    )
    session.add(observation)
    session.flush()
    return observation


def get_observation(
    session: Session, study_session: StudySession, observation_id: int
) -> Observation:
    """An observation of this session, or NotFound."""
    observation = session.get(Observation, observation_id)
    if observation is None or observation.session_id != study_session.id:
        raise NotFound("No such observation in this session.")
    return observation


def update_observation(
    session: Session,
    observation: Observation,
    *,
    note: str,
    severity: int,
    task_id: int | None = None,
    tags: Sequence[str] = (),
    is_quote: bool = False,
    publishable: bool = False,
) -> Observation:
    """Correct an observation (also when linked to an issue: fixing a typo must stay possible)."""
    study_session = session.get(StudySession, observation.session_id)
    study = check_open(session, study_session)
    values = _validated(
        session,
        study_session,
        study,
        note=note,
        severity=severity,
        task_id=task_id,
        tags=tags,
        is_quote=is_quote,
        publishable=publishable,
    )
    for name, value in values.items():
        setattr(observation, name, value)
    session.add(observation)
    session.flush()
    return observation


def delete_observation(session: Session, observation: Observation) -> None:
    """Delete an observation logged by mistake; refused once an issue cites it."""
    study_session = session.get(StudySession, observation.session_id)
    check_open(session, study_session)
    if observation.issue_id is not None:
        raise Conflict(
            f"This observation is evidence for issue #{observation.issue_id}; "
            "detach it from the issue first."
        )
    session.delete(observation)
    session.flush()
