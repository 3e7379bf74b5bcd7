"""Database engine per app, a session per request, the naming convention and column types."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    from flask import Flask

# Stable constraint names so that Alembic migrations are reproducible on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive value as UTC and convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC; always hands back aware datetimes (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value)


def enum_column(enum_class: type[Enum]) -> sa.Enum:
    """A VARCHAR column holding an enum's values (portable, readable in SQL)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


#: How the next SQLite transaction in this context starts. Writers take the write lock up front
#: (BEGIN IMMEDIATE) so that they queue on the busy timeout; a deferred transaction that reads
#: and then writes can instead fail at once when another writer committed in between.
sqlite_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and real savepoints."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,  # errors in the log must not carry feedback text or e-mails
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # The sqlite3 module would otherwise open transactions itself, only before writes,
            # so a SAVEPOINT would start (and its RELEASE commit) a transaction of its own.
            dbapi_connection.isolation_level = None
            # SQLite's lower() folds only A-Z; Swedish names need å, ä and ö folded too.
            dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_write_intent.get() else "BEGIN")

        return engine
    # psycopg prepares a statement after five runs and PostgreSQL may then keep a generic plan
    # made while a table was still small (a full scan); plan every statement afresh instead.
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"prepare_threshold": None},
        hide_parameters=True,  # errors in the log must not carry feedback text or e-mails
    )


class Database:
    """What the app knows about its database: the engine and what sessions bind to.

    Tests on PostgreSQL point ``bind`` at one connection inside an outer transaction, so every
    session joins it through savepoints and the test's writes vanish at rollback.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bind: Engine | Connection = engine

    def new_session(self) -> Session:
        return Session(self.bind, expire_on_commit=False, join_transaction_mode="create_savepoint")

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error (CLI, workers)."""
        intent = sqlite_write_intent.set(True)
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            sqlite_write_intent.reset(intent)


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Run ``action`` once ``session``'s transaction has committed; forget it on rollback.

    For what must not happen before the data is there for everyone: bumping a page cache
    (a reader in between would cache the old data for the cache's lifetime), starting a job.
    An action must not use the session (its transaction is over) and runs once however often
    it is registered. One registered inside a savepoint that rolls back still runs at the
    outer commit: actions are the kind of thing that is harmless then (a cache bump).
    """
    pending = session.info.setdefault("after_commit", [])
    if action not in pending:
        pending.append(action)


@event.listens_for(OrmSession, "after_commit")
def _run_after_commit(session: OrmSession) -> None:
    for action in session.info.pop("after_commit", []):
        action()


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_after_rollback(session: OrmSession, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: its work is gone
        session.info.pop("after_commit", None)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its % and _ taken literally (escape "\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def init_app(app: Flask) -> None:
    app.extensions["workbench.db"] = Database(make_engine(app.config["DATABASE_URL"]))
    app.teardown_appcontext(close_session)


def get_database(app: Flask | None = None) -> Database:
    from flask import current_app

    return (app or current_app).extensions["workbench.db"]


def get_session() -> Session:
    """The request's session, created on first use and closed at teardown."""
    from flask import g, has_request_context, request

    if "db_session" not in g:
        writes = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
        sqlite_write_intent.set(writes)
        g.db_session = get_database().new_session()
    return g.db_session


def rollback_session() -> None:
    from flask import g

    session = g.get("db_session")
    if session is not None:
        session.rollback()


def close_session(_exc: BaseException | None = None) -> None:
    from flask import g

    session = g.pop("db_session", None)
    if session is not None:
        session.close()
        sqlite_write_intent.set(False)  # the thread may serve a read next


def in_chunks(values: list[Any], size: int = 1000) -> Iterator[list[Any]]:
    """``values`` a slice at a time: bulk statements and ``IN`` lists stay a bounded size."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
