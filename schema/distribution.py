"""How every table distributes: by client, as reference data, by a key of its own, or not
at all. Declared once, here; ``tests/schema/test_distribution.py`` checks the migrated
schema against it and fails for a table it does not classify.

- **Client-owned** tables are distributed (Citus) or hash-partitioned (PostgreSQL) by the
  column holding the client's id. Their primary key, every unique constraint and every
  foreign key to another client-owned table include that column, so a client's rows of
  every table live together (colocated) and a hot statement, which names one client,
  touches one shard.
- **Reference** tables are small and global: every node holds a copy.
- **Index** tables hold a rule that is global by nature (a personal identity code is one
  client's; an issuer's external id names one record) as a row keyed by that rule's own
  key, distributed by it and written in the same transaction as the client's row.
- **Single-node** tables belong to one global writer (the change feed's sequencer, the
  ledger's log integrator): they stay on the coordinator, beside it.

Invariants: the table sets are disjoint; every client-owned table names its column; the
only unique constraints of client-owned tables without the client column are the change
feed's global order (``GLOBAL_ORDER``), which the sequencer — one writer under a lock —
keeps, and which become per-client constraints once the table is distributed.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy import Inspector
from sqlalchemy.engine.interfaces import ReflectedForeignKeyConstraint


class Placement(StrEnum):
    CLIENT = "client"
    REFERENCE = "reference"
    INDEX = "index"
    SINGLE_NODE = "single-node"


CLIENT_TABLES: Mapping[str, str] = MappingProxyType(
    {
        # The client's own row: its id is the distribution column of all the others.
        # Parents come before the tables that refer to them (the order Citus needs).
        "clients": "id",
        "client_digital_profiles": "client_id",
        "contact_persons": "client_id",
        "client_relationships": "client_id",
        "client_fact_changes": "client_id",
        # The ward is the client; the column keeps the name that says which of the two
        # persons it is (the guardian is known by a personal identity code, not a row).
        "guardianships": "ward_id",
        "applications": "client_id",
        "information_requests": "client_id",
        "plan_versions": "client_id",
        "notices": "client_id",
        "notice_moves": "client_id",
        "decisions": "client_id",
        "decision_calculation_rows": "client_id",
        "payment_commitments": "client_id",
        "attachments": "client_id",
        "decision_attachments": "client_id",
        "notice_attachments": "client_id",
        "consent_events": "client_id",
        "consent_rules": "client_id",
        "ledger_heads": "client_id",
        "access_log": "client_id",
        "changes": "client_id",
    }
)

REFERENCE_TABLES: frozenset[str] = frozenset(
    {
        "organisations",
        "policy_changes",
        # Content metadata by SHA-256, shared by every client whose attachment has those
        # bytes (stored once); attachments name it by a foreign key.
        "blobs",
    }
)

INDEX_TABLES: Mapping[str, str] = MappingProxyType(
    {
        "personal_id_index": "lookup",
        "idempotency_keys": "external_id",
    }
)

SINGLE_NODE_TABLES: frozenset[str] = frozenset(
    {
        "alembic_version",
        "change_sequencer",
        # The ledger's global Merkle log: written by its one integrator only.
        "ledger_log",
        "ledger_log_nodes",
        "ledger_checkpoints",
        "ledger_cosignatures",
        "ledger_integrator",
    }
)

GLOBAL_ORDER: Mapping[str, frozenset[str]] = MappingProxyType(
    {"changes": frozenset({"uq_changes_appended", "uq_changes_position"})}
)
"""Unique constraints of client-owned tables that are global by design: the change
feed's one order over every client. On a distributed database each becomes unique per
client (``partitioned_constraint``), and the sequencer's lock keeps it global."""


def placement(table: str) -> Placement | None:
    """Where ``table`` lives; ``None`` for a table nobody classified (a test fails on it)."""
    if table in CLIENT_TABLES:
        return Placement.CLIENT
    if table in REFERENCE_TABLES:
        return Placement.REFERENCE
    if table in INDEX_TABLES:
        return Placement.INDEX
    if table in SINGLE_NODE_TABLES:
        return Placement.SINGLE_NODE
    return None


def distribution_column(table: str) -> str | None:
    """The column a distributed table is split by (client-owned and index tables)."""
    return CLIENT_TABLES.get(table) or INDEX_TABLES.get(table)


def partitioned_constraint(table: str, name: str) -> str:
    """The per-client name a global-order constraint takes on a distributed table."""
    return f"{name}_per_client" if name in GLOBAL_ORDER.get(table, ()) else name


