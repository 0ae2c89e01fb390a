"""A backup restored into a fresh database still verifies (docs/operations.md): a
populated database is copied the way the operations guide says (``pg_dump -Fc`` and
``pg_restore`` on PostgreSQL, SQLite's online backup on the embedded database), and
``infocap ledger verify`` on the copy exits 0 with the same events and chains. The
append-only guards come back with the restore."""

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from schema.db import is_sqlite
from tests.factories import client_principal, grant, personal_id, register
from tests.pgserver import find_bindir

TIMEOUT = 120


def cli(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOCAP_")}
    env["INFOCAP_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "graph.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def restore_postgresql(url: str, tmp_path: Path) -> str:
    """``pg_dump -Fc`` of ``url``, restored with ``pg_restore`` into a new database."""
    source = make_url(url)
    bindir = find_bindir()
    connection = ["-h", source.host or "127.0.0.1", "-p", str(source.port), "-U", "postgres"]
    dump = tmp_path / "infocap.dump"
    subprocess.run(
        [str(bindir / "pg_dump"), *connection, "-Fc", "-f", str(dump), source.database or ""],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    fresh = f"r_{uuid.uuid4().hex[:10]}"
    admin = source.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {fresh}")
    subprocess.run(
        [str(bindir / "pg_restore"), *connection, "--exit-on-error", "-d", fresh, str(dump)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return source.set(database=fresh).render_as_string(False)


def restore_sqlite(url: str, tmp_path: Path) -> str:
    """SQLite's online backup (what ``sqlite3 infocap.db ".backup copy.db"`` does)."""
    copy = tmp_path / "restored.db"
    with sqlite3.connect(make_url(url).database or "") as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return f"sqlite:///{copy}"


def drop_postgresql(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)")


async def test_a_restored_backup_verifies(api, database_url, tmp_path):
    for _ in range(3):
        pid = personal_id()
        client_id = await register(api, personalId=pid)
        await grant(api, client_principal(pid), client_id, "kela", ["PLAN", "LIFE_ECONOMY"])
        await grant(api, client_principal(pid), client_id, "wc-lappi", ["PLAN"])

    before = cli(database_url, "ledger", "verify", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    # Per client: the INFORMED event the factory records before the first grant, and two grants.
    assert "9 events in 3 chains" in before.stdout

    sqlite = is_sqlite(database_url)
    restored = (
        restore_sqlite(database_url, tmp_path)
        if sqlite
        else restore_postgresql(database_url, tmp_path)
    )
    try:
        after = cli(restored, "ledger", "verify", cwd=tmp_path)
        assert after.returncode == 0, after.stdout + after.stderr
        assert after.stdout == before.stdout
        migrated = cli(restored, "check", cwd=tmp_path)
        assert "OK   migrations: at head" in migrated.stdout, migrated.stdout
        guarded = "DELETE FROM consent_events"
        if sqlite:
            with (
                sqlite3.connect(make_url(restored).database or "") as db,
                pytest.raises(sqlite3.DatabaseError, match="append-only"),
            ):
                db.execute(guarded)
        else:
            plain = make_url(restored).set(drivername="postgresql").render_as_string(False)
            with (
                psycopg.connect(plain) as conn,
                pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
            ):
                conn.execute(guarded)
    finally:
        if not sqlite:
            drop_postgresql(restored)
