"""Free places: counted under a lock, and offered to the best person on the waitlist."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.errors import WorkbenchError
from workbench.studies.invitations import OPEN_STUDY_STATUSES, invite_participant
from workbench.studies.letters import Mailing
from workbench.studies.models import Study, StudyParticipant
from workbench.studies.recruitment import HOLDING_PLACE, promote_from_waitlist, shortlist_size

logger = logging.getLogger(__name__)


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
