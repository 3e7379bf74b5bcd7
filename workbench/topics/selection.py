"""Which feedback a topic run reads: not erased, some text, and the run's filters."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from workbench.errors import ValidationFailed
from workbench.feedback.models import Feedback, JourneyStage


@dataclass(frozen=True)
class TopicRunFilters:
    """Which feedback a run reads; None means any. Dates are inclusive days (UTC)."""

    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    language: str | None = None
    form_id: int | None = None
    journey_stage: str | None = None

    def as_params(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("date_from", "date_to"):
            values[name] = values[name].isoformat() if values[name] else None
        return values

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TopicRunFilters:
        values = {name: params.get(name) for name in cls.__dataclass_fields__}
        for name in ("date_from", "date_to"):
            values[name] = date.fromisoformat(values[name]) if values[name] else None
        return cls(**values)

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationFailed("The date range ends before it starts.")
        if self.journey_stage and self.journey_stage not in set(JourneyStage):
            raise ValidationFailed(f"Unknown journey stage {self.journey_stage!r}.")

    def apply(self, query: sa.Select, *, dates: bool = True) -> sa.Select:
        """Narrow a query on ``Feedback`` (the date range only when ``dates``)."""
        if dates and self.date_from:
            query = query.where(Feedback.created_at >= _day_start(self.date_from))
        if dates and self.date_to:
            query = query.where(Feedback.created_at < _day_start(self.date_to + timedelta(1)))
        if self.source:
            query = query.where(Feedback.source == self.source)
        if self.language:
            query = query.where(Feedback.language == self.language)
        if self.form_id is not None:
            query = query.where(Feedback.form_id == self.form_id)
        if self.journey_stage:
            query = query.where(Feedback.journey_stage == JourneyStage(self.journey_stage))
        return query


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def clusterable_feedback() -> sa.Select:
    """SQL: id and text of feedback a run may read (not erased, some text)."""
    return sa.select(Feedback.id, Feedback.text).where(
        Feedback.erased.is_(False), sa.func.trim(Feedback.text) != ""
    )
