"""JSON API: POST and GET /api/v1/feedback with a bearer token, and its OpenAPI document."""

from __future__ import annotations

import base64
import binascii
import re
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request

from workbench.auth.models import Scope
from workbench.auth.services import verify_api_token
from workbench.db import get_session
from workbench.feedback.api_schema import type_errors
from workbench.feedback.inbox import feed_page
from workbench.feedback.intake import parse_api_item, store_feedback
from workbench.feedback.models import Channel, Feedback
from workbench.feedback.openapi import build_document
from workbench.importing import RowError, parse_date

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

DEFAULT_API_PAGE = 100
MAX_API_PAGE = 500


def token_required(scope: Scope):
    """Let the view run only for a live token that holds ``scope``: 401 without one, 403
    (RFC 6750's insufficient_scope) when the token may not do this."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            auth_scheme, _, plain = header.partition(" ")
            session = get_session()
            token = (
                verify_api_token(session, plain.strip())
                if auth_scheme.lower() == "bearer"
                else None
            )
            if token is None:
                response = jsonify(
                    {"error": "A valid API token is required (Authorization: Bearer <token>)."}
                )
                response.headers["WWW-Authenticate"] = 'Bearer realm="workbench"'
                return response, 401
            if session.dirty:
                session.commit()  # the token's last use, so that reads record it too
            if not token.allows(scope):
                response = jsonify(
                    {
                        "error": f"This token lacks the {scope.value} scope; an admin can "
                        f"create a token with it on the API tokens page."
                    }
                )
                response.headers["WWW-Authenticate"] = (
                    f'Bearer realm="workbench", error="insufficient_scope", scope="{scope.value}"'
                )
                return response, 403
            g.api_token = token
            return view(*args, **kwargs)

        return wrapper

    return decorator


@blueprint.before_request
def cap_the_body():
    # A batch of API_MAX_BATCH items fits easily; a bigger body is refused before it is read.
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]


@blueprint.get("/openapi.json")
def openapi_document():
    # No token: the document describes the API and holds no data.
    config = current_app.config
    document = build_document(
        server_url=request.script_root + blueprint.url_prefix,
        max_batch=config["API_MAX_BATCH"],
        default_page=DEFAULT_API_PAGE,
        max_page=MAX_API_PAGE,
        max_body_bytes=config["API_MAX_BODY_BYTES"],
    )
    return jsonify(document)


@blueprint.post("/feedback")
@token_required(Scope.WRITE)
def create_feedback():
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        payload = None  # nested deeper than any item is
    if payload is None:
        return jsonify({"error": "The body must be JSON: one item or a list of items."}), 400
    items = payload if isinstance(payload, list) else [payload]
    limit = current_app.config["API_MAX_BATCH"]
    if not items or len(items) > limit:
        return jsonify({"error": f"Send between 1 and {limit} items."}), 422
    parsed, errors = [], []
    for index, item in enumerate(items):
        problem = type_errors(item)
        if problem:
            errors.append({"index": index, "error": problem})
            continue
        try:
            parsed.append(parse_api_item(item))
        except RowError as error:
            errors.append({"index": index, "error": str(error)})
    if errors:
        return jsonify({"errors": errors}), 422
    session = get_session()
    stored = store_feedback(session, parsed, source=g.api_token.name, channel=Channel.API)
    session.commit()
    return jsonify(
        {
            "ids": [item.id for item in stored],
            "created": sum(item.created for item in stored),
            "duplicates": sum(not item.created for item in stored),
        }
    ), 201


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    last_id = int(base64.urlsafe_b64decode(padded.encode()).decode())
    if not 0 <= last_id < 2**63:
        raise ValueError("the cursor is not one this API gave out")
    return last_id


def _page_size(raw: str | None) -> int:
    """The limit parameter, kept between 1 and MAX_API_PAGE; only plain digits, as the
    OpenAPI document's integer promises (int() would also take " 5", "5_0" or non-ASCII digits)."""
    if raw is None:
        return DEFAULT_API_PAGE
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise ValueError(f"limit must be a whole number, not {raw[:20]!r}")
    if len(raw.lstrip("-")) > 6:  # beyond any page size: no need to parse all the digits
        return 1 if raw.startswith("-") else MAX_API_PAGE
    return min(max(int(raw), 1), MAX_API_PAGE)


@blueprint.get("/feedback")
@token_required(Scope.READ)
def list_feedback():
    try:
        limit = _page_size(request.args.get("limit"))
        after_id = _decode_cursor(request.args["cursor"]) if request.args.get("cursor") else 0
        since = parse_date(request.args.get("since"), "since")
    except (ValueError, UnicodeDecodeError, binascii.Error, RowError) as error:
        return jsonify({"error": f"Bad query parameter: {error}"}), 400
    found = feed_page(get_session(), after_id=after_id, since=since, limit=limit)
    return jsonify(
        {
            "items": [serialise(item) for item in found.items],
            "total": found.total,
            "next_cursor": _encode_cursor(found.items[-1].id) if found.has_more else None,
        }
    )


def serialise(item: Feedback) -> dict:
    return {
        "id": item.id,
        "channel": item.channel.value,
        "source": item.source,
        "external_id": item.external_id,
        "text": item.text,
        "language": item.language,
        "rating": item.rating,
        "attribute_ratings": item.attribute_ratings,
        "journey_stage": item.journey_stage.value if item.journey_stage else None,
        "customer_id": item.customer_id,
        "consent_publish": item.consent_publish,
        "created_at": item.created_at.isoformat(),
        "received_at": item.received_at.isoformat(),
    }
