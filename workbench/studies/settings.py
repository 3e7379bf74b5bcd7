"""Recruitment governance: the one row of settings an admin may change, with its limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workbench.db import utcnow
from workbench.errors import ValidationFailed
from workbench.studies.models import RecruitmentSettings

SETTINGS_ID = 1
#: Allowed values per setting, inclusive. A cooldown of 0 switches that rule off.
LIMITS: dict[str, tuple[int, int]] = {
    "invitation_cooldown_days": (0, 730),
    "max_studies_per_year": (1, 12),
    "invitation_valid_days": (1, 90),
}
LABELS = {
    "invitation_cooldown_days": "Days between invitations",
    "max_studies_per_year": "Studies per customer and year",
    "invitation_valid_days": "Days an invitation stays valid",
}


def get_recruitment_settings(session: Session) -> RecruitmentSettings:
    """The settings row, created with the defaults when missing."""
    settings = session.get(RecruitmentSettings, SETTINGS_ID)
    if settings is not None:
        return settings
    try:
        # A savepoint, so that losing a race with another first reader spoils nothing else.
        with session.begin_nested():
            settings = RecruitmentSettings(id=SETTINGS_ID)
            session.add(settings)
    except IntegrityError:
        settings = session.get(RecruitmentSettings, SETTINGS_ID)
    return settings


def _problem(name: str, value: Any) -> str | None:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{LABELS[name]} must be a whole number."
    if not low <= value <= high:
        return f"{LABELS[name]} must be from {low} to {high}."
    return None


def update_recruitment_settings(
    session: Session,
    *,
    invitation_cooldown_days: int,
    max_studies_per_year: int,
    invitation_valid_days: int,
    now: datetime | None = None,
) -> RecruitmentSettings:
    """Change the governance settings; every value is checked before anything changes."""
    values = {
        "invitation_cooldown_days": invitation_cooldown_days,
        "max_studies_per_year": max_studies_per_year,
        "invitation_valid_days": invitation_valid_days,
    }
    problems = {name: _problem(name, value) for name, value in values.items()}
    errors = {name: problem for name, problem in problems.items() if problem}
    if errors:
        raise ValidationFailed(" ".join(errors.values()), details=errors)
    settings = get_recruitment_settings(session)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_at = now or utcnow()
    session.add(settings)
    session.flush()
    return settings
