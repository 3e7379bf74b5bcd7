"""Invitations: hashed expiring links, the participant's answers and consent withdrawal."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.auth.services import hash_token
from workbench.customers.models import ConsentKind, ConsentSource, Customer
from workbench.customers.services import record_consent
from workbench.errors import Conflict, InvalidTransition, NotFound, ValidationFailed, WorkbenchError
from workbench.outbox.models import MessageStatus, OutboxMessage
from workbench.outbox.services import queue_message
from workbench.studies.messages import compose, incentive_text, letter_language, method_text
from workbench.studies.models import (
    InvitationToken,
    ParticipantStatus,
    Study,
    StudyParticipant,
    StudyStatus,
)
from workbench.studies.recruitment import (
    HOLDING_PLACE,
    hard_rule_problem,
    promote_from_waitlist,
    shortlist_size,
)
from workbench.studies.settings import get_recruitment_settings

# 32 random bytes: 256 bits, far beyond guessing, and URL-safe in 43 characters.
TOKEN_BYTES = 32
OPEN_STUDY_STATUSES = (StudyStatus.RECRUITING, StudyStatus.FIELDWORK)
INVITABLE = (ParticipantStatus.SHORTLISTED, ParticipantStatus.WAITLISTED, ParticipantStatus.INVITED)
# People who said no or left keep their link only to see that they are off the list.
OPEN_PLACES = (
    ParticipantStatus.SHORTLISTED,
    ParticipantStatus.WAITLISTED,
    ParticipantStatus.INVITED,
    ParticipantStatus.ACCEPTED,
)
ANSWERABLE = (
    ParticipantStatus.INVITED,
    ParticipantStatus.ACCEPTED,
    ParticipantStatus.DECLINED,
    ParticipantStatus.CANCELLED,
)


logger = logging.getLogger(__name__)


class PlaceTaken(Conflict):
    """Accepting again after declining, when the place has gone to someone else."""


class InvitationUnavailable(NotFound):
    """The link is unknown, expired or no longer usable; the page must not say which."""


@dataclass(frozen=True)
class Mailing:
    """How outgoing letters are addressed: links back to the participant page and the sender."""

    link_for: Callable[[str], str]
    sender_email: str
    sender_name: str = "Workbench"
    calendar_domain: str = "workbench.local"


@dataclass(frozen=True)
class Invitation:
    """A participant opened through their link, with what the page shows."""

    participant: StudyParticipant
    study: Study
    customer: Customer
    token: InvitationToken


def issue_token(
    session: Session, participant: StudyParticipant, *, now: datetime, valid_until: datetime
) -> str:
    """A new link token for one letter; only its hash is stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        InvitationToken(
            participant_id=participant.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=valid_until,
        )
    )
    session.flush()
    return token


