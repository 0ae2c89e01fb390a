"""The schema distributes by client: every table is classified once
(``schema/distribution.py``), and every client-owned table's primary key, unique
constraints and foreign keys to other client-owned tables include the client's id —
checked on the migrated schema of each database, partitioned or not."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

import schema.models  # noqa: F401  (registers every table)
from schema.base import Base
from schema.db import make_sync_engine
from schema.distribution import (
    CLIENT_TABLES,
    GLOBAL_ORDER,
    INDEX_TABLES,
    REFERENCE_TABLES,
    SINGLE_NODE_TABLES,
    citus_script,
    key_problems,
    placement,
)
from schema.partitioning import PARTITION_SCHEMA


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_sync_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_the_migrated_schema_keeps_the_key_rules(engine: Engine) -> None:
    assert key_problems(inspect(engine), PARTITION_SCHEMA) == []


def test_every_model_is_classified_once() -> None:
    unclassified = [t for t in Base.metadata.tables if placement(t) is None]
    assert unclassified == []
    sets = [set(CLIENT_TABLES), set(REFERENCE_TABLES), set(INDEX_TABLES), set(SINGLE_NODE_TABLES)]
    assert sum(len(s) for s in sets) == len(set().union(*sets)), "a table is in two classes"


def test_a_client_owned_model_leads_its_key_with_the_client() -> None:
    """The models' keys, as the ORM reads them: (client, row) for every client-owned
    table but the access log, whose id leads (SQLite numbers it from the end of the key)."""
    for name, column in CLIENT_TABLES.items():
        key = [c.name for c in Base.metadata.tables[name].primary_key.columns]
        assert column in key, name
        if name not in ("clients", "access_log"):
            assert key[0] == column, name


def test_the_check_fails_for_an_unclassified_table(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch_notes (id INTEGER PRIMARY KEY)"))
    assert key_problems(inspect(engine), PARTITION_SCHEMA) == [
        "scratch_notes: not classified in schema/distribution.py"
    ]


def test_the_check_names_a_key_without_the_client(engine: Engine) -> None:
    """A client-owned table whose key, unique constraint or foreign key leaves out the
    client is named (``changes`` standing in: its id alone made unique, its client key
    pointed elsewhere)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("rebuilding the outbox is shown once, on SQLite")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        connection.execute(text("DROP TABLE changes"))
        connection.execute(
            text(
                "CREATE TABLE changes (client_id CHAR(32) NOT NULL, id CHAR(32) NOT NULL,"
                " decision_id CHAR(32), position INTEGER,"
                " CONSTRAINT pk_changes PRIMARY KEY (id),"
                " CONSTRAINT uq_changes_position UNIQUE (position),"
                " CONSTRAINT uq_changes_id UNIQUE (id),"
                " CONSTRAINT fk_changes_decision FOREIGN KEY (decision_id) REFERENCES decisions (id))"
            )
        )
    problems = key_problems(inspect(engine))
    assert "changes: primary key ['id'] lacks client_id" in problems
    assert "changes: unique uq_changes_id ['id'] lacks client_id" in problems
    assert not any("uq_changes_position" in p for p in problems), GLOBAL_ORDER
    assert any(
        p.startswith("changes: foreign key") and "decisions.client_id" in p for p in problems
    )


def test_the_citus_script_is_generated_from_the_classification() -> None:
    script = Path(__file__).parents[2] / "docker" / "citus.sql"
    assert script.read_text(encoding="utf-8") == citus_script()


def test_citus_distributes_a_parent_before_the_tables_that_refer_to_it() -> None:
    order = list(CLIENT_TABLES)
    for name in order:
        for fk in Base.metadata.tables[name].foreign_keys:
            parent = fk.column.table.name
            if parent in CLIENT_TABLES and parent != name:
                assert order.index(parent) < order.index(name), (name, parent)