def key_problems(inspector: Inspector, partitions_schema: str | None = None) -> list[str]:
    """Every breach of the rules above in a database, as readable lines (none: it
    distributes). ``partitions_schema``: where a partitioned database keeps its
    partitions, whose cloned foreign keys are PostgreSQL's, not the schema's."""
    problems: list[str] = []
    tables = set(inspector.get_table_names())
    problems += [
        f"{t}: not classified in schema/distribution.py"
        for t in sorted(tables)
        if placement(t) is None
    ]
    declared = set(CLIENT_TABLES) | REFERENCE_TABLES | set(INDEX_TABLES)
    problems += [f"{t}: declared but not in the database" for t in sorted(declared - tables)]
    for table in sorted(tables):
        where = placement(table)
        foreign = [
            fk
            for fk in inspector.get_foreign_keys(table)
            if partitions_schema is None or fk.get("referred_schema") != partitions_schema
        ]
        if where == Placement.CLIENT:
            problems += _client_table_problems(inspector, table, foreign)
        elif where == Placement.INDEX:
            problems += _keyed_by(inspector, table, INDEX_TABLES[table])
            problems += [
                f"{table}: an index table has no foreign key ({fk['name']})" for fk in foreign
            ]
        elif where in (Placement.REFERENCE, Placement.SINGLE_NODE):
            problems += [
                f"{table}: a {where.value} table refers to a distributed table ({fk['name']})"
                for fk in foreign
                if placement(fk["referred_table"]) in (Placement.CLIENT, Placement.INDEX)
            ]
    return problems


def _keyed_by(inspector: Inspector, table: str, column: str) -> list[str]:
    problems = []
    columns = {c["name"]: c for c in inspector.get_columns(table)}
    if column not in columns:
        return [f"{table}: has no column {column}"]
    if columns[column]["nullable"]:
        problems.append(f"{table}.{column} may be NULL")
    key = inspector.get_pk_constraint(table)["constrained_columns"]
    if column not in key:
        problems.append(f"{table}: primary key {key} lacks {column}")
    return problems


def _client_table_problems(
    inspector: Inspector, table: str, foreign: list[ReflectedForeignKeyConstraint]
) -> list[str]:
    column = CLIENT_TABLES[table]
    problems = _keyed_by(inspector, table, column)
    global_order = GLOBAL_ORDER.get(table, frozenset())
    uniques = [(u["name"], u["column_names"]) for u in inspector.get_unique_constraints(table)] + [
        (i["name"], i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]
    ]
    problems += [
        f"{table}: unique {name} {columns} lacks {column}"
        for name, columns in uniques
        if column not in columns and name not in global_order
    ]
    for fk in foreign:
        referred = fk["referred_table"]
        if placement(referred) == Placement.REFERENCE:
            continue
        if placement(referred) != Placement.CLIENT:
            problems.append(f"{table}: foreign key {fk['name']} refers to {referred}")
            continue
        pairs = dict(zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
        if pairs.get(column) != CLIENT_TABLES[referred]:
            problems.append(
                f"{table}: foreign key {fk['name']} does not pair {column} with "
                f"{referred}.{CLIENT_TABLES[referred]}"
            )
    return problems


def citus_script(shard_count: int = 32) -> str:
    """The SQL that distributes a migrated database on Citus, from the classification
    above (``docker/citus.sql`` holds it; a test keeps the two equal)."""
    lines = [
        "-- Distribute infocap on Citus. Generated from schema/distribution.py",
        "-- (schema.distribution.citus_script); docs/scaling.md explains every step.",
        "-- Run once on the coordinator, as the owner, after `infocap migrate`.",
        "BEGIN;",
        f"SET LOCAL citus.shard_count = {shard_count};",
        "-- The change capture and the append-only guards are row triggers on client-owned",
        "-- tables; the capture writes the same client's row of the colocated outbox.",
        "SET LOCAL citus.enable_unsafe_triggers = on;",
        "",
        "-- The change feed's global order is kept per client once distributed; the",
        "-- sequencer, one writer under a lock, keeps it global.",
    ]
    for table, names in GLOBAL_ORDER.items():
        column = CLIENT_TABLES[table]
        for name in sorted(names):
            target = name.removeprefix(f"uq_{table}_")
            lines += [
                f"ALTER TABLE {table} DROP CONSTRAINT {name},",
                f"  ADD CONSTRAINT {partitioned_constraint(table, name)}"
                f" UNIQUE ({column}, {target});",
            ]
    lines += ["", "-- Reference tables: a copy on every node."]
    lines += [f"SELECT create_reference_table('{t}');" for t in sorted(REFERENCE_TABLES)]
    lines += ["", "-- Client-owned tables: sharded by the client, all colocated with clients."]
    for table, column in CLIENT_TABLES.items():
        colocate = "" if table == "clients" else ", colocate_with => 'clients'"
        lines.append(f"SELECT create_distributed_table('{table}', '{column}'{colocate});")
    lines += ["", "-- Index tables: sharded by their own key, each a colocation group of its own."]
    lines += [
        f"SELECT create_distributed_table('{t}', '{c}', colocate_with => 'none');"
        for t, c in INDEX_TABLES.items()
    ]
    lines += [
        "",
        "-- Single-node tables (" + ", ".join(sorted(SINGLE_NODE_TABLES)) + ")",
        "-- stay on the coordinator, written by their one global writer.",
        "COMMIT;",
    ]
    return "\n".join(lines) + "\n"
