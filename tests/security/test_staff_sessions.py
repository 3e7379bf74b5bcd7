"""Staff sessions end for real: logout, a new password, an admin's "log out everywhere",
idle and absolute expiry; the session is fresh at every login; cookies are Secure."""

from __future__ import annotations

import time

import pytest
import time_machine
from sqlmodel import select

from tests.factories import PASSWORD, make_staff_user
from workbench.auth.models import Role, StaffUser
from workbench.auth.services import MAX_FAILED_LOGINS
from workbench.config import load_config
from workbench.db import get_database

NEW_PASSWORD = "a different password"


def add_user(app, email: str, role: Role = Role.RESEARCHER) -> None:
    with get_database(app).session_scope() as db_session:
        make_staff_user(db_session, email=email, role=role)


def log_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copied_cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, cookie: str):
    stranger = app.test_client()
    stranger.set_cookie("session", cookie)
    return stranger


def is_in(client) -> bool:
    return client.get("/feedback").status_code == 200


def test_a_cookie_copied_before_logout_no_longer_works(app):
    add_user(app, "r@test.example")
    client = log_in(app, "r@test.example")
    stolen = copied_cookie(client)
    assert is_in(with_cookie(app, stolen))
    client.post("/logout")
    assert not is_in(with_cookie(app, stolen))
    assert not is_in(client)


def test_an_admin_password_reset_ends_the_users_sessions(app):
    add_user(app, "admin@test.example", Role.ADMIN)
    add_user(app, "r@test.example")
    victim = log_in(app, "r@test.example")
    admin = log_in(app, "admin@test.example")
    user_id = _user_id(app, "r@test.example")
    response = admin.post(
        f"/admin/users/{user_id}",
        data={"name": "", "role": "researcher", "is_active": "y", "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not is_in(victim)
    assert is_in(log_in(app, "r@test.example", NEW_PASSWORD))
    assert is_in(admin)


def test_an_admin_logs_a_user_out_everywhere(app):
    add_user(app, "admin@test.example", Role.ADMIN)
    add_user(app, "r@test.example")
    phone, laptop = log_in(app, "r@test.example"), log_in(app, "r@test.example")
    admin = log_in(app, "admin@test.example")
    page = admin.get(f"/admin/users/{_user_id(app, 'r@test.example')}")
    assert "Log out everywhere" in page.get_data(as_text=True)
    response = admin.post(f"/admin/users/{_user_id(app, 'r@test.example')}/end-sessions")
    assert response.status_code == 302
    assert not is_in(phone) and not is_in(laptop)
    assert is_in(admin)


def test_a_session_ends_after_the_idle_time_and_after_the_longest_time(make_app):
    app = make_app(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=2)
    add_user(app, "r@test.example")
    with time_machine.travel(time.time(), tick=False) as clock:
        client = log_in(app, "r@test.example")
        clock.shift(29 * 60)
        assert is_in(client)
        clock.shift(31 * 60)
        assert not is_in(client)

        client = log_in(app, "r@test.example")
        for _ in range(5):  # busy, never idle, but two hours in all
            clock.shift(25 * 60)
            active = is_in(client)
        assert not active


def test_login_starts_a_fresh_session(app):
    add_user(app, "r@test.example")
    client = app.test_client()
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    client.post("/login", data={"email": "r@test.example", "password": PASSWORD})
    with client.session_transaction() as fresh:
        assert "planted" not in fresh
        assert fresh["login_at"] > 0


def test_failed_logins_are_counted_per_account_across_addresses(make_app):
    app = make_app()
    add_user(app, "r@test.example")
    for attempt in range(MAX_FAILED_LOGINS):
        address = f"10.0.0.{attempt}"
        app.test_client().post(
            "/login",
            data={"email": "r@test.example", "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": address},
        )
    response = app.test_client().post(
        "/login", data={"email": "r@test.example", "password": PASSWORD}
    )
    assert response.status_code == 200  # locked: even the right password waits
    assert "wait" in response.get_data(as_text=True)
    with get_database(app).session_scope() as db_session:
        user = db_session.exec(select(StaffUser).where(StaffUser.email == "r@test.example")).one()
        assert user.locked_until is not None
        assert user.last_login_at is None


def test_a_right_password_resets_the_count(app):
    add_user(app, "r@test.example")
    client = app.test_client()
    for _ in range(MAX_FAILED_LOGINS - 1):
        client.post("/login", data={"email": "r@test.example", "password": "wrong password!"})
    log_in(app, "r@test.example")
    with get_database(app).session_scope() as db_session:
        user = db_session.exec(select(StaffUser).where(StaffUser.email == "r@test.example")).one()
        assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.parametrize(
    ("settings", "secure"),
    [({}, True), ({"DEBUG": True}, False), ({"SESSION_COOKIE_SECURE": False}, False)],
)
def test_session_cookies_are_secure_outside_debug(monkeypatch, settings, secure):
    for name in ("WORKBENCH_TESTING", "WORKBENCH_DEBUG", "WORKBENCH_SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    assert load_config(settings)["SESSION_COOKIE_SECURE"] is secure


def test_the_cookie_is_sent_with_the_secure_flag(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    add_user(app, "r@test.example")
    response = app.test_client().post(
        "/login", data={"email": "r@test.example", "password": PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_environment_can_turn_secure_cookies_off(monkeypatch):
    monkeypatch.setenv("WORKBENCH_SESSION_COOKIE_SECURE", "0")
    assert load_config()["SESSION_COOKIE_SECURE"] is False


def _user_id(app, email: str) -> int:
    with get_database(app).session_scope() as db_session:
        return db_session.exec(select(StaffUser.id).where(StaffUser.email == email)).one()


def test_an_admin_unlocks_a_locked_account_from_the_command_line(app, runner):
    add_user(app, "r@test.example")
    for _ in range(MAX_FAILED_LOGINS):
        app.test_client().post(
            "/login", data={"email": "r@test.example", "password": "wrong password!"}
        )
    from workbench.cli import main

    result = runner.invoke(main, args=["users", "unlock", "--email", "R@test.example"])
    assert result.exit_code == 0, result.output
    assert "Unlocked r@test.example." in result.output
    assert is_in(log_in(app, "r@test.example"))
    assert runner.invoke(main, args=["users", "unlock", "--email", "nobody@x.se"]).exit_code == 1
