"""The participant's answers through their link: open it, say yes or no, withdraw consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.auth.services import hash_token
from workbench.customers.models import ConsentKind, ConsentSource, Customer
from workbench.customers.services import record_consent
from workbench.errors import Conflict, NotFound
from workbench.outbox.models import MessageStatus, OutboxMessage
from workbench.studies.bookings import release_booking
from workbench.studies.invitations import OPEN_STUDY_STATUSES
from workbench.studies.letters import Mailing
from workbench.studies.links import revoke_tokens
from workbench.studies.models import InvitationToken, ParticipantStatus, Study, StudyParticipant
from workbench.studies.participant_lifecycle import ParticipantEvent
from workbench.studies.participants import move_participant
from workbench.studies.waitlist import free_places, lock_study, offer_place_to_waitlist

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


class PlaceTaken(Conflict):
    """Accepting again after declining, when the place has gone to someone else."""


class InvitationUnavailable(NotFound):
    """The link is unknown, expired or no longer usable; the page must not say which."""


@dataclass(frozen=True)
class Invitation:
    """A participant opened through their link, with what the page shows."""

    participant: StudyParticipant
    study: Study
    customer: Customer
    token: InvitationToken


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
    move_participant(participant, ParticipantEvent.ACCEPT, now=now)
    session.add(participant)
    session.flush()


def decline_invitation(
    session: Session, invitation: Invitation, mailing: Mailing, *, now: datetime
) -> None:
    """The participant says no; a booked session is called off and the place goes on."""
    participant = invitation.participant
    if participant.status is ParticipantStatus.DECLINED:
        return
    release_booking(session, participant, mailing, now=now)
    move_participant(participant, ParticipantEvent.DECLINE, now=now)
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
    participant = invitation.participant
    release_booking(session, participant, mailing, now=now)
    record_consent(
        session,
        invitation.customer,
        ConsentKind.RESEARCH,
        given=False,
        wording_version=wording_version,
        source=ConsentSource.PARTICIPANT,
        recorded_at=now,
    )
    move_participant(participant, ParticipantEvent.WITHDRAW, now=now)
    session.add(participant)
    revoke_tokens(session, participant, now=now)
    session.flush()
    offer_place_to_waitlist(session, invitation.study, mailing, now=now)
    _withdraw_everywhere_else(session, participant, mailing, now=now)


def _withdraw_everywhere_else(
    session: Session, participant: StudyParticipant, mailing: Mailing, *, now: datetime
) -> None:
    """Consent is for research as a whole: the customer's other open places close too."""
    others = session.exec(
        select(StudyParticipant)
        .where(StudyParticipant.customer_id == participant.customer_id)
        .where(StudyParticipant.id != participant.id)
        .where(StudyParticipant.status.in_(OPEN_PLACES))
    ).all()
    for other in others:
        # A booked session is cancelled with a calendar update, so no stale event remains.
        release_booking(session, other, mailing, now=now)
        move_participant(other, ParticipantEvent.WITHDRAW, now=now)
        session.add(other)
        revoke_tokens(session, other, now=now)
    # Invitations and reminders not sent yet are not sent at all.
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.customer_id == participant.customer_id)
        .where(OutboxMessage.status == MessageStatus.PENDING)
        .where(OutboxMessage.kind.in_(("invitation", "reminder")))
        .values(status=MessageStatus.CANCELLED)
    )
    session.flush()
