"""Change capture for the change feed: triggers that write an outbox row for every
insert or update of a client-owned table, on PostgreSQL and SQLite alike.

Migrations call ``install`` with the tables to watch, one ``Watched`` line each. A row
of a child table (an information request, a notice move) names its parent entity, so
the feed speaks of the entities callers know (``APPLICATION``, ``NOTICE``). Within one
transaction an entity gets one outbox row however many of its rows were written.

The outbox rows get their feed position later, from the sequencer
(``schema/sequencer.py``), once committed: the triggers never wait for it.
"""

from dataclasses import dataclass
from typing import Any

SEQUENCER_LOCK = "change_sequencer"


@dataclass(frozen=True)
class Watched:
    """A table whose inserts and updates are changes of ``entity``.

    ``entity_id`` and ``client_id`` are SQL expressions over ``NEW``; ``own`` says
    whether the table is the entity's own (an insert CREATES it) or a child of it (an
    insert UPDATES the parent)."""

    table: str
    entity: str
    entity_id: str = "NEW.id"
    client_id: str = "NEW.client_id"
    own: bool = True


def _op(watched: Watched, operation: str) -> str:
    return "CREATED" if watched.own and operation == "INSERT" else "UPDATED"


def install(op: Any, watched: list[Watched]) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for item in watched:
        if postgres:
            _install_postgres(op, item)
        else:
            _install_sqlite(op, item)


def uninstall(op: Any, watched: list[Watched]) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for item in watched:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {item.table}_changes ON {item.table}")
            op.execute(f"DROP FUNCTION IF EXISTS infocap_change_{item.table}()")
        else:
            for operation in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {item.table}_changes_{operation}")


def _install_postgres(op: Any, item: Watched) -> None:
    op.execute(
        f"""
        CREATE FUNCTION infocap_change_{item.table}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            entity uuid := {item.entity_id};
            client uuid := {item.client_id};
        BEGIN
            IF client IS NULL THEN
                RETURN NULL;
            END IF;
            INSERT INTO changes (id, client_id, entity_type, entity_id, op, txid, appended)
            SELECT gen_random_uuid(), client, '{item.entity}', entity,
                   CASE WHEN TG_OP = 'INSERT' THEN '{_op(item, "INSERT")}' ELSE 'UPDATED' END,
                   txid_current(), nextval('changes_appended_seq')
            WHERE NOT EXISTS (
                SELECT 1 FROM changes
                WHERE position IS NULL AND txid = txid_current()
                  AND entity_type = '{item.entity}' AND entity_id = entity
            );
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {item.table}_changes AFTER INSERT OR UPDATE ON {item.table} "
        f"FOR EACH ROW EXECUTE FUNCTION infocap_change_{item.table}()"
    )


def _install_sqlite(op: Any, item: Watched) -> None:
    # SQLite has one writer at a time, so an unsequenced row of the entity, whoever
    # wrote it, is not yet delivered: the feed will carry the entity as it is then.
    for operation in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER {item.table}_changes_{operation.lower()} "
            f"AFTER {operation} ON {item.table} "
            f"WHEN ({item.client_id}) IS NOT NULL AND NOT EXISTS ("
            f"SELECT 1 FROM changes WHERE position IS NULL "
            f"AND entity_type = '{item.entity}' AND entity_id = {item.entity_id}) "
            f"BEGIN INSERT INTO changes (id, client_id, entity_type, entity_id, op, appended) "
            f"VALUES (lower(hex(randomblob(16))), {item.client_id}, '{item.entity}', "
            f"{item.entity_id}, '{_op(item, operation)}', "
            f"(SELECT coalesce(max(appended), 0) + 1 FROM changes)); END"
        )
