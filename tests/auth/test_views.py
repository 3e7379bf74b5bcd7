"""Login, logout, the safe `next` redirect and the admin pages for users and API tokens."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlmodel import select

from tests.factories import PASSWORD, make_staff_user
from workbench.auth.models import ApiToken, Role, Scope, StaffUser
from workbench.auth.services import hash_token
from workbench.db import get_database

NEW_PASSWORD = "another good password"


def _user(app, email: str) -> StaffUser | None:
    with get_database(app).session_scope() as db_session:
        return db_session.exec(select(StaffUser).where(StaffUser.email == email)).first()


def _tokens(app) -> list[ApiToken]:
    with get_database(app).session_scope() as db_session:
        return list(db_session.exec(select(ApiToken).order_by(ApiToken.id)))


def _add_user(app, **values) -> StaffUser:
    with get_database(app).session_scope() as db_session:
        return make_staff_user(db_session, **values)


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_login_success_redirects_to_inbox_and_records_the_login(app, client):
    _add_user(app, email="ann@test.example", role=Role.VIEWER)
    response = client.post("/login", data={"email": "ANN@test.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/feedback"
    assert client.get("/feedback").status_code == 200
    assert _user(app, "ann@test.example").last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ann@test.example", "wrong password!"),
        ("nobody@test.example", PASSWORD),
        ("gone@test.example", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email", "inactive-user"],
)
def test_login_failure_flashes_and_stays_logged_out(app, client, email, password):
    _add_user(app, email="ann@test.example")
    _add_user(app, email="gone@test.example", is_active=False)
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/feedback").status_code == 302


def test_login_with_invalid_form_does_not_log_in(client):
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 200
    assert client.get("/feedback").status_code == 302


def test_logout_ends_the_session(client, auth):
    auth.login("viewer")
    assert client.get("/feedback").status_code == 200
    response = client.post("/logout", follow_redirects=True)
    assert response.request.path == "/login"
    assert "You are logged out." in response.get_data(as_text=True)
    after = client.get("/feedback")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/login")


def test_logout_needs_post(client, auth):
    auth.login("viewer")
    assert client.get("/logout").status_code == 405
    assert client.get("/feedback").status_code == 200


def test_anonymous_visit_is_sent_to_login_with_next(client):
    response = client.get("/customers?search=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("target", ["/customers", "/feedback?rating=2", "/admin/users"])
def test_login_follows_a_local_next(app, client, target):
    _add_user(app, email="ann@test.example", role=Role.ADMIN)
    response = client.post(
        f"/login?next={quote(target, safe='')}",
        data={"email": "ann@test.example", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "https://evil.example/feedback",
        "//evil.example",
        "//evil.example/feedback",
        "///evil.example",
        "////evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_login_never_redirects_to_another_site(app, client, target):
    _add_user(app, email="ann@test.example", role=Role.ADMIN)
    response = client.post(
        f"/login?next={quote(target, safe='')}",
        data={"email": "ann@test.example", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/feedback"


def test_admin_creates_a_user(app, client, auth):
    auth.login("admin")
    response = client.post(
        "/admin/users",
        data={
            "email": "New.Person@test.example",
            "name": "New Person",
            "role": "researcher",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Created new.person@test.example (researcher)." in page
    created = _user(app, "new.person@test.example")
    assert created.role == Role.RESEARCHER
    assert created.name == "New Person"
    assert created.password_hash.startswith("$argon2")
    auth.logout()
    login = client.post(
        "/login", data={"email": "new.person@test.example", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_admin_create_user_rejects_a_duplicate(app, client, auth):
    auth.login("admin")
    _add_user(app, email="taken@test.example")
    response = client.post(
        "/admin/users",
        data={"email": "taken@test.example", "role": "admin", "password": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert _user(app, "taken@test.example").role == Role.VIEWER


@pytest.mark.parametrize(
    "data",
    [
        {"email": "bad", "role": "viewer", "password": NEW_PASSWORD},
        {"email": "ok@test.example", "role": "viewer", "password": "short"},
        {"email": "ok@test.example", "role": "root", "password": NEW_PASSWORD},
    ],
    ids=["bad-email", "short-password", "unknown-role"],
)
def test_admin_create_user_rejects_bad_input(app, client, auth, data):
    auth.login("admin")
    response = client.post("/admin/users", data=data)
    assert response.status_code == 422
    assert _user(app, data["email"]) is None


def test_admin_edits_a_user(app, client, auth):
    auth.login("admin")
    user = _add_user(app, email="ann@test.example", role=Role.VIEWER, name="Ann")
    page = client.get(f"/admin/users/{user.id}")
    assert page.status_code == 200
    assert "ann@test.example" in page.get_data(as_text=True)
    response = client.post(
        f"/admin/users/{user.id}",
        data={"name": "Ann Andersson", "role": "product_owner", "is_active": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    saved = _user(app, "ann@test.example")
    assert saved.name == "Ann Andersson"
    assert saved.role == Role.PRODUCT_OWNER
    assert saved.is_active


def test_admin_deactivates_a_user_who_then_cannot_log_in(app, client, auth):
    auth.login("admin")
    user = _add_user(app, email="ann@test.example", role=Role.RESEARCHER)
    response = client.post(f"/admin/users/{user.id}", data={"name": "", "role": "researcher"})
    assert response.status_code == 302
    assert not _user(app, "ann@test.example").is_active
    auth.logout()
    failed = client.post("/login", data={"email": "ann@test.example", "password": PASSWORD})
    assert failed.status_code == 200


def test_a_deactivated_user_loses_an_open_session(app, client, auth):
    viewer = auth.login("viewer")
    assert client.get("/feedback").status_code == 200
    with get_database(app).session_scope() as db_session:
        stored = db_session.get(StaffUser, viewer.id)
        stored.is_active = False
        db_session.add(stored)
    assert client.get("/feedback").status_code == 302


def test_admin_edit_sets_a_new_password(app, client, auth):
    auth.login("admin")
    user = _add_user(app, email="ann@test.example", role=Role.VIEWER)
    client.post(
        f"/admin/users/{user.id}",
        data={"name": "", "role": "viewer", "is_active": "y", "new_password": NEW_PASSWORD},
    )
    auth.logout()
    old = client.post("/login", data={"email": "ann@test.example", "password": PASSWORD})
    assert old.status_code == 200
    new = client.post("/login", data={"email": "ann@test.example", "password": NEW_PASSWORD})
    assert new.status_code == 302


def test_admin_cannot_deactivate_themselves(app, client, auth):
    admin = auth.login("admin")
    _add_user(app, role=Role.ADMIN)
    response = client.post(f"/admin/users/{admin.id}", data={"name": "", "role": "admin"})
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert _user(app, admin.email).is_active


def test_the_last_admin_cannot_demote_themselves(app, client, auth):
    admin = auth.login("admin")
    response = client.post(
        f"/admin/users/{admin.id}", data={"name": "", "role": "viewer", "is_active": "y"}
    )
    assert response.status_code == 200
    assert "last active admin" in response.get_data(as_text=True)
    assert _user(app, admin.email).role == Role.ADMIN


def test_edit_of_an_unknown_user_is_404(client, auth):
    auth.login("admin")
    assert client.get("/admin/users/999999").status_code == 404


def _shown_token(html: str) -> str | None:
    match = re.search(r'id="new-token">([^<]+)<', html)
    return match.group(1) if match else None


def test_admin_creates_a_token_that_is_shown_once(app, client, auth):
    admin = auth.login("admin")
    response = client.post("/admin/tokens", data={"name": "zendesk"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    plain = _shown_token(html)
    assert plain is not None
    assert plain.startswith("wb_")
    assert "shown only once" in html
    (token,) = _tokens(app)
    assert token.name == "zendesk"
    assert token.created_by_id == admin.id
    assert token.token_hash == hash_token(plain)
    again = client.get("/admin/tokens").get_data(as_text=True)
    assert _shown_token(again) is None
    assert plain not in again
    assert token.prefix in again  # the list still identifies the token by its prefix
    # Write only unless the admin chooses more: it sends feedback in, it cannot read it out.
    assert token.scope_set == {Scope.WRITE}
    headers = {"Authorization": f"Bearer {plain}"}
    posted = client.post(
        "/api/v1/feedback", json={"text": "Bra", "language": "sv"}, headers=headers
    )
    assert posted.status_code == 201
    assert client.get("/api/v1/feedback", headers=headers).status_code == 403


def test_the_token_page_offers_scopes_with_write_only_as_default(client, auth):
    auth.login("admin")
    html = client.get("/admin/tokens").get_data(as_text=True)
    assert re.search(r'<option selected value="write">|<option value="write" selected>', html)
    assert "New tokens get write only" in html
    assert 'href="/api/v1/openapi.json"' in html


@pytest.mark.parametrize(
    ("choice", "scopes", "shown"),
    [("read", {Scope.READ}, "read"), ("read,write", {Scope.READ, Scope.WRITE}, "read, write")],
)
def test_admin_chooses_the_scopes_and_the_list_shows_them(app, client, auth, choice, scopes, shown):
    auth.login("admin")
    response = client.post("/admin/tokens", data={"name": "bi-export", "scopes": choice})
    plain = _shown_token(response.get_data(as_text=True))
    (token,) = _tokens(app)
    assert token.scope_set == scopes
    assert f"<td>{shown}</td>" in client.get("/admin/tokens").get_data(as_text=True)
    listing = client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {plain}"})
    assert listing.status_code == 200


def test_an_unknown_scope_is_refused(app, client, auth):
    auth.login("admin")
    response = client.post("/admin/tokens", data={"name": "sneaky", "scopes": "admin"})
    assert _shown_token(response.get_data(as_text=True)) is None
    assert _tokens(app) == []


def test_token_without_a_name_is_not_created(app, client, auth):
    auth.login("admin")
    response = client.post("/admin/tokens", data={"name": ""})
    assert response.status_code == 200
    assert _shown_token(response.get_data(as_text=True)) is None
    assert _tokens(app) == []


def test_admin_revokes_a_token(app, client, auth):
    auth.login("admin")
    created = client.post("/admin/tokens", data={"name": "zendesk", "scopes": "read"})
    plain = _shown_token(created.get_data(True))
    (token,) = _tokens(app)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/feedback", headers=headers).status_code == 200
    response = client.post(f"/admin/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/tokens"
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "Revoked token zendesk." in page
    (revoked,) = _tokens(app)
    assert revoked.revoked_at is not None
    assert client.get("/api/v1/feedback", headers=headers).status_code == 401


def test_revoking_an_unknown_token_is_404(client, auth):
    auth.login("admin")
    assert client.post("/admin/tokens/999999/revoke").status_code == 404


def test_login_attempts_are_rate_limited_per_address(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    wrong = {"email": "nobody@test.example", "password": "wrong password"}
    statuses = [client.post("/login", data=wrong).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = client.post("/login", data=wrong, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


def test_behind_a_trusted_proxy_the_limit_keys_on_the_forwarded_address(make_app):
    app = make_app(LOGIN_RATE_LIMIT="1 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    wrong = {"email": "nobody@test.example", "password": "wrong password"}

    def attempt(address: str) -> int:
        return client.post("/login", data=wrong, headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.5"), attempt("203.0.113.5"), attempt("203.0.113.6")] == [
        200,
        429,
        200,
    ]
