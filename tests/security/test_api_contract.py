"""The API keeps the promises of its OpenAPI document, and tokens only do what their scopes allow.

schemathesis reads the document the app serves, generates requests from it (valid ones, and
broken ones in negative mode) and checks every response: documented status code, content type,
response schema and headers, no 500, schema-invalid requests refused, the token not ignored.
It talks to the Flask app over WSGI: no server, no network."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import BASE_CONFIG
from tests.reading import count
from workbench import create_app
from workbench.auth.models import ApiToken, Scope
from workbench.auth.services import create_api_token, hash_token
from workbench.db import get_database
from workbench.errors import ValidationFailed
from workbench.feedback.models import Feedback

DOCUMENT = "/api/v1/openapi.json"
URL = "/api/v1/feedback"
# Small batches keep generated bodies small; the document follows the setting.
CONTRACT_BATCH = 5
# Per operation: enough to find each class of bug, quick enough to run on every test run.
MAX_EXAMPLES = 50
# A fixed read+write token, stored by the fixture below: schemathesis must know the credentials
# up front to tell "sent without a token" (401 expected) from the requests it makes itself.
CONTRACT_TOKEN = "wb_contract-test-token-with-both-scopes"


def _token(app, *scopes: Scope) -> str:
    with get_database(app).session_scope() as session:
        _row, plain = create_api_token(session, "contract", scopes=scopes)
    return plain


# Every built-in check but one. A schema-valid item can still be refused with a documented 422:
# the intake also checks what JSON Schema cannot say (a date that parses, a real e-mail address,
# text that is not blank), so "valid data must be accepted" does not hold for this API.
CONFIG = schemathesis.Config.from_dict(
    {
        "headers": {"Authorization": f"Bearer {CONTRACT_TOKEN}"},
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
# The document exactly as the app serves it. Serving it touches no database, so an app made at
# import time can hand it out; the requests go to each test's own app (schemathesis's lazy
# fixture loader does not run on pytest 9).
schema = schemathesis.openapi.from_wsgi(
    DOCUMENT,
    create_app({**BASE_CONFIG, "DATABASE_URL": "sqlite://", "API_MAX_BATCH": CONTRACT_BATCH}),
    config=CONFIG,
)


@pytest.fixture
def contract_app(make_app):
    app = make_app(API_MAX_BATCH=CONTRACT_BATCH)
    with get_database(app).session_scope() as session:
        session.add(
            ApiToken(
                name="contract",
                token_hash=hash_token(CONTRACT_TOKEN),
                prefix=CONTRACT_TOKEN[:10],
                scopes="read,write",
            )
        )
    return app


# One test per operation rather than one schema.parametrize() over all: on pytest 9 the items
# schemathesis makes for the operations share one node id, which confuses xdist's reporting.
CONTRACT_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)
TESTED_OPERATIONS = {"POST /feedback", "GET /feedback"}


def test_the_document_is_valid_openapi_3_1():
    schema.validate()  # against the OpenAPI 3.1 meta-schema schemathesis ships


def test_every_operation_has_a_contract_test():
    # schemathesis leaves out the operation that serves the document it was loaded from.
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == TESTED_OPERATIONS


@schema.include(method="POST", path="/feedback").parametrize()
@CONTRACT_SETTINGS
def test_post_feedback_keeps_the_contract(case, contract_app):
    case.call_and_validate(app=contract_app)


@schema.include(method="GET", path="/feedback").parametrize()
@CONTRACT_SETTINGS
def test_get_feedback_keeps_the_contract(case, contract_app):
    case.call_and_validate(app=contract_app)


# The document itself ----------------------------------------------------------------------


def test_the_document_is_served_without_a_token(client):
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/feedback", "/openapi.json"}
    assert document["servers"] == [{"url": "/api/v1"}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    feedback = document["paths"]["/feedback"]
    assert feedback["post"]["security"] == [{"bearerAuth": ["write"]}]
    assert feedback["get"]["security"] == [{"bearerAuth": ["read"]}]


def test_the_document_follows_the_batch_setting_and_the_item_model(make_app):
    client = make_app(API_MAX_BATCH=7).test_client()
    schemas = client.get(DOCUMENT).get_json()["components"]["schemas"]
    batch = schemas["FeedbackBatchIn"]["oneOf"][1]
    assert (batch["minItems"], batch["maxItems"]) == (1, 7)
    item = schemas["FeedbackItemIn"]
    assert item["additionalProperties"] is False and item["required"] == ["text"]


def test_an_undocumented_method_is_a_json_405(app, client):
    response = client.delete(URL, headers={"Authorization": f"Bearer {_token(app, *Scope)}"})
    assert response.status_code == 405
    assert response.mimetype == "application/json" and "error" in response.get_json()


# Scopes -------------------------------------------------------------------------------------


def test_a_read_only_token_cannot_post(app, client):
    headers = {"Authorization": f"Bearer {_token(app, Scope.READ)}"}
    response = client.post(URL, json={"text": "Snabb leverans."}, headers=headers)
    assert response.status_code == 403
    assert "lacks the write scope" in response.get_json()["error"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    with get_database(app).session_scope() as session:
        assert count(session, Feedback) == 0
    assert client.get(URL, headers=headers).status_code == 200


def test_a_write_only_token_cannot_read(app, client):
    headers = {"Authorization": f"Bearer {_token(app, Scope.WRITE)}"}
    assert client.post(URL, json={"text": "Snabb leverans."}, headers=headers).status_code == 201
    response = client.get(URL, headers=headers)
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "This token lacks the read scope; an admin can create a token with it on the "
        "API tokens page."
    }
    assert "items" not in response.get_data(as_text=True)


def test_a_token_needs_at_least_one_known_scope(session):
    with pytest.raises(ValidationFailed, match="at least one scope"):
        create_api_token(session, "nothing", scopes=[])
    with pytest.raises(ValidationFailed, match="Unknown scope"):
        create_api_token(session, "admin", scopes=["admin"])
