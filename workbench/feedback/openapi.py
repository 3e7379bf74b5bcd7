"""The OpenAPI 3.1 document of the JSON API (/api/v1), built in code.

The request item's schema comes from the pydantic model that validates it, and the limits from
the settings the API enforces, so the document cannot drift from what the API does; the test
suite runs schemathesis against it to check every response the API gives."""

from __future__ import annotations

from typing import Any

from workbench.auth.models import Scope
from workbench.feedback.api_schema import FeedbackItemIn
from workbench.feedback.models import Channel, JourneyStage

SCHEMAS = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMAS + name}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


# Every 401 says how to authenticate (RFC 6750); the header is part of the contract.
UNAUTHORISED = _json(
    _ref("Error"),
    "No token, an unknown or a revoked one.",
    headers={
        "WWW-Authenticate": {
            "required": True,
            "schema": {"type": "string"},
            "description": 'Bearer realm="workbench"',
        }
    },
)


def _forbidden(scope: Scope) -> dict[str, Any]:
    return _error(f"The token lacks the {scope.value} scope.")


def _schemas(max_batch: int) -> dict[str, Any]:
    item_in = FeedbackItemIn.model_json_schema(ref_template=SCHEMAS + "{model}")
    nested = item_in.pop("$defs", {})
    integer_or_null = _nullable({"type": "integer"})
    # Every key the API's serialise() writes, each always present.
    item_out = {
        "id": {"type": "integer"},
        "channel": {"type": "string", "enum": [channel.value for channel in Channel]},
        "source": {"type": "string"},
        "external_id": _nullable({"type": "string"}),
        "text": {"type": "string"},
        "language": {"type": "string", "description": "ISO 639-1, or und"},
        "rating": integer_or_null,
        "attribute_ratings": {"type": "object", "additionalProperties": integer_or_null},
        "journey_stage": _nullable(
            {"type": "string", "enum": [stage.value for stage in JourneyStage]}
        ),
        "customer_id": integer_or_null,
        "consent_publish": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "received_at": {"type": "string", "format": "date-time"},
    }
    return {
        **nested,
        "FeedbackItemIn": item_in,
        "FeedbackBatchIn": {
            "description": "One item, or a list of 1 to API_MAX_BATCH items stored together.",
            "oneOf": [
                _ref("FeedbackItemIn"),
                {
                    "type": "array",
                    "items": _ref("FeedbackItemIn"),
                    "minItems": 1,
                    "maxItems": max_batch,
                },
            ],
        },
        "FeedbackCreated": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ids", "created", "duplicates"],
            "properties": {
                "ids": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "One id per item sent, in the same order; a duplicate "
                    "(same token and external_id) gets the id stored before.",
                },
                "created": {"type": "integer", "minimum": 0},
                "duplicates": {"type": "integer", "minimum": 0},
            },
        },
        "FeedbackItemOut": {
            "type": "object",
            "additionalProperties": False,
            "required": list(item_out),
            "properties": item_out,
        },
        "FeedbackPage": {
            "type": "object",
            "additionalProperties": False,
            "required": ["items", "total", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref("FeedbackItemOut")},
                "total": {"type": "integer", "minimum": 0},
                "next_cursor": _nullable({"type": "string"}),
            },
        },
        "Error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["error"],
            "properties": {"error": {"type": "string"}, "details": {}},
        },
        "ItemErrors": {
            "type": "object",
            "additionalProperties": False,
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["index", "error"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0},
                            "error": {"type": "string"},
                        },
                    },
                }
            },
        },
    }


def _post_feedback(max_batch: int, max_body_bytes: int) -> dict[str, Any]:
    return {
        "operationId": "createFeedback",
        "summary": "Send feedback in",
        "description": (
            f"Needs the `write` scope. One item or a list of 1 to {max_batch}; a body over "
            f"{max_body_bytes} bytes is refused unread. Nothing is stored unless every item is "
            "valid. An item with an external_id already sent with this token is a duplicate: "
            "its earlier id is returned and nothing changes."
        ),
        "security": [{"bearerAuth": [Scope.WRITE.value]}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("FeedbackBatchIn")}},
        },
        "responses": {
            "201": _json(_ref("FeedbackCreated"), "Stored (or recognised as duplicates)."),
            "400": _error("The body is not JSON."),
            "401": UNAUTHORISED,
            "403": _forbidden(Scope.WRITE),
            "413": _error("The body is larger than the API takes."),
            "422": _json(
                {"oneOf": [_ref("ItemErrors"), _ref("Error")]},
                "An item is wrong (errors, by index: wrong types, unknown fields, a date or "
                "e-mail that does not parse, empty text), or the list is empty or too long.",
            ),
        },
    }


def _get_feedback(default_page: int, max_page: int) -> dict[str, Any]:
    return {
        "operationId": "listFeedback",
        "summary": "Read feedback out, oldest first",
        "description": "Needs the `read` scope. Erased items are left out.",
        "security": [{"bearerAuth": [Scope.READ.value]}],
        "parameters": [
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "default": default_page},
                "description": f"Items per page; kept between 1 and {max_page}.",
            },
            {
                "name": "cursor",
                "in": "query",
                "schema": {"type": "string"},
                "description": "The next_cursor of the page before.",
            },
            {
                "name": "since",
                "in": "query",
                "schema": {"type": "string"},
                "description": "Only items created on or after this ISO 8601 date or "
                "date-time (a date alone means midnight UTC).",
            },
        ],
        "responses": {
            "200": _json(_ref("FeedbackPage"), "One page; next_cursor is null on the last."),
            "400": _error("A query parameter is malformed."),
            "401": UNAUTHORISED,
            "403": _forbidden(Scope.READ),
        },
    }


def build_document(
    *, server_url: str, max_batch: int, default_page: int, max_page: int, max_body_bytes: int
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the API served under ``server_url``."""
    scopes = (
        "Scopes (granted per token on the admin page or with `workbench tokens create "
        "--scope`): `write` sends feedback in, `read` lists every customer's feedback. A call "
        "outside the token's scopes gets 403."
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Workbench feedback API",
            "version": "1",
            "description": "Send customer feedback in and read it back out. " + scopes,
        },
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/feedback": {
                "post": _post_feedback(max_batch, max_body_bytes),
                "get": _get_feedback(default_page, max_page),
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapiDocument",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
                }
            },
        },
        "components": {
            "schemas": _schemas(max_batch),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer <token>. " + scopes,
                }
            },
        },
    }
