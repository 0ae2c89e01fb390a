"""Hash-partitioning a migrated PostgreSQL database by client: every client-owned table
(and every index table, by its own key) becomes ``PARTITION BY HASH (column)`` with N
partitions, keeping its rows, keys, indexes, triggers, owner and grants.

Native partitioning enforces the rules Citus does — a primary key or unique constraint
must include the partition column — so a schema that converts is one that distributes;
the test suite runs on a converted database (``INFOCAP_TEST_DATABASES`` with
``postgresql-partitioned``). Operators may use it too (``infocap partition``), in a
maintenance window: it rewrites every client-owned table in one transaction.

The partitions live in the schema ``partitions``: the service reads and writes through
the partitioned tables only, and is granted nothing on the partitions themselves. Row
triggers (change capture, the append-only guards) are cloned to every partition by
PostgreSQL; the statement-level ``TRUNCATE`` guards are put on every partition as well.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from schema.distribution import GLOBAL_ORDER, distribution_column, partitioned_constraint

PARTITION_SCHEMA = "partitions"


@dataclass(frozen=True)
class _Table:
    name: str
    column: str
    constraints: list[tuple[str, str, str]]
    """(table, name, definition) of the keys, uniques and checks on it."""
    indexes: list[str]
    triggers: list[tuple[str, str, bool]]
    """(name, definition, row-level)."""
    grants: list[tuple[str, str]]
    """(privilege, grantee) — grantee quoted, or PUBLIC."""
    owner: str
    sequences: list[tuple[str, str]]
    """(sequence, column) owned by a column of the table."""


def partition_by_client(connection: Connection, partitions: int = 8) -> list[str]:
    """Convert every distributed table not yet partitioned; the tables converted."""
    if connection.dialect.name != "postgresql":
        raise ValueError("only PostgreSQL partitions tables")
    if partitions < 1:
        raise ValueError("at least one partition")
    names = [name for name in _plain_tables(connection) if distribution_column(name) is not None]
    tables = [_describe(connection, name) for name in names]
    foreign = _foreign_keys(connection, names)
    run = _runner(connection)
    run(f"CREATE SCHEMA IF NOT EXISTS {PARTITION_SCHEMA}")
    for on, name, _ in foreign:
        run(f'ALTER TABLE {on} DROP CONSTRAINT "{name}"')
    for table in tables:
        _rebuild(connection, table, partitions)
    for table in tables:
        for on, name, definition in table.constraints:
            named = partitioned_constraint(table.name, name)
            run(f'ALTER TABLE {on} ADD CONSTRAINT "{named}" {_per_client(table, name, definition)}')
        for index in table.indexes:
            run(index)
    for on, name, definition in foreign:
        run(f'ALTER TABLE {on} ADD CONSTRAINT "{name}" {definition}')
    for table in tables:
        _finish(connection, table, partitions)
    return names


def _runner(connection: Connection) -> Callable[[str], None]:
    def run(statement: str) -> None:
        connection.execute(text(statement))

    return run


def _plain_tables(connection: Connection) -> list[str]:
    """The ordinary tables of the current schema (partitioned ones are 'p')."""
    return list(
        connection.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
            )
        ).scalars()
    )


def _describe(connection: Connection, name: str) -> _Table:
    oid = connection.execute(text("SELECT to_regclass(:t)::oid"), {"t": name}).scalar_one()
    constraints = [
        (name, str(row.conname), str(row.definition))
        for row in connection.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                " WHERE conrelid = :oid AND contype IN ('p', 'u', 'x', 'c')"
                " ORDER BY contype = 'p' DESC, conname"
            ),
            {"oid": oid},
        )
    ]
    indexes = list(
        connection.execute(
            text(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = :oid"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conindid = i.indexrelid AND c.conrelid = :oid)"
                " ORDER BY i.indexrelid::regclass::text"
            ),
            {"oid": oid},
        ).scalars()
    )
    triggers = [
        (str(row.tgname), str(row.definition), bool(row.tgtype & 1))
        for row in connection.execute(
            text(
                "SELECT tgname, tgtype, pg_get_triggerdef(oid) AS definition FROM pg_trigger"
                " WHERE tgrelid = :oid AND NOT tgisinternal ORDER BY tgname"
            ),
            {"oid": oid},
        )
    ]
    owner = connection.execute(
        text("SELECT quote_ident(relowner::regrole::text) FROM pg_class WHERE oid = :oid"),
        {"oid": oid},
    ).scalar_one()
    grants = [
        (str(row.privilege), str(row.grantee))
        for row in connection.execute(
            text(
                "SELECT a.privilege_type AS privilege, CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
                " ELSE quote_ident(a.grantee::regrole::text) END AS grantee"
                " FROM pg_class c, aclexplode(c.relacl) a"
                " WHERE c.oid = :oid AND a.grantee <> c.relowner"
            ),
            {"oid": oid},
        )
    ]
    sequences = [
        (str(row.sequence), str(row.attname))
        for row in connection.execute(
            text(
                "SELECT d.objid::regclass::text AS sequence, a.attname FROM pg_depend d"
                " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
                " JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
                " WHERE d.refobjid = :oid AND d.deptype = 'a'"
            ),
            {"oid": oid},
        )
    ]
    column = distribution_column(name)
    if column is None:
        raise ValueError(f"{name} is not a distributed table")
    return _Table(name, column, constraints, indexes, triggers, grants, owner, sequences)


def _foreign_keys(connection: Connection, names: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key from or to one of ``names``."""
    return [
        (str(row.on), str(row.conname), str(row.definition))
        for row in connection.execute(
            text(
                "SELECT conrelid::regclass::text AS on, conname,"
                " pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                " WHERE contype = 'f' AND (conrelid = ANY(:oids) OR confrelid = ANY(:oids))"
                " ORDER BY conrelid::regclass::text, conname"
            ),
            {"oids": [_oid(connection, name) for name in names]},
        )
    ]


