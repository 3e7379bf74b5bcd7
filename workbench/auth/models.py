"""Staff accounts and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from workbench.db import UTCDateTime, enum_column, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    RESEARCHER = "researcher"
    PRODUCT_OWNER = "product_owner"
    VIEWER = "viewer"


class Scope(StrEnum):
    """What an API token may do: read feedback back out, or send feedback in."""

    READ = "read"
    WRITE = "write"


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(default="", max_length=200)
    role: Role = Field(sa_type=enum_column(Role))
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Part of every login's cookie: raising it ends all of the account's sessions at once
    # (logout, password change, admin reset, "log out everywhere").
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Wrong passwords in a row, counted in the database so that every worker and every client
    # address shares one count; at the limit the account waits until ``locked_until``.
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Flask-Login's user protocol, kept here so that any StaffUser can be logged in.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # SHA-256 of the token: tokens carry 256 random bits, so a fast hash is safe here.
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None, foreign_key="staff_users.id", ondelete="SET NULL"
    )
    # Comma-separated Scope values, such as "write" or "read,write". Tokens made before scopes
    # existed get both, so that running integrations keep working after the upgrade.
    scopes: str = Field(
        default="read,write", max_length=50, sa_column_kwargs={"server_default": "read,write"}
    )

    @property
    def scope_set(self) -> frozenset[Scope]:
        # An unknown word (a scope from a newer version, a hand edit) grants nothing.
        return frozenset(scope for scope in Scope if scope.value in self.scopes.split(","))

    def allows(self, scope: Scope) -> bool:
        return scope in self.scope_set
