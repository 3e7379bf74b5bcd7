"""Staff accounts and API tokens at the service layer: hashing, checks, tokens."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from tests.factories import PASSWORD, make_staff_user
from workbench.auth import services
from workbench.auth.models import ApiToken, Role, StaffUser
from workbench.db import metadata
from workbench.errors import Conflict, ValidationFailed

NEW_PASSWORD = "a long enough password"


def test_hash_password_uses_argon2_and_salts():
    first = services.hash_password(PASSWORD)
    second = services.hash_password(PASSWORD)
    assert first.startswith("$argon2")
    assert PASSWORD not in first
    assert first != second  # a fresh salt every time


def test_authenticate_with_right_password_returns_the_user(session):
    user = make_staff_user(session, email="ann@test.example")
    assert user.last_login_at is None
    found = services.authenticate(session, "ann@test.example", PASSWORD)
    assert found is not None
    assert found.id == user.id
    assert found.last_login_at is not None


def test_authenticate_with_wrong_password_returns_none(session):
    make_staff_user(session, email="ann@test.example")
    assert services.authenticate(session, "ann@test.example", PASSWORD + "x") is None
    assert services.authenticate(session, "ann@test.example", "") is None


def test_authenticate_refuses_inactive_user(session):
    make_staff_user(session, email="gone@test.example", is_active=False)
    assert services.authenticate(session, "gone@test.example", PASSWORD) is None


def test_authenticate_refuses_unknown_email(session):
    make_staff_user(session, email="ann@test.example")
    assert services.authenticate(session, "nobody@test.example", PASSWORD) is None


def test_authenticate_ignores_email_case_and_spaces(session):
    user = services.create_staff_user(session, "Mixed.Case@Test.Example", Role.VIEWER, PASSWORD)
    assert user.email == "mixed.case@test.example"
    found = services.authenticate(session, "  MIXED.case@TEST.example ", PASSWORD)
    assert found is not None
    assert found.id == user.id


def test_create_staff_user_stores_an_argon2_hash_never_the_password(session):
    user = services.create_staff_user(
        session, "new@test.example", "researcher", PASSWORD, name="  Nina  "
    )
    stored = session.exec(select(StaffUser).where(StaffUser.id == user.id)).one()
    assert stored.role == Role.RESEARCHER
    assert stored.name == "Nina"
    assert stored.password_hash.startswith("$argon2")
    assert PASSWORD not in stored.password_hash
    assert services.authenticate(session, "new@test.example", PASSWORD).id == user.id


@pytest.mark.parametrize("email", ["not-an-email", "", "a@", "two@@test.example"])
def test_create_staff_user_rejects_bad_email(session, email):
    with pytest.raises(ValidationFailed, match="e-mail"):
        services.create_staff_user(session, email, Role.VIEWER, PASSWORD)
    assert session.exec(select(StaffUser)).all() == []


def test_create_staff_user_rejects_short_password(session):
    short = "x" * (services.MIN_PASSWORD_LENGTH - 1)
    with pytest.raises(ValidationFailed, match="at least"):
        services.create_staff_user(session, "ann@test.example", Role.VIEWER, short)
    assert session.exec(select(StaffUser)).all() == []


def test_create_staff_user_rejects_unknown_role(session):
    with pytest.raises(ValidationFailed, match="Unknown role"):
        services.create_staff_user(session, "ann@test.example", "superuser", PASSWORD)
    assert session.exec(select(StaffUser)).all() == []


def test_create_staff_user_refuses_duplicate_email_in_any_case(session):
    services.create_staff_user(session, "ann@test.example", Role.VIEWER, PASSWORD)
    with pytest.raises(Conflict, match="already exists"):
        services.create_staff_user(session, "ANN@test.example", Role.ADMIN, PASSWORD)
    assert len(session.exec(select(StaffUser)).all()) == 1


def _update(session, user, **changes):
    values = {"name": user.name, "role": user.role, "is_active": user.is_active}
    values.update(changes)
    return services.update_staff_user(session, user, **values)


def test_update_staff_user_changes_name_role_and_password(session):
    user = make_staff_user(session, email="ann@test.example", role=Role.VIEWER)
    _update(session, user, name=" Ann ", role="product_owner", new_password=NEW_PASSWORD)
    assert user.name == "Ann"
    assert user.role == Role.PRODUCT_OWNER
    assert services.authenticate(session, "ann@test.example", PASSWORD) is None
    assert services.authenticate(session, "ann@test.example", NEW_PASSWORD).id == user.id


def test_update_staff_user_rejects_short_new_password(session):
    user = make_staff_user(session, email="ann@test.example")
    with pytest.raises(ValidationFailed):
        _update(session, user, new_password="short")


def test_cannot_demote_the_last_active_admin(session):
    admin = make_staff_user(session, role=Role.ADMIN)
    make_staff_user(session, role=Role.ADMIN, is_active=False)  # inactive admins do not count
    with pytest.raises(Conflict, match="last active admin"):
        _update(session, admin, role=Role.RESEARCHER)
    assert admin.role == Role.ADMIN


def test_cannot_deactivate_the_last_active_admin(session):
    admin = make_staff_user(session, role=Role.ADMIN)
    with pytest.raises(Conflict, match="last active admin"):
        _update(session, admin, is_active=False)
    assert admin.is_active


def test_an_admin_may_be_demoted_when_another_admin_remains(session):
    first = make_staff_user(session, role=Role.ADMIN)
    second = make_staff_user(session, role=Role.ADMIN)
    _update(session, first, role=Role.VIEWER, acting_user_id=second.id)
    assert first.role == Role.VIEWER
    assert services.count_active_admins(session) == 1
    with pytest.raises(Conflict, match="last active admin"):
        _update(session, second, role=Role.VIEWER, acting_user_id=second.id)


def test_cannot_deactivate_yourself(session):
    make_staff_user(session, role=Role.ADMIN)
    admin = make_staff_user(session, role=Role.ADMIN)
    with pytest.raises(Conflict, match="your own account"):
        _update(session, admin, is_active=False, acting_user_id=admin.id)
    assert admin.is_active


def test_another_admin_may_deactivate_a_user(session):
    admin = make_staff_user(session, role=Role.ADMIN)
    user = make_staff_user(session, role=Role.RESEARCHER, email="ann@test.example")
    _update(session, user, is_active=False, acting_user_id=admin.id)
    assert not user.is_active
    assert services.authenticate(session, "ann@test.example", PASSWORD) is None


def _every_stored_value(session) -> list[str]:
    values = []
    for table in metadata.sorted_tables:
        for row in session.execute(table.select()):
            values.extend(str(value) for value in row if value is not None)
    return values


def test_create_api_token_stores_only_a_sha256_hash(session):
    token, plain = services.create_api_token(session, "  zendesk ")
    session.commit()
    assert plain.startswith(services.TOKEN_PREFIX)
    assert len(plain) > 40
    stored = session.exec(select(ApiToken).where(ApiToken.id == token.id)).one()
    assert stored.name == "zendesk"
    assert stored.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(stored.prefix)
    secret_part = plain[len(stored.prefix) :]
    for value in _every_stored_value(session):
        assert plain not in value
        assert secret_part not in value


def test_create_api_token_needs_a_name(session):
    with pytest.raises(ValidationFailed):
        services.create_api_token(session, "   ")
    assert session.exec(select(ApiToken)).all() == []


def test_each_api_token_is_different(session):
    _first, plain_one = services.create_api_token(session, "one")
    _second, plain_two = services.create_api_token(session, "two")
    assert plain_one != plain_two


def test_verify_api_token_accepts_the_plain_token(session):
    token, plain = services.create_api_token(session, "zendesk")
    assert token.last_used_at is None
    found = services.verify_api_token(session, plain)
    assert found is not None
    assert found.id == token.id
    assert found.last_used_at is not None


def test_verify_api_token_refuses_a_revoked_token(session):
    token, plain = services.create_api_token(session, "zendesk")
    services.revoke_api_token(session, token.id)
    assert token.revoked_at is not None
    assert services.verify_api_token(session, plain) is None


@pytest.mark.parametrize(
    "attempt",
    [
        lambda plain: plain + "x",
        lambda plain: plain[:-1],
        lambda plain: plain.upper(),
        lambda plain: hashlib.sha256(plain.encode()).hexdigest(),  # the stored hash itself
        lambda plain: "",
    ],
    ids=["suffix", "truncated", "upper", "hash", "empty"],
)
def test_verify_api_token_refuses_a_wrong_token(session, attempt):
    _token, plain = services.create_api_token(session, "zendesk")
    assert services.verify_api_token(session, attempt(plain)) is None
