"""Shared pieces for study tests: a mailing that links to a fixed host, and a recruited person."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from tests.factories import make_customer, make_participant, make_study
from workbench.outbox.models import OutboxAttachment, OutboxMessage
from workbench.studies.letters import Mailing
from workbench.studies.models import Study, StudyParticipant

MAILING = Mailing(
    link_for=lambda token: f"https://wb.example/p/{token}",
    sender_email="research@wb.example",
    sender_name="Workbench research",
    calendar_domain="wb.example",
)
LINK = re.compile(r"https://wb\.example/p/([A-Za-z0-9_-]+)")


@dataclass
class Recruited:
    study: Study
    participant: StudyParticipant


@pytest.fixture
def recruited(session: Session) -> Recruited:
    study = make_study(session)
    customer = make_customer(session, consents={"research": True}, name="Åsa Öberg")
    participant = make_participant(session, study, customer)
    session.commit()
    return Recruited(study=study, participant=participant)


def letters(session: Session, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.exec(query).all())


def token_in(message: OutboxMessage) -> str:
    return LINK.search(message.body_text).group(1)


def attachments_of(session: Session, message: OutboxMessage) -> list[OutboxAttachment]:
    return list(
        session.exec(select(OutboxAttachment).where(OutboxAttachment.message_id == message.id))
    )
