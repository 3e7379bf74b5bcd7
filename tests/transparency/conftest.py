"""Helpers for the transparency tests: link feedback to an issue, publish an issue."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from workbench.db import utcnow
from workbench.feedback.models import Feedback
from workbench.issues.models import Issue, IssueFeedback
from workbench.transparency import projections
from workbench.transparency.publication import update_publication


def link(session: Session, issue: Issue, *items: Feedback) -> None:
    for item in items:
        session.add(IssueFeedback(issue_id=issue.id, feedback_id=item.id))
    session.flush()


def publish(
    session: Session,
    issue: Issue,
    title: str = "Leveranser tar för lång tid",
    answer: str = "Vi har bytt transportör och levererar nu inom två dagar.",
    **kwargs,
) -> Issue:
    return update_publication(
        session,
        issue,
        public_title=title,
        public_answer=answer,
        published=kwargs.pop("published", True),
        actor_id=kwargs.pop("actor_id", None),
        now=kwargs.pop("now", utcnow()),
    )


@pytest.fixture(autouse=True)
def _fresh_public_cache():
    """Each test starts from a new version, as a new worker would."""
    projections.publication_changed()
    yield
