"""Fixtures shared by the public-form tests."""

from __future__ import annotations

import pytest

from tests.factories import make_form
from workbench.feedback.models import FeedbackForm, JourneyStage


@pytest.fixture
def sv_form(session) -> FeedbackForm:
    form = make_form(
        session,
        slug="tyck-till",
        title="Tyck till om ditt köp",
        intro="Berätta vad som fungerade.",
        language="sv",
        journey_stage=JourneyStage.AFTER_PURCHASE,
        attribute_questions=["Leverans", "Pris"],
    )
    session.commit()
    return form
