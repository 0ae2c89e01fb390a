"""Engines, sessions and migrations for the two databases.

URLs are written as the user writes them (``sqlite:///./infocap.db``,
``postgresql://…`` or ``postgresql+psycopg://…``); the async and sync driver forms are
derived here. SQLite connections get foreign keys, WAL and a busy timeout, so that
several writers queue instead of failing.
"""

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _url(url: str, *, sync: bool) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite" if sync else "sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def async_url(url: str) -> URL:
    return _url(url, sync=False)


def sync_url(url: str) -> URL:
    return _url(url, sync=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, foreign_keys: bool = True) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """``hide_parameters``: an error's text never carries the values bound to a statement
    (a personal identity code must not reach a log through an exception)."""
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(target, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        target,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def make_sync_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    """``foreign_keys=False``: SQLite does not enforce them (a migration that rebuilds a
    table other tables refer to; ``check_foreign_keys`` afterwards)."""
    target = sync_url(url)
    engine = create_engine(target, hide_parameters=True)
    if target.get_backend_name() == "sqlite":
        event.listen(
            engine,
            "connect",
            lambda connection, record: _sqlite_pragmas(
                connection, record, foreign_keys=foreign_keys
            ),
        )
    return engine


def check_foreign_keys(connection: Connection) -> None:
    """SQLite: refuse to finish a migration that left a row referring to nothing."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        table, _rowid, parent, _fk = broken[0]
        raise RuntimeError(
            f"the migration left {len(broken)} broken foreign key(s), e.g. {table} → {parent}"
        )


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


APPEND_ONLY_TABLES = (
    "consent_events",
    "access_log",
    "policy_changes",
    "client_fact_changes",
    "ledger_log",
    "ledger_log_nodes",
    "ledger_checkpoints",
    "ledger_cosignatures",
)


def migrate(url: str, revision: str = "head", *, app_role: str | None = None) -> None:
    """Bring the database at ``url`` to ``revision`` (blocking; run it off the event loop).

    On PostgreSQL, ``app_role`` names the role the service connects as when it is not the
    owner that migrates: it is granted what the service needs and no more, so it can
    never UPDATE, DELETE or TRUNCATE the append-only tables."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # SQLite rebuilds a table to change its keys: foreign keys are checked once, after.
    engine = make_sync_engine(url, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            check_foreign_keys(connection)
            if app_role is not None and connection.dialect.name == "postgresql":
                grant_app_role(connection, app_role)
    finally:
        engine.dispose()


def grant_app_role(connection: Connection, role: str) -> None:
    """SELECT and INSERT on every table, UPDATE and DELETE only where rows may change."""
    quote = connection.dialect.identifier_preparer.quote
    grantee = quote(role)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {grantee}"))
    for table in inspect(connection).get_table_names():
        target = quote(table)
        connection.execute(text(f"REVOKE ALL ON {target} FROM {grantee}"))
        privileges = "SELECT, INSERT"
        if table not in APPEND_ONLY_TABLES and table != "alembic_version":
            privileges += ", UPDATE, DELETE"
        connection.execute(text(f"GRANT {privileges} ON {target} TO {grantee}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {grantee}"))


def head_revisions() -> frozenset[str]:
    """The revisions a fully migrated database is at."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database is at; empty when it was never migrated."""
    from alembic.migration import MigrationContext

    return frozenset(MigrationContext.configure(connection).get_current_heads())


def role_of(url: str) -> str | None:
    return make_url(url).username


async def insert_if_absent(
    session: AsyncSession, model: type[Any], values: dict[str, Any], unique: list[str]
) -> bool:
    """INSERT … ON CONFLICT (unique) DO NOTHING; True if the row was inserted.

    Race-free idempotency on both databases: of two concurrent inserts of one key,
    exactly one inserts and the other learns it did not."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    key = [getattr(model, column.key) for column in model.__mapper__.primary_key]
    statement = (
        insert(model).values(**values).on_conflict_do_nothing(index_elements=unique).returning(*key)
    )
    # RETURNING, not rowcount: a driver may report -1 where nothing was inserted.
    return (await session.execute(statement)).first() is not None
