"""CSRF protection is on for every browser form and off for the token-authenticated API."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.factories import PASSWORD, make_form, make_staff_user
from workbench.auth.models import Role, StaffUser
from workbench.auth.services import create_api_token
from workbench.db import get_database
from workbench.feedback.models import Channel, Feedback

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


def csrf_token_from(response) -> str:
    assert response.status_code == 200
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "the page has no hidden csrf_token input"
    return match.group(1)


def _feedback(app) -> list[Feedback]:
    with get_database(app).session_scope() as db_session:
        return list(db_session.exec(select(Feedback)))


@pytest.fixture
def staff_email(csrf_app) -> str:
    with get_database(csrf_app).session_scope() as db_session:
        return make_staff_user(db_session, role=Role.ADMIN).email


@pytest.fixture
def public_form_slug(csrf_app) -> str:
    with get_database(csrf_app).session_scope() as db_session:
        return make_form(db_session, ask_rating=True).slug


def test_login_without_csrf_token_is_refused(csrf_client, staff_email):
    response = csrf_client.post("/login", data={"email": staff_email, "password": PASSWORD})
    assert response.status_code == 400
    assert csrf_client.get("/feedback").status_code == 302  # still logged out


def test_login_with_a_forged_csrf_token_is_refused(csrf_client, staff_email):
    csrf_client.get("/login")
    response = csrf_client.post(
        "/login", data={"email": staff_email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_login_with_the_pages_csrf_token_works(csrf_client, staff_email):
    token = csrf_token_from(csrf_client.get("/login"))
    response = csrf_client.post(
        "/login", data={"email": staff_email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/feedback"


def test_staff_forms_need_the_csrf_token_after_login(csrf_app, csrf_client, staff_email):
    token = csrf_token_from(csrf_client.get("/login"))
    csrf_client.post(
        "/login", data={"email": staff_email, "password": PASSWORD, "csrf_token": token}
    )
    data = {"email": "forged@test.example", "role": "admin", "password": "long enough pw"}
    assert csrf_client.post("/admin/users", data=data).status_code == 400
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/feedback").status_code == 200  # the forged logout did nothing
    with get_database(csrf_app).session_scope() as db_session:
        query = select(StaffUser).where(StaffUser.email == "forged@test.example")
        assert db_session.exec(query).first() is None
    page_token = csrf_token_from(csrf_client.get("/admin/users"))
    created = csrf_client.post("/admin/users", data={**data, "csrf_token": page_token})
    assert created.status_code == 302


def test_public_form_without_csrf_token_is_refused_and_stores_nothing(
    csrf_app, csrf_client, public_form_slug
):
    csrf_client.get(f"/f/{public_form_slug}")
    response = csrf_client.post(
        f"/f/{public_form_slug}", data={"text": "Leveransen var sen.", "rating": "2"}
    )
    assert response.status_code == 400
    assert _feedback(csrf_app) == []


def test_public_form_with_the_pages_csrf_token_is_stored(csrf_app, csrf_client, public_form_slug):
    token = csrf_token_from(csrf_client.get(f"/f/{public_form_slug}"))
    response = csrf_client.post(
        f"/f/{public_form_slug}",
        data={"text": "Leveransen var sen men bra.", "rating": "4", "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert response.headers["Location"] == f"/f/{public_form_slug}/thanks"
    (stored,) = _feedback(csrf_app)
    assert stored.text == "Leveransen var sen men bra."
    assert stored.rating == 4
    assert stored.channel == Channel.FORM


def test_api_works_without_csrf_token(csrf_app, csrf_client):
    with get_database(csrf_app).session_scope() as db_session:
        _token, plain = create_api_token(db_session, "zendesk")
    headers = {"Authorization": f"Bearer {plain}"}
    response = csrf_client.post(
        "/api/v1/feedback",
        headers=headers,
        json={"text": "The delivery was quick and the support friendly.", "rating": 5},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["created"] == 1
    (stored,) = _feedback(csrf_app)
    assert stored.source == "zendesk"
    assert stored.channel == Channel.API
    listing = csrf_client.get("/api/v1/feedback", headers=headers)
    assert listing.status_code == 200
    assert listing.get_json()["total"] == 1
