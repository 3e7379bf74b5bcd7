"""JSON API: POST and GET /api/v1/feedback with a bearer token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import make_customer, make_feedback
from tests.reading import read
from workbench.auth.models import ApiToken
from workbench.auth.services import create_api_token, revoke_api_token
from workbench.feedback.models import Channel, Feedback, JourneyStage

URL = "/api/v1/feedback"
SWEDISH = "Leveransen var snabb och personalen i butiken var väldigt trevlig och hjälpsam."


@pytest.fixture
def token(session) -> str:
    _row, plain = create_api_token(session, "crm")
    session.commit()
    return plain


def bearer(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def count_feedback(session) -> int:
    return read(session, select(sa.func.count()).select_from(Feedback))[0]


def stored(session, ids: list[int]) -> list[Feedback]:
    by_id = {row.id: row for row in read(session, select(Feedback).where(Feedback.id.in_(ids)))}
    return [by_id[feedback_id] for feedback_id in ids]


def test_post_one_item(client, session, token):
    response = client.post(
        URL,
        json={
            "text": SWEDISH,
            "external_id": "crm-1",
            "rating": 4,
            "attribute_ratings": {"Pris": 3},
            "journey_stage": "after_purchase",
            "created_at": "2026-03-01T10:00:00Z",
        },
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created"] == 1 and body["duplicates"] == 0
    [item] = stored(session, body["ids"])
    assert item.channel is Channel.API
    assert item.source == "crm"  # the token's name
    assert item.external_id == "crm-1"
    assert item.language == "sv"  # detected
    assert (item.rating, item.attribute_ratings) == (4, {"Pris": 3})
    assert item.journey_stage is JourneyStage.AFTER_PURCHASE
    assert item.created_at == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_post_a_list_keeps_the_order_and_links_customers(client, session, token):
    customer = make_customer(session, external_ref="C900", email="lista@example.se")
    session.commit()
    items = [
        {"text": "The app keeps crashing when I open my orders.", "external_id": "a"},
        {"text": "Bra", "language": "sv", "customer_ref": "C900"},
        {"text": "Okej", "language": "sv", "email": "Lista@Example.se"},
    ]
    response = client.post(URL, json=items, headers=bearer(token))
    assert response.status_code == 201
    ids = response.get_json()["ids"]
    assert len(ids) == 3 and len(set(ids)) == 3
    rows = stored(session, ids)
    assert [row.text for row in rows] == [item["text"] for item in items]
    assert [row.customer_id for row in rows] == [None, customer.id, customer.id]
    assert rows[0].language == "en"


def test_errors_are_reported_per_item_and_nothing_is_stored(client, session, token):
    items = [
        {"text": "Fine", "external_id": "ok-1"},
        {"text": "", "external_id": "bad-1"},
        {"text": "Fine too", "external_id": "ok-2"},
        {"text": "Bad rating", "rating": 9},
        "not an object",
    ]
    response = client.post(URL, json=items, headers=bearer(token))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [error["index"] for error in errors] == [1, 3, 4]
    assert "empty" in errors[0]["error"]
    assert "rating" in errors[1]["error"]
    assert "JSON object" in errors[2]["error"]
    assert count_feedback(session) == 0


def test_a_single_bad_item_gets_422(client, session, token):
    response = client.post(URL, json={"text": "x", "colour": "red"}, headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"index": 0, "error": "Unknown fields: colour."}]
    assert count_feedback(session) == 0


def test_a_nul_character_is_refused_or_cleaned_not_a_server_error(client, session, token):
    items = [{"text": "Bra", "external_id": "n1"}, {"text": "Tr\u0000asig", "external_id": "n2"}]
    response = client.post(URL, json=items, headers=bearer(token))
    assert response.status_code in (201, 422)
    if response.status_code == 422:
        assert [error["index"] for error in response.get_json()["errors"]] == [1]
    else:
        assert all("\x00" not in row.text for row in stored(session, response.get_json()["ids"]))


def test_up_to_1000_items_are_accepted(client, session, token):
    items = [{"text": f"Punkt {n}", "language": "sv", "external_id": str(n)} for n in range(1000)]
    response = client.post(URL, json=items, headers=bearer(token))
    assert response.status_code == 201
    assert response.get_json()["created"] == 1000
    assert count_feedback(session) == 1000


@pytest.mark.parametrize("size", [0, 1001])
def test_an_empty_or_over_limit_list_is_refused(client, session, token, size):
    items = [{"text": f"Punkt {n}", "language": "sv"} for n in range(size)]
    response = client.post(URL, json=items, headers=bearer(token))
    assert response.status_code == 422
    assert "between 1 and 1000" in response.get_json()["error"]
    assert count_feedback(session) == 0


def test_a_body_that_is_not_json_is_refused(client, session, token):
    response = client.post(
        URL, data="text=hej", headers={**bearer(token), "Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]
    assert count_feedback(session) == 0


def test_reposting_returns_the_same_ids_and_creates_nothing(client, session, token):
    items = [
        {"text": "Först", "language": "sv", "external_id": "r1"},
        {"text": "Sen", "language": "sv", "external_id": "r2"},
    ]
    first = client.post(URL, json=items, headers=bearer(token)).get_json()
    again = client.post(URL, json=list(reversed(items)), headers=bearer(token))
    assert again.status_code == 201
    body = again.get_json()
    assert body["ids"] == list(reversed(first["ids"]))
    assert (body["created"], body["duplicates"]) == (0, 2)
    single = client.post(URL, json=items[0], headers=bearer(token)).get_json()
    assert single["ids"] == [first["ids"][0]]
    assert count_feedback(session) == 2


def test_the_same_external_id_from_another_token_is_separate(client, session, token):
    _row, other = create_api_token(session, "webshop")
    session.commit()
    item = {"text": "Hej", "language": "sv", "external_id": "same"}
    first = client.post(URL, json=item, headers=bearer(token)).get_json()["ids"]
    second = client.post(URL, json=item, headers=bearer(other)).get_json()["ids"]
    assert first != second
    sources = sorted(row.source for row in stored(session, first + second))
    assert sources == ["crm", "webshop"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wb_wrong-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Token {token}"},
        {"Authorization": "{token}"},
    ],
    ids=["none", "wrong", "empty", "other-scheme", "no-scheme"],
)
def test_a_missing_or_wrong_token_is_401(client, session, token, headers):
    headers = {name: value.format(token=token) for name, value in headers.items()}
    post = client.post(URL, json={"text": "Hej"}, headers=headers)
    get = client.get(URL, headers=headers)
    for response in (post, get):
        assert response.status_code == 401
        assert "Bearer" in response.headers["WWW-Authenticate"]
        assert "token" in response.get_json()["error"]
    assert count_feedback(session) == 0


def test_a_revoked_token_is_401(client, session):
    row, plain = create_api_token(session, "old")
    revoke_api_token(session, row.id)
    session.commit()
    assert client.get(URL, headers=bearer(plain)).status_code == 401
    assert client.post(URL, json={"text": "Hej"}, headers=bearer(plain)).status_code == 401


def test_using_a_token_records_when_it_was_last_used(client, session, token):
    assert client.get(URL, headers=bearer(token)).status_code == 200
    [row] = read(session, select(ApiToken).where(ApiToken.name == "crm"))
    assert row.last_used_at is not None


def test_get_pages_through_every_item_with_the_cursor(client, session, token):
    made = [make_feedback(session, language="sv").id for _ in range(7)]
    make_feedback(session, erased=True)
    session.commit()
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get(URL, query_string=query, headers=bearer(token))
        assert response.status_code == 200
        body = response.get_json()
        assert body["total"] == 7
        assert len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert pages == 3
    assert seen == made  # oldest first, each once, erased items left out


def test_get_limit_is_kept_between_1_and_500(client, session, token):
    for _ in range(3):
        make_feedback(session)
    session.commit()
    body = client.get(URL, query_string={"limit": 0}, headers=bearer(token)).get_json()
    assert len(body["items"]) == 1 and body["next_cursor"] is not None
    body = client.get(URL, query_string={"limit": 10_000}, headers=bearer(token)).get_json()
    assert len(body["items"]) == 3 and body["next_cursor"] is None


def test_get_serialises_each_item(client, session, token):
    customer = make_customer(session)
    item = make_feedback(
        session,
        customer_id=customer.id,
        rating=3,
        attribute_ratings={"Pris": 2},
        journey_stage=JourneyStage.COMPLAINT,
        created_at=datetime(2026, 4, 1, 12, tzinfo=UTC),
    )
    session.commit()
    body = client.get(URL, headers=bearer(token)).get_json()
    assert body["next_cursor"] is None
    [data] = body["items"]
    assert data["id"] == item.id
    assert data["external_id"] == item.external_id
    assert data["channel"] == "import"
    assert data["rating"] == 3
    assert data["attribute_ratings"] == {"Pris": 2}
    assert data["journey_stage"] == "complaint"
    assert data["customer_id"] == customer.id
    assert data["created_at"] == "2026-04-01T12:00:00+00:00"


def test_get_since_filters_by_creation_date(client, session, token):
    old = make_feedback(session, created_at=datetime(2026, 1, 15, tzinfo=UTC))
    on_day = make_feedback(session, created_at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    later = make_feedback(session, created_at=datetime(2026, 3, 9, 8, tzinfo=UTC))
    session.commit()
    body = client.get(URL, query_string={"since": "2026-03-01"}, headers=bearer(token)).get_json()
    assert body["total"] == 2
    assert [item["id"] for item in body["items"]] == [on_day.id, later.id]
    body = client.get(
        URL, query_string={"since": "2026-03-05T00:00:00Z"}, headers=bearer(token)
    ).get_json()
    assert [item["id"] for item in body["items"]] == [later.id]
    everything = client.get(URL, headers=bearer(token)).get_json()
    assert [item["id"] for item in everything["items"]] == [old.id, on_day.id, later.id]


def test_since_and_cursor_work_together(client, session, token):
    make_feedback(session, created_at=datetime(2025, 12, 1, tzinfo=UTC))
    recent = [
        make_feedback(session, created_at=datetime(2026, 2, day, tzinfo=UTC)).id
        for day in (1, 2, 3)
    ]
    session.commit()
    first = client.get(
        URL, query_string={"since": "2026-01-01", "limit": 2}, headers=bearer(token)
    ).get_json()
    second = client.get(
        URL,
        query_string={"since": "2026-01-01", "limit": 2, "cursor": first["next_cursor"]},
        headers=bearer(token),
    ).get_json()
    assert first["total"] == second["total"] == 3
    assert [i["id"] for i in first["items"] + second["items"]] == recent
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "query", [{"limit": "many"}, {"cursor": "%%%"}, {"cursor": "bm90LWEtbnVtYmVy"}, {"since": "x"}]
)
def test_bad_query_parameters_are_400(client, session, token, query):
    response = client.get(URL, query_string=query, headers=bearer(token))
    assert response.status_code == 400
    assert "Bad query parameter" in response.get_json()["error"]


def test_posted_feedback_is_listed(client, session, token):
    ids = client.post(
        URL,
        json=[{"text": "Ett", "language": "sv"}, {"text": "Två", "language": "sv"}],
        headers=bearer(token),
    ).get_json()["ids"]
    body = client.get(URL, headers=bearer(token)).get_json()
    assert [item["id"] for item in body["items"]] == ids
    assert [item["source"] for item in body["items"]] == ["crm", "crm"]
