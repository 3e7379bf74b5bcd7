"""Invitations: the letter with an expiring link, to one participant or the whole shortlist."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from workbench.customers.models import Customer
from workbench.errors import InvalidTransition, ValidationFailed
from workbench.outbox.services import queue_message
from workbench.studies.letters import Mailing, compose, incentive_text, letter_language, method_text
from workbench.studies.links import issue_token
from workbench.studies.models import ParticipantStatus, Study, StudyParticipant, StudyStatus
from workbench.studies.participant_lifecycle import ParticipantEvent, next_participant_status
from workbench.studies.participants import move_participant
from workbench.studies.recruitment import hard_rule_problem
from workbench.studies.settings import get_recruitment_settings

OPEN_STUDY_STATUSES = (StudyStatus.RECRUITING, StudyStatus.FIELDWORK)


def invite_participant(
    session: Session, participant: StudyParticipant, mailing: Mailing, *, now: datetime
) -> None:
    """Send (or send again) the invitation letter with a fresh link."""
    study = session.get(Study, participant.study_id)
    if study.status not in OPEN_STUDY_STATUSES:
        raise InvalidTransition(
            "Invitations go out only while a study is recruiting or in fieldwork."
        )
    next_participant_status(participant.status, ParticipantEvent.INVITE)
    customer = session.get(Customer, participant.customer_id)
    problem = hard_rule_problem(session, customer)
    if problem:
        raise ValidationFailed(f"{customer.name or 'This customer'} {problem}; not invited.")
    settings = get_recruitment_settings(session)
    valid_until = now + timedelta(days=settings.invitation_valid_days)
    token = issue_token(session, participant, now=now, valid_until=valid_until)
    language = letter_language(customer.language)
    letter = compose(
        "invitation",
        language,
        title=study.title,
        name=customer.name,
        method=method_text(study, language),
        minutes=study.session_minutes,
        incentive=incentive_text(study, language),
        link=mailing.link_for(token),
        expires=valid_until.date().isoformat(),
    )
    queue_message(
        session,
        kind="invitation",
        to_address=customer.email,
        to_name=customer.name,
        language=language,
        customer_id=customer.id,
        subject=letter.subject,
        body_text=letter.body,
        due_at=now,
    )
    move_participant(participant, ParticipantEvent.INVITE, now=now)
    session.add(participant)
    session.flush()


def invite_shortlisted(
    session: Session, study: Study, mailing: Mailing, *, now: datetime
) -> tuple[int, list[str]]:
    """Invite everyone shortlisted; returns how many went out and why any did not."""
    shortlisted = session.exec(
        select(StudyParticipant)
        .where(StudyParticipant.study_id == study.id)
        .where(StudyParticipant.status == ParticipantStatus.SHORTLISTED)
        .order_by(StudyParticipant.rank, StudyParticipant.id)
    ).all()
    sent, skipped = 0, []
    for participant in shortlisted:
        try:
            invite_participant(session, participant, mailing, now=now)
            sent += 1
        except ValidationFailed as error:
            skipped.append(error.message)
    return sent, skipped
