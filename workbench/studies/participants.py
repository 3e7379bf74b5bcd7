"""A customer's place in a study: found by id, and the one place its status is written."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from workbench.errors import NotFound
from workbench.studies.models import ParticipantStatus, StudyParticipant
from workbench.studies.participant_lifecycle import ParticipantEvent, next_participant_status

#: Events that are the participant's answer: when they answered is kept.
ANSWERS = (
    ParticipantEvent.ACCEPT,
    ParticipantEvent.DECLINE,
    ParticipantEvent.CANCEL,
    ParticipantEvent.WITHDRAW,
)


def study_participant(session: Session, study_id: int, participant_id: int) -> StudyParticipant:
    """A participant of this study, or NotFound (also for another study's participant)."""
    participant = session.get(StudyParticipant, participant_id)
    if participant is None or participant.study_id != study_id:
        raise NotFound("No such participant in this study.")
    return participant


def new_participant(
    study_id: int, customer_id: int, event: ParticipantEvent, *, now: datetime
) -> StudyParticipant:
    """A customer put on a study's list (shortlisted or waitlisted); not added to the session."""
    status = next_participant_status(None, event)
    return StudyParticipant(
        study_id=study_id, customer_id=customer_id, status=status, created_at=now
    )


def move_participant(
    participant: StudyParticipant, event: ParticipantEvent, *, now: datetime
) -> ParticipantStatus:
    """Apply ``event`` (or raise InvalidTransition, changing nothing) and note when it happened:
    the invitation time on INVITE, the answer time on an answer; a booking keeps an earlier one."""
    status = next_participant_status(participant.status, event)
    participant.status = status
    if event is ParticipantEvent.INVITE:
        participant.invited_at = now
    elif event in ANSWERS:
        participant.responded_at = now
    elif event is ParticipantEvent.BOOK:
        participant.responded_at = participant.responded_at or now
    return status
