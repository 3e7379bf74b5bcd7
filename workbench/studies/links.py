"""A participant's links: one random token per letter, only its hash kept, revoked together."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from workbench.auth.services import hash_token
from workbench.studies.models import InvitationToken, StudyParticipant

# 32 random bytes: 256 bits, far beyond guessing, and URL-safe in 43 characters.
TOKEN_BYTES = 32


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
