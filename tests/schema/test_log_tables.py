"""The log's tables only grow, on both databases: log index, nodes, checkpoints and
cosignatures refuse UPDATE, DELETE, TRUNCATE, upserts and SQLite's REPLACE."""

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.note import cosign, split_note
from ledger.witnessing import checkpoint_now
from schema.db import is_sqlite, make_engine, make_sessions, make_sync_engine
from schema.models import LogCheckpoint, LogCosignature
from tests.ledger.logkit import LogDb, clients_with_grants, log_config
from tests.schema.test_migrations import refusal_problems

T0 = datetime(2026, 6, 1, tzinfo=UTC)
CHANGES = {
    "ledger_log": [
        "UPDATE ledger_log SET event_hash = 'forged'",
        "UPDATE ledger_log SET log_index = log_index + 100",
        "DELETE FROM ledger_log WHERE log_index = (SELECT max(log_index) FROM ledger_log)",
        "DELETE FROM ledger_log",
    ],
    "ledger_log_nodes": [
        "UPDATE ledger_log_nodes SET hash = hash WHERE level = 0",
        "DELETE FROM ledger_log_nodes WHERE level = 1",
        "DELETE FROM ledger_log_nodes",
    ],
    "ledger_checkpoints": [
        "UPDATE ledger_checkpoints SET note = 'forged'",
        "DELETE FROM ledger_checkpoints",
    ],
    "ledger_cosignatures": [
        "UPDATE ledger_cosignatures SET line = 'forged'",
        "DELETE FROM ledger_cosignatures",
    ],
}
UPSERTS = {
    "ledger_log": "INSERT INTO ledger_log (log_index, client_id, seq, event_hash, integrated_at)"
    " SELECT log_index, client_id, seq, 'forged', integrated_at FROM ledger_log WHERE true"
    " ON CONFLICT (log_index) DO UPDATE SET event_hash = excluded.event_hash",
    "ledger_log_nodes": "INSERT INTO ledger_log_nodes (level, node_index, hash)"
    " SELECT level, node_index, hash FROM ledger_log_nodes WHERE true"
    " ON CONFLICT (level, node_index) DO UPDATE SET hash = excluded.hash",
    "ledger_checkpoints": "INSERT INTO ledger_checkpoints (tree_size, root_hash, note,"
    " created_at, previous_tree_size, consistency_proof) SELECT tree_size, root_hash, 'forged',"
    " created_at, previous_tree_size, consistency_proof FROM ledger_checkpoints WHERE true"
    " ON CONFLICT (tree_size) DO UPDATE SET note = excluded.note",
    "ledger_cosignatures": "INSERT INTO ledger_cosignatures (tree_size, witness, line,"
    " cosigned_at, received_at) SELECT tree_size, witness, 'forged', cosigned_at, received_at"
    " FROM ledger_cosignatures WHERE true"
    " ON CONFLICT (tree_size, witness) DO UPDATE SET line = excluded.line",
}


def replaces(table: str) -> list[str]:
    columns = {
        "ledger_log": "log_index, client_id, seq, event_hash, integrated_at",
        "ledger_log_nodes": "level, node_index, hash",
        "ledger_checkpoints": "tree_size, root_hash, note, created_at, previous_tree_size,"
        " consistency_proof",
        "ledger_cosignatures": "tree_size, witness, line, cosigned_at, received_at",
    }[table]
    return [f"REPLACE INTO {table} ({columns}) SELECT {columns} FROM {table}"]  # noqa: S608


async def fill_the_log(url: str) -> None:
    """Two checkpoints and a cosignature, made as the service makes them."""
    engine = make_engine(url)
    try:
        db = LogDb(url, engine, make_sessions(engine), log_config())
        await clients_with_grants(db, [2, 1])
        await checkpoint_now(db.sessions, db.config, db.clock)
        await clients_with_grants(db, [1])
        stored = await checkpoint_now(db.sessions, db.config, db.clock)
        witness = Ed25519PrivateKey.generate()
        line = cosign(split_note(stored.note)[0], "w.test/1", witness, 1_760_000_000)
        async with db.sessions() as session, session.begin():
            assert await session.get(LogCheckpoint, stored.tree_size) is not None
            session.add(
                LogCosignature(
                    tree_size=stored.tree_size,
                    witness=f"w.test/1+{line.key_id.hex()}",
                    line=line.line,
                    cosigned_at=1_760_000_000,
                    received_at=T0,
                )
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("table", sorted(CHANGES))
async def test_the_log_s_tables_refuse_every_change(database_url: str, table: str) -> None:
    await fill_the_log(database_url)
    statements = [*CHANGES[table], UPSERTS[table]]
    if is_sqlite(database_url):
        statements += replaces(table)
    else:
        statements += [f"TRUNCATE {table}", f"TRUNCATE {table} CASCADE"]
    engine = make_sync_engine(database_url)
    try:
        problems = refusal_problems(engine, table, statements)
    finally:
        engine.dispose()
    assert problems == [], "\n".join(problems)
