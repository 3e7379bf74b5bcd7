"""Recruitment governance settings: one row, created with defaults, changed within limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from workbench.errors import ValidationFailed
from workbench.studies.models import RecruitmentSettings
from workbench.studies.settings import get_recruitment_settings, update_recruitment_settings

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def count_rows(session) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(RecruitmentSettings)).scalar()


def test_the_row_is_created_with_the_defaults_once(session):
    first = get_recruitment_settings(session)
    second = get_recruitment_settings(session)

    assert first is second
    assert first.id == 1
    assert (
        first.invitation_cooldown_days,
        first.max_studies_per_year,
        first.invitation_valid_days,
    ) == (90, 2, 21)
    assert count_rows(session) == 1


def test_an_existing_row_is_used(session):
    session.add(RecruitmentSettings(id=1, invitation_cooldown_days=30))
    session.flush()

    assert get_recruitment_settings(session).invitation_cooldown_days == 30
    assert count_rows(session) == 1


def test_update_changes_every_value_and_the_time(session):
    settings = update_recruitment_settings(
        session,
        invitation_cooldown_days=60,
        max_studies_per_year=3,
        invitation_valid_days=14,
        now=NOW,
    )
    session.commit()
    session.expire_all()

    stored = get_recruitment_settings(session)
    assert stored.id == settings.id == 1
    assert (stored.invitation_cooldown_days, stored.max_studies_per_year) == (60, 3)
    assert stored.invitation_valid_days == 14
    assert stored.updated_at == NOW
    assert count_rows(session) == 1


def test_a_cooldown_of_zero_is_allowed(session):
    settings = update_recruitment_settings(
        session, invitation_cooldown_days=0, max_studies_per_year=1, invitation_valid_days=1
    )
    assert settings.invitation_cooldown_days == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("invitation_cooldown_days", -1, "Days between invitations must be from 0 to 730."),
        ("invitation_cooldown_days", 731, "Days between invitations must be from 0 to 730."),
        ("max_studies_per_year", 0, "Studies per customer and year must be from 1 to 12."),
        ("max_studies_per_year", 13, "Studies per customer and year must be from 1 to 12."),
        ("invitation_valid_days", 0, "Days an invitation stays valid must be from 1 to 90."),
        ("invitation_valid_days", 2.5, "Days an invitation stays valid must be a whole number."),
        ("max_studies_per_year", True, "Studies per customer and year must be a whole number."),
        ("invitation_cooldown_days", "90", "Days between invitations must be a whole number."),
    ],
)
def test_values_outside_the_limits_are_refused_and_nothing_changes(session, field, value, message):
    values = {
        "invitation_cooldown_days": 90,
        "max_studies_per_year": 2,
        "invitation_valid_days": 21,
    }
    values[field] = value

    with pytest.raises(ValidationFailed) as raised:
        update_recruitment_settings(session, **values)

    assert raised.value.message == message
    assert raised.value.details == {field: message}
    assert get_recruitment_settings(session).invitation_cooldown_days == 90


def test_every_bad_value_is_reported_at_once(session):
    with pytest.raises(ValidationFailed) as raised:
        update_recruitment_settings(
            session, invitation_cooldown_days=-5, max_studies_per_year=0, invitation_valid_days=0
        )
    assert set(raised.value.details) == {
        "invitation_cooldown_days",
        "max_studies_per_year",
        "invitation_valid_days",
    }
