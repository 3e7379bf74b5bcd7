"""Staff accounts and API tokens: hashing, creation, authentication."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, select

from workbench.addresses import normalise_email
from workbench.auth.models import ApiToken, Role, Scope, StaffUser
from workbench.db import utcnow
from workbench.errors import Conflict, NotFound, ValidationFailed

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "wb_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
# Wrong passwords in a row before an account waits, and how long it waits.
MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=15)

_password_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def create_staff_user(
    session: Session, email: str, role: Role | str, password: str, name: str = ""
) -> StaffUser:
    """Create a staff account with an argon2 password hash."""
    email = normalise_email(email)
    check_password_rules(password)
    try:
        role = Role(role)
    except ValueError as error:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(f"Unknown role {role!r}; choose one of {allowed}.") from error
    if session.exec(select(StaffUser).where(StaffUser.email == email)).first():
        raise Conflict(f"A staff user with e-mail {email} already exists.")
    user = StaffUser(
        email=email, name=name.strip(), role=role, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    return user


def get_staff_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound("No such staff user.")
    return user


def list_staff_users(session: Session) -> list[StaffUser]:
    return list(session.exec(select(StaffUser).order_by(StaffUser.email)))


def update_staff_user(
    session: Session,
    user: StaffUser,
    *,
    name: str,
    role: Role | str,
    is_active: bool,
    new_password: str | None = None,
    acting_user_id: int | None = None,
) -> StaffUser:
    """Change a staff account; refuses to leave the workbench without an active admin."""
    role = Role(role)
    losing_admin = (
        user.role == Role.ADMIN and user.is_active and (role != Role.ADMIN or not is_active)
    )
    if losing_admin and count_active_admins(session) <= 1:
        raise Conflict("This is the last active admin; make someone else admin first.")
    if acting_user_id == user.id and not is_active:
        raise Conflict("You cannot deactivate your own account.")
    user.name = name.strip()
    user.role = role
    user.is_active = is_active
    if new_password:
        check_password_rules(new_password)
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        user.locked_until = None
    if new_password or not is_active:
        end_sessions(user)
    session.add(user)
    session.flush()
    return user


def count_active_admins(session: Session) -> int:
    query = select(StaffUser).where(StaffUser.role == Role.ADMIN, StaffUser.is_active)
    return len(session.exec(query).all())


def unlock_staff_user(session: Session, email: str) -> StaffUser:
    """Clear an account's wrong-password count and lock (an admin's way out of a lockout)."""
    user = session.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"No staff user with e-mail {email}.")
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    session.flush()
    return user


def end_sessions(user: StaffUser) -> None:
    """End every session of ``user`` (the cookie's version no longer matches)."""
    user.session_version = (user.session_version or 0) + 1


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """Return the active user with these credentials, or None; rehashes outdated hashes.

    Wrong passwords are counted on the account; after MAX_FAILED_LOGINS in a row it refuses
    even the right password until LOCKOUT has passed. The caller commits either way."""
    user = session.exec(select(StaffUser).where(StaffUser.email == email.strip().lower())).first()
    now = utcnow()
    if user is None or not user.is_active or (user.locked_until and user.locked_until > now):
        # Spend the same time as a real check so that timing does not reveal which e-mails exist.
        _password_hasher.hash(password)
        return None
    try:
        _password_hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        _count_failed_login(session, user, now)
        return None
    if _password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    return user


def _count_failed_login(session: Session, user: StaffUser, now) -> None:
    # One UPDATE, so that attempts racing on several workers are all counted.
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
    )
    session.refresh(user)
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.failed_logins = 0
        user.locked_until = now + LOCKOUT
        session.add(user)
        session.flush()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(scopes: Iterable[Scope | str]) -> frozenset[Scope]:
    """The scopes named, refusing none at all and unknown words."""
    try:
        chosen = frozenset(Scope(scope) for scope in scopes)
    except ValueError as error:
        allowed = ", ".join(scope.value for scope in Scope)
        raise ValidationFailed(f"Unknown scope; choose from {allowed}.") from error
    if not chosen:
        raise ValidationFailed("A token needs at least one scope (read or write).")
    return chosen


def create_api_token(
    session: Session,
    name: str,
    created_by_id: int | None = None,
    scopes: Iterable[Scope | str] = (Scope.READ, Scope.WRITE),
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token, which is never stored.

    The default of both scopes is what every token could do before scopes existed; the admin
    page and the CLI ask for write only unless told otherwise."""
    name = name.strip()
    if not name:
        raise ValidationFailed("A token needs a name.")
    chosen = parse_scopes(scopes)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:10],
        created_by_id=created_by_id,
        scopes=",".join(scope.value for scope in Scope if scope in chosen),
    )
    session.add(token)
    session.flush()
    return token, plain


def list_api_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(ApiToken.created_at.desc())))


def revoke_api_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("No such API token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
    return token


def verify_api_token(session: Session, plain: str) -> ApiToken | None:
    """Return the live token matching ``plain``, or None; notes its use at most once a minute."""
    if not plain:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(plain))).first()
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        # At most one write a minute per token, so busy API clients do not queue on it.
        token.last_used_at = now
        session.add(token)
    return token
