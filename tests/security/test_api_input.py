"""The API refuses wrong types, oversized bodies, deep nesting and unstorable characters with a
clear 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.reading import count
from workbench.auth.services import create_api_token
from workbench.db import get_database
from workbench.feedback.models import Feedback

URL = "/api/v1/feedback"


@pytest.fixture
def bearer(app) -> dict[str, str]:
    with get_database(app).session_scope() as session:
        _token, plain = create_api_token(session, "shop-reviews")
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"text": 5}, "text"),
        ({"text": ["a", "list"]}, "text"),
        ({"text": "ok", "rating": "4"}, "rating"),
        ({"text": "ok", "rating": [4]}, "rating"),
        ({"text": "ok", "rating": 4.5}, "rating"),
        ({"text": "ok", "consent_publish": "yes"}, "consent_publish"),
        ({"text": "ok", "attribute_ratings": {"Pris": "5"}}, "attribute_ratings"),
        ({"text": "ok", "journey_stage": "nowhere"}, "journey_stage"),
        ({"text": "ok", "external_id": 17}, "external_id"),
        ({"text": "ok", "customer_ref": "a\x00b"}, "customer_ref"),
        ({"text": "a\ud800b"}, "text"),
    ],
)
def test_wrong_types_are_refused_per_item(client, session, bearer, item, field):
    response = client.post(URL, json=[{"text": "fine"}, item], headers=bearer)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["index"] == 1 and field in error["error"]
    assert count(session, Feedback) == 0


def test_a_body_over_the_cap_is_refused_before_it_is_read(make_app):
    app = make_app(API_MAX_BODY_BYTES=10_000)
    with get_database(app).session_scope() as session:
        _token, plain = create_api_token(session, "big")
    big = [{"text": "x" * 1000} for _ in range(20)]
    response = app.test_client().post(URL, json=big, headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_json_nested_too_deeply_is_a_400(client, bearer):
    body = "[" * 5000 + "]" * 5000
    response = client.post(URL, data=body, headers={**bearer, "Content-Type": "application/json"})
    assert response.status_code == 400
