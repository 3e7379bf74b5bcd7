"""The JSON API's item, validated strictly by pydantic: a number is not text, a list is not a
rating. The same model gives the OpenAPI document its schema, so the two cannot drift apart."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from workbench.feedback.intake import MAX_TEXT_LENGTH
from workbench.feedback.models import JourneyStage


def storable(text: str) -> str:
    """Refuse what no database column can hold: NUL (PostgreSQL) and lone surrogates."""
    if "\x00" in text or any("\ud800" <= character <= "\udfff" for character in text):
        raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
    return text


def _text(longest: int, shortest: int = 0):
    return Annotated[str, Field(min_length=shortest, max_length=longest), AfterValidator(storable)]


Rating = Annotated[int, Field(ge=1, le=5)]
Stage = Literal[tuple(stage.value for stage in JourneyStage)]  # type: ignore[valid-type]


class FeedbackItemIn(BaseModel):
    """One feedback item as the API takes it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: _text(MAX_TEXT_LENGTH)  # type: ignore[valid-type]
    external_id: _text(200, 1) | None = None  # type: ignore[valid-type]
    rating: Rating | None = None
    created_at: _text(40) | None = Field(None, description="ISO 8601 date or date-time")  # type: ignore[valid-type]
    language: _text(16) | None = Field(None, description="ISO 639-1, such as sv or en")  # type: ignore[valid-type]
    email: _text(254) | None = None  # type: ignore[valid-type]
    customer_ref: _text(100) | None = None  # type: ignore[valid-type]
    attribute_ratings: dict[_text(100, 1), Rating | None] = Field(default_factory=dict)  # type: ignore[valid-type]
    journey_stage: Stage | None = None
    consent_publish: bool = False


_ITEM = TypeAdapter(FeedbackItemIn)


def type_errors(item: Any) -> str | None:
    """A readable reason why ``item`` has the wrong types, or None when they are right (the
    intake's own rules then say what else is wrong, such as an empty text or a non-object)."""
    if not isinstance(item, dict):
        return None
    try:
        _ITEM.validate_python(item)
    except ValidationError as error:
        problems = error.errors(include_url=False)
        unknown = [str(p["loc"][0]) for p in problems if p["type"] == "extra_forbidden"]
        if unknown:
            return f"Unknown fields: {', '.join(sorted(unknown))}."
        return "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'item'}: {problem['msg']}"
            for problem in problems[:5]
        )
    return None