def revoke_tokens(session: Session, participant: StudyParticipant, *, now: datetime) -> None:
    session.execute(
        sa.update(InvitationToken)
        .where(InvitationToken.participant_id == participant.id)
        .where(InvitationToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def open_invitation(session: Session, token: str, *, now: datetime) -> Invitation:
    """The invitation behind a link, or InvitationUnavailable for any reason it cannot be used."""
    if not token or len(token) > 200:
        raise InvitationUnavailable("This link does not work.")
    record = session.exec(
        select(InvitationToken).where(InvitationToken.token_hash == hash_token(token))
    ).first()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise InvitationUnavailable("This link does not work.")
    participant = session.get(StudyParticipant, record.participant_id)
    study = session.get(Study, participant.study_id)
    if participant.status not in ANSWERABLE or study.status not in OPEN_STUDY_STATUSES:
        raise InvitationUnavailable("This link does not work.")
    customer = session.get(Customer, participant.customer_id)
    return Invitation(participant=participant, study=study, customer=customer, token=record)


def invite_participant(
    session: Session, participant: StudyParticipant, mailing: Mailing, *, now: datetime
) -> None:
    """Send (or send again) the invitation letter with a fresh link."""
    study = session.get(Study, participant.study_id)
    if study.status not in OPEN_STUDY_STATUSES:
        raise InvalidTransition(
            "Invitations go out only while a study is recruiting or in fieldwork."
        )
    if participant.status not in INVITABLE:
        raise InvalidTransition(
            f"A participant who is {participant.status.value} cannot be invited."
        )
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
    participant.status = ParticipantStatus.INVITED
    participant.invited_at = now
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


def lock_study(session: Session, study: Study) -> None:
    """Serialise changes to a study's places (a row lock on PostgreSQL; SQLite writes one at a
    time anyway), so two answers at once cannot both take the last place."""
    session.exec(select(Study.id).where(Study.id == study.id).with_for_update()).first()


def free_places(session: Session, study: Study) -> int:
    """Places (the target times the over-recruitment factor) nobody holds now."""
    holding = session.exec(
        select(sa.func.count())
        .select_from(StudyParticipant)
        .where(StudyParticipant.study_id == study.id)
        .where(StudyParticipant.status.in_(HOLDING_PLACE))
    ).one()
    return shortlist_size(study) - holding


def accept_invitation(session: Session, invitation: Invitation, *, now: datetime) -> None:
    """The participant says yes (again, after declining, is fine while the study is open)."""
    participant = invitation.participant
    if participant.status is ParticipantStatus.ACCEPTED:
        return
    if participant.status not in (ParticipantStatus.INVITED, ParticipantStatus.SHORTLISTED):
        # Back after declining or cancelling: only into a place nobody else holds now.
        lock_study(session, invitation.study)
        if free_places(session, invitation.study) <= 0:
            raise PlaceTaken("Every place in this study is taken now.")
    participant.status = ParticipantStatus.ACCEPTED
    participant.responded_at = now
    session.add(participant)
    session.flush()


def decline_invitation(
    session: Session, invitation: Invitation, mailing: Mailing, *, now: datetime
) -> None:
    """The participant says no; their place goes to the waitlist."""
    from workbench.studies.scheduling import cancel_booking

    participant = invitation.participant
    if participant.status is ParticipantStatus.DECLINED:
        return
    cancel_booking(session, invitation, mailing, now=now, offer_place=False)
    participant.status = ParticipantStatus.DECLINED
    participant.responded_at = now
    session.add(participant)
    session.flush()
    offer_place_to_waitlist(session, invitation.study, mailing, now=now)


def withdraw_research_consent(
    session: Session,
    invitation: Invitation,
    mailing: Mailing,
    *,
    now: datetime,
    wording_version: str,
) -> None:
    """One click: consent withdrawn in the register, any booking cancelled, the link closed."""
    from workbench.studies.scheduling import cancel_booking

    participant = invitation.participant
    cancel_booking(session, invitation, mailing, now=now, offer_place=False)
    record_consent(
        session,
        invitation.customer,
        ConsentKind.RESEARCH,
        given=False,
        wording_version=wording_version,
        source=ConsentSource.PARTICIPANT,
        recorded_at=now,
    )
    participant.status = ParticipantStatus.WITHDRAWN
    participant.responded_at = now
    session.add(participant)
    revoke_tokens(session, participant, now=now)
    session.flush()
    offer_place_to_waitlist(session, invitation.study, mailing, now=now)
    _withdraw_everywhere_else(session, invitation, mailing, now=now)


def _withdraw_everywhere_else(
    session: Session, invitation: Invitation, mailing: Mailing, *, now: datetime
) -> None:
    """Consent is for research as a whole: the customer's other open places close too."""
    from workbench.studies.scheduling import cancel_booking

    others = session.exec(
        select(StudyParticipant)
        .where(StudyParticipant.customer_id == invitation.customer.id)
        .where(StudyParticipant.id != invitation.participant.id)
        .where(StudyParticipant.status.in_(OPEN_PLACES))
    ).all()
    for other in others:
        study = session.get(Study, other.study_id)
        elsewhere = Invitation(
            participant=other, study=study, customer=invitation.customer, token=invitation.token
        )
        # A booked session is cancelled with a calendar update, so no stale event remains.
        cancel_booking(session, elsewhere, mailing, now=now, offer_place=False)
        other.status = ParticipantStatus.WITHDRAWN
        other.responded_at = now
        session.add(other)
        revoke_tokens(session, other, now=now)
    # Invitations and reminders not sent yet are not sent at all.
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.customer_id == invitation.customer.id)
        .where(OutboxMessage.status == MessageStatus.PENDING)
        .where(OutboxMessage.kind.in_(("invitation", "reminder")))
        .values(status=MessageStatus.CANCELLED)
    )
    session.flush()


def offer_place_to_waitlist(
    session: Session, study: Study, mailing: Mailing, *, now: datetime
) -> StudyParticipant | None:
    """When a place is free, invite the best person on the waitlist, if there is one.

    Runs after someone else's decline, cancellation or withdrawal, which must be recorded
    whatever happens here: a failure is rolled back to a savepoint and logged."""
    if study.status not in OPEN_STUDY_STATUSES:
        return None
    try:
        with session.begin_nested():
            lock_study(session, study)
            if free_places(session, study) <= 0:
                return None
            promoted = promote_from_waitlist(session, study, now=now)
            if promoted is not None:
                invite_participant(session, promoted, mailing, now=now)
            return promoted
    except WorkbenchError:
        logger.exception("Could not offer study %s's free place to the waitlist", study.id)
        return None
