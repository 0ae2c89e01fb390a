"""On PostgreSQL the service can run as a role that lacks UPDATE, DELETE and TRUNCATE on
the append-only tables (the ledger, the log's index, nodes, checkpoints and cosignatures,
the access log), while migrations run as the owner (a PostgreSQL-only concept)."""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from graph.app import create_app
from graph.settings import load_settings
from schema.db import make_engine, migrate
from schema.models import LogCosignature
from tests.factories import client_principal, grant, personal_id, register
from tests.pgserver import PostgresServer
from tests.support import ISSUER, Api, Clock, Keys, principal


@pytest.fixture
def owner_and_app(pg: PostgresServer) -> tuple[str, str]:
    name = f"r_{uuid.uuid4().hex[:10]}"
    admin = pg.url().replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "DO $$ BEGIN CREATE ROLE infocap_app LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        conn.execute(f"CREATE DATABASE {name}")
    owner = pg.url(name)
    return owner, owner.replace("postgres@", "infocap_app@")


async def test_the_service_role_cannot_change_what_only_grows(
    owner_and_app, keys: Keys, tmp_path: Path
):
    owner, app_url = owner_and_app
    ledger_key = tmp_path / "ledger.pem"
    ledger_key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = load_settings(
        {
            "INFOCAP_DATABASE_URL": app_url,
            "INFOCAP_MIGRATION_DATABASE_URL": owner,
            "INFOCAP_JWKS_FILE": str(keys.jwks_path),
            "INFOCAP_JWT_ISSUER": ISSUER,
            "INFOCAP_ATTACHMENT_DIR": str(tmp_path / "attachments"),
            "INFOCAP_LEDGER_KEY_FILE": str(ledger_key),
            "INFOCAP_LEDGER_ORIGIN": "role.infocap.test/consent",
            "INFOCAP_CHECKPOINT_INTERVAL": "0",
        }
    )
    assert settings.app_role == "infocap_app"
    migrate(settings.migration_database_url or "", app_role=settings.app_role)

    app = create_app(settings, clock=Clock())
    async with app.router.lifespan_context(app):
        api = Api(app)
        pid = personal_id()
        client_id = await register(api, personalId=pid)
        await grant(api, client_principal(pid), client_id, "kela", ["PLAN"])
        # the service, as its own role, integrates, signs and keeps a checkpoint
        made = await api.ok(principal("dpo", "kela"), "mutation { createCheckpoint { treeSize } }")
        assert made["createCheckpoint"]["treeSize"] == 2  # the INFORMED event, then the grant
        async with app.state.runtime.sessions() as session, session.begin():
            session.add(
                LogCosignature(
                    tree_size=1, witness="w.test/1+00000000", line="-", cosigned_at=0,
                    received_at=datetime.now(UTC),
                )
            )  # fmt: skip

    engine = make_engine(app_url)
    try:
        for statement in (
            "UPDATE consent_events SET canonical = 'forged'",
            "DELETE FROM consent_events",
            "TRUNCATE consent_events CASCADE",
            "UPDATE access_log SET allowed = true",
            "DELETE FROM access_log",
            "TRUNCATE access_log",
            "UPDATE ledger_log SET event_hash = 'forged'",
            "DELETE FROM ledger_log",
            "TRUNCATE ledger_log",
            "UPDATE ledger_log_nodes SET hash = hash",
            "DELETE FROM ledger_log_nodes",
            "TRUNCATE ledger_log_nodes",
            "UPDATE ledger_checkpoints SET note = 'forged'",
            "DELETE FROM ledger_checkpoints",
            "TRUNCATE ledger_checkpoints",
            "UPDATE ledger_cosignatures SET line = 'forged'",
            "DELETE FROM ledger_cosignatures",
            "TRUNCATE ledger_cosignatures",
            "UPDATE client_fact_changes SET protected_identity = NOT protected_identity",
            "DELETE FROM client_fact_changes",
            "TRUNCATE client_fact_changes",
        ):
            async with engine.connect() as connection:
                with pytest.raises(DBAPIError, match="permission denied") as refused:
                    await connection.execute(text(statement))
                error = refused.value
                assert isinstance(error.orig, psycopg.errors.InsufficientPrivilege)
        async with engine.connect() as connection:
            assert (
                await connection.execute(text("SELECT count(*) FROM consent_events"))
            ).scalar() == 2  # INFORMED, then the GRANT
            assert (
                await connection.execute(text("SELECT count(*) FROM access_log"))
            ).scalar_one() > 0
            # two log entries (one per event), one checkpoint, and its one cosignature row
            kept = {
                "ledger_log": 2,
                "ledger_checkpoints": 1,
                "ledger_cosignatures": 1,
                "client_fact_changes": 1,  # the client's facts at registration
            }
            for table, rows in kept.items():
                counted = await connection.execute(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
                assert counted.scalar_one() == rows, table
            await connection.execute(text("UPDATE clients SET phone = '+358 1' WHERE true"))
    finally:
        await engine.dispose()


def test_no_app_role_when_the_service_migrates_as_itself():
    assert (
        load_settings({"INFOCAP_DATABASE_URL": "postgresql://infocap@db/infocap"}).app_role is None
    )
    same = load_settings(
        {
            "INFOCAP_DATABASE_URL": "postgresql://infocap@db/i",
            "INFOCAP_MIGRATION_DATABASE_URL": "postgresql://infocap@db/i",
        }
    )
    assert same.app_role is None
