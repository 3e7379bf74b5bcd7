"""Fifty people racing for one slot get one booking: the database decides, not the code.

This test needs real concurrent connections, so it builds its own database (a file on SQLite,
a throwaway database on PostgreSQL) instead of the per-test transaction the other tests use.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

import workbench.models  # noqa: F401  (registers the tables)
from tests.factories import make_customer, make_participant, make_slot, make_study
from workbench.db import Database, make_engine, metadata, utcnow
from workbench.errors import Conflict
from workbench.outbox.models import OutboxMessage
from workbench.studies.answers import open_invitation
from workbench.studies.bookings import book_slot
from workbench.studies.letters import Mailing
from workbench.studies.links import issue_token
from workbench.studies.models import Booking, ParticipantStatus

POSTGRES_URL = os.environ.get("WORKBENCH_TEST_DATABASE_URL")
RACERS = 50
MAILING = Mailing(
    link_for=lambda token: f"https://wb.example/p/{token}", sender_email="r@wb.example"
)


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[Database]:
    if POSTGRES_URL:
        name = f"wb_race_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'race.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    try:
        yield Database(engine)
    finally:
        engine.dispose()
        if POSTGRES_URL:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


def test_fifty_concurrent_attempts_at_one_slot_give_one_booking(shared_database: Database):
    now = utcnow()
    with shared_database.session_scope() as session:
        study = make_study(session)
        slot = make_slot(session, study, starts_at=now + timedelta(days=5))
        tokens = []
        for _ in range(RACERS):
            customer = make_customer(session, consents={"research": True})
            participant = make_participant(
                session, study, customer, status=ParticipantStatus.ACCEPTED
            )
            tokens.append(
                issue_token(session, participant, now=now, valid_until=now + timedelta(days=9))
            )
        slot_id = slot.id

    barrier = threading.Barrier(RACERS)
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(token: str) -> None:
        barrier.wait()
        try:
            with shared_database.session_scope() as session:
                invitation = open_invitation(session, token, now=utcnow())
                book_slot(session, invitation.participant, slot_id, MAILING, now=utcnow())
            outcome = "booked"
        except Conflict:
            outcome = "refused"
        except BaseException as error:  # anything else is a bug the test must show
            with lock:
                errors.append(error)
            return
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=attempt, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert outcomes == {"booked": 1, "refused": RACERS - 1}
    with shared_database.session_scope() as session:
        bookings = session.exec(select(Booking).where(Booking.slot_id == slot_id)).all()
        assert len(bookings) == 1 and bookings[0].cancelled_at is None
        confirmations = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "confirmation")
        ).all()
        assert len(confirmations) == 1  # the losers' letters were rolled back with them