def _oid(connection: Connection, name: str) -> int:
    return int(connection.execute(text("SELECT to_regclass(:t)::oid"), {"t": name}).scalar_one())


def _per_client(table: _Table, name: str, definition: str) -> str:
    """A global-order unique constraint becomes unique per client (``GLOBAL_ORDER``)."""
    if name not in GLOBAL_ORDER.get(table.name, ()):
        return definition
    return definition.replace("UNIQUE (", f"UNIQUE ({table.column}, ", 1)


def _rebuild(connection: Connection, table: _Table, partitions: int) -> None:
    """The table again, partitioned, with its rows; keys and the rest come after."""
    run = _runner(connection)
    new = f'"{table.name}__partitioned"'
    run(
        f"CREATE TABLE {new} (LIKE {table.name} INCLUDING DEFAULTS INCLUDING GENERATED"
        f" INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)"
        f" PARTITION BY HASH ({table.column})"
    )
    for remainder in range(partitions):
        run(
            f"CREATE TABLE {_partition(table, remainder)} PARTITION OF {new}"
            f" FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
        )
    run(f"INSERT INTO {new} SELECT * FROM {table.name}")  # noqa: S608
    for sequence, column in table.sequences:
        run(f'ALTER SEQUENCE {sequence} OWNED BY {new}."{column}"')
    run(f"DROP TABLE {table.name}")
    run(f'ALTER TABLE {new} RENAME TO "{table.name}"')


def _partition(table: _Table, remainder: int) -> str:
    return f'{PARTITION_SCHEMA}."{table.name}_p{remainder}"'


def _finish(connection: Connection, table: _Table, partitions: int) -> None:
    """Triggers, owner and grants, as the table had them."""
    run = _runner(connection)
    for _, definition, row_level in table.triggers:
        run(definition)
        if not row_level:  # PostgreSQL clones row triggers only
            on = f" ON {_qualified(connection, table.name)} "
            for remainder in range(partitions):
                run(definition.replace(on, f" ON {_partition(table, remainder)} ", 1))
    run(f"ALTER TABLE {table.name} OWNER TO {table.owner}")
    for remainder in range(partitions):
        run(f"ALTER TABLE {_partition(table, remainder)} OWNER TO {table.owner}")
    for privilege, grantee in table.grants:
        run(f"GRANT {privilege} ON {table.name} TO {grantee}")


def _qualified(connection: Connection, name: str) -> str:
    """The table as ``pg_get_triggerdef`` names it (schema-qualified, quoted as needed)."""
    return str(
        connection.execute(
            text(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(:t)"
            ),
            {"t": name},
        ).scalar_one()
    )
