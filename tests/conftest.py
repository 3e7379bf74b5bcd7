"""Shared fixtures: an app per test on a fresh database, a client, a session and logins.

SQLite (the default): every test gets a copy of a database file made once per run.
PostgreSQL (WORKBENCH_TEST_DATABASE_URL set): the schema is made once per run and every test
runs inside one outer transaction, with the app's sessions joining it through savepoints.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient
from sqlalchemy import text
from sqlmodel import Session, select

import workbench.models  # noqa: F401  (registers the tables)
from tests.factories import PASSWORD, make_staff_user
from workbench import create_app
from workbench.auth.models import Role, StaffUser
from workbench.db import get_database, make_engine, metadata

POSTGRES_URL = os.environ.get("WORKBENCH_TEST_DATABASE_URL")

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "FORM_RATE_LIMIT": "off",
    "LOGIN_RATE_LIMIT": "off",
    "LINK_RATE_LIMIT": "off",
    "RATELIMIT_STORAGE_URL": "memory://",
}


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        metadata.drop_all(engine)
        metadata.create_all(engine)
        engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "workbench.db"
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


def database_url_for_test(database_template: Path | None, tmp_path: Path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    path = tmp_path / "workbench.db"
    shutil.copy(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(database_template: Path | None, tmp_path: Path) -> Iterator:
    """Build apps with extra settings; on PostgreSQL each runs in a rolled-back transaction."""
    cleanups = []
    url = database_url_for_test(database_template, tmp_path)

    def factory(**overrides) -> Flask:
        settings = {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance")}
        app = create_app({**BASE_CONFIG, **settings, **overrides})
        database = get_database(app)
        if POSTGRES_URL:
            connection = database.engine.connect()
            transaction = connection.begin()
            database.bind = connection
            cleanups.append(lambda: (transaction.rollback(), connection.close()))
        cleanups.append(database.engine.dispose)
        return app

    yield factory
    for cleanup in cleanups:
        cleanup()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session for service tests; commit() here is only a savepoint on PostgreSQL."""
    db_session = get_database(app).new_session()
    yield db_session
    db_session.close()


class LoggedInClient(FlaskLoginClient):
    """Flask-Login's test client, with the session stamps a real login sets (see auth.access)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with self.session_transaction() as flask_session:
            flask_session["login_at"] = flask_session["seen_at"] = int(time.time())


class AuthActions:
    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self._app = app
        self._client = client

    def login(self, role: Role | str = Role.ADMIN, email: str | None = None) -> StaffUser:
        role = Role(role)
        email = email or f"{role.value}@test.example"
        with get_database(self._app).session_scope() as db_session:
            existing = db_session.exec(select(StaffUser).where(StaffUser.email == email)).first()
            user = existing or make_staff_user(db_session, role=role, email=email)
        response = self._client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def logout(self) -> None:
        self._client.post("/logout")


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> AuthActions:
    return AuthActions(app, client)
