"""Keys by client: every client-owned table's primary key, unique constraints and
foreign keys to other client-owned tables include the client's id, so that the schema
distributes by client (Citus) or hash-partitions by it (``schema/distribution.py``).

- Child rows (calculation rows, payment commitments, a decision's and a notice's
  attachment links, notice moves, information requests) get ``client_id``, filled from
  their parent; keys become ``(client_id, id)`` (the access log's ``(id, client_id)``,
  guardianships' ``(ward_id, id)``) and foreign keys between client-owned tables
  ``(client_id, parent_id)``.
- The global rules move to tables of their own, keyed by the rule's own key and filled
  from the existing rows: a personal identity code is one client's
  (``personal_id_index``); an issuer's external id names one record
  (``idempotency_keys``). A ledger event's hash is unique per client (it covers the
  client and the seq, so it is unique everywhere as well).
- The change capture's triggers read the client from the row itself, never from its
  parent.

On SQLite every changed table is rebuilt (batch mode), which drops its triggers: the
change capture and the append-only guards are installed again.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic import op

from schema.change_capture import Watched, install, uninstall

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Columns = tuple[str, ...]


@dataclass(frozen=True)
class Rekey:
    """One table's key change; ``parent`` is the (column, table) its client comes from."""

    table: str
    key: Columns
    old_key: Columns
    parent: tuple[str, str] | None = None
    foreign: dict[str, str] = field(default_factory=dict)
    """column → parent table, each a foreign key on (client_id, column)."""
    uniques: dict[str, Columns] = field(default_factory=dict)
    old_uniques: dict[str, Columns] = field(default_factory=dict)
    indexes: dict[str, Columns] = field(default_factory=dict)
    old_indexes: dict[str, Columns] = field(default_factory=dict)


def _ids(parent: str) -> Columns:
    return ("client_id", parent)


# Parents before their children: a composite foreign key needs its parent's new key.
REKEYS = [
    Rekey(
        "clients",
        ("id",),
        ("id",),
        old_uniques={"uq_clients_personal_id": ("personal_id",)},
    ),
    Rekey(
        "applications",
        ("client_id", "id"),
        ("id",),
        old_uniques={
            "uq_applications_recorded_by_org_external_id": ("recorded_by_org", "external_id")
        },
        indexes={"ix_applications_id": ("id",)},
        old_indexes={"ix_applications_client_id": ("client_id",)},
    ),
    Rekey("plan_versions", ("client_id", "id"), ("id",)),
    Rekey(
        "notices",
        ("client_id", "id"),
        ("id",),
        old_uniques={"uq_notices_sender_id_external_id": ("sender_id", "external_id")},
        indexes={"ix_notices_id": ("id",)},
        old_indexes={"ix_notices_client": ("client_id", "id")},
    ),
    Rekey(
        "decisions",
        ("client_id", "id"),
        ("id",),
        foreign={"application_id": "applications"},
        old_uniques={"uq_decisions_issuer_id_external_id": ("issuer_id", "external_id")},
        old_indexes={"ix_decisions_client": ("client_id", "id")},
    ),
    Rekey(
        "attachments",
        ("client_id", "id"),
        ("id",),
        foreign={
            "application_id": "applications",
            "decision_id": "decisions",
            "notice_id": "notices",
            "plan_version_id": "plan_versions",
        },
        indexes={"ix_attachments_id": ("id",)},
        old_indexes={"ix_attachments_client": ("client_id", "id")},
    ),
    Rekey(
        "information_requests",
        ("client_id", "id"),
        ("id",),
        parent=("application_id", "applications"),
        foreign={"application_id": "applications"},
        indexes={"ix_information_requests_application": _ids("application_id")},
        old_indexes={"ix_information_requests_application_id": ("application_id",)},
    ),
    *(
        Rekey(
            table,
            ("client_id", "id"),
            ("id",),
            parent=("decision_id", "decisions"),
            foreign={"decision_id": "decisions"},
            indexes={f"ix_{table}_decision": _ids("decision_id")},
            old_indexes={f"ix_{table}_decision_id": ("decision_id",)},
        )
        for table in ("decision_calculation_rows", "payment_commitments")
    ),
    Rekey(
        "decision_attachments",
        ("client_id", "decision_id", "attachment_id"),
        ("decision_id", "attachment_id"),
        parent=("decision_id", "decisions"),
        foreign={"decision_id": "decisions", "attachment_id": "attachments"},
    ),
    Rekey(
        "notice_moves",
        ("client_id", "id"),
        ("id",),
        parent=("notice_id", "notices"),
        foreign={"notice_id": "notices"},
        indexes={"ix_notice_moves_notice": _ids("notice_id")},
        old_indexes={"ix_notice_moves_notice_id": ("notice_id",)},
    ),
    Rekey(
        "notice_attachments",
        ("client_id", "notice_id", "attachment_id"),
        ("notice_id", "attachment_id"),
        parent=("notice_id", "notices"),
        foreign={"notice_id": "notices", "attachment_id": "attachments"},
    ),
    Rekey("client_digital_profiles", ("client_id", "id"), ("id",)),
    Rekey("contact_persons", ("client_id", "id"), ("id",)),
    Rekey(
        "guardianships",
        ("ward_id", "id"),
        ("id",),
        old_indexes={"ix_guardianships_ward_id": ("ward_id",)},
    ),
    Rekey(
        "consent_events",
        ("client_id", "id"),
        ("id",),
        uniques={"uq_consent_events_client_id_hash": ("client_id", "hash")},
        old_uniques={"uq_consent_events_hash": ("hash",)},
    ),
    # The id leads: SQLite, which has no sequence, finds the next id at the end of it.
    Rekey("access_log", ("id", "client_id"), ("id",)),
]

# The access log's partial indexes, which a rebuild on SQLite would not keep.
IDENTITY_WRITES = sa.text("action = 'WRITE' AND category = 'IDENTITY'")
PARTIAL_INDEXES = {
    "ix_access_log_identity_writes_subject": ["subject", "at"],
    "ix_access_log_identity_writes_org": ["organisation_id", "at"],
}


def _watched(direct: bool) -> list[Watched]:
    """0002's change capture; ``direct``: children read their client from their own row."""

    def child(table: str, entity: str, parent: str, parents: str) -> Watched:
        if direct:
            return Watched(table, entity, f"NEW.{parent}", own=False)
        client = f"(SELECT client_id FROM {parents} WHERE id = NEW.{parent})"
        return Watched(table, entity, f"NEW.{parent}", client, own=False)

    return [
        Watched("clients", "CLIENT", client_id="NEW.id"),
        Watched("client_digital_profiles", "CLIENT", "NEW.client_id", own=False),
        Watched("contact_persons", "CLIENT", "NEW.client_id", own=False),
        Watched("guardianships", "CLIENT", "NEW.ward_id", "NEW.ward_id", own=False),
        Watched("plan_versions", "PLAN"),
        Watched("applications", "APPLICATION"),
        child("information_requests", "APPLICATION", "application_id", "applications"),
        Watched("decisions", "DECISION"),
        *(
            child(table, "DECISION", "decision_id", "decisions")
            for table in (
                "decision_calculation_rows",
                "payment_commitments",
                "decision_attachments",
            )
        ),
        Watched("attachments", "ATTACHMENT"),
        Watched("notices", "NOTICE"),
        *(
            child(table, "NOTICE", "notice_id", "notices")
            for table in ("notice_moves", "notice_attachments")
        ),
        Watched("consent_events", "CONSENT_EVENT"),
    ]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _refuse_enforced_foreign_keys() -> None:
    """SQLite rebuilds a table to change its key; dropping the old one with foreign keys
    enforced would fail for every row that refers to it (``schema.db.migrate`` turns them
    off for the migration and checks them all afterwards)."""
    if _sqlite() and op.get_bind().execute(sa.text("PRAGMA foreign_keys")).scalar():
        raise RuntimeError(
            "migration 0007 rebuilds tables on SQLite: run it with foreign keys off "
            "(schema.db.migrate or `infocap migrate` does)"
        )


def upgrade() -> None:
    _refuse_enforced_foreign_keys()
    uninstall(op, _watched(direct=False))
    _unguard_sqlite()
    for rekey in REKEYS:
        if rekey.parent is not None:
            _add_client_id(rekey)
    if not _sqlite():
        for rekey in REKEYS:
            for column, parent in rekey.foreign.items():
                op.drop_constraint(_fk(rekey.table, column, parent), rekey.table, "foreignkey")
    for rekey in REKEYS:
        _change(
            rekey,
            key=rekey.key,
            drop_fks=[_fk(rekey.table, c, p) for c, p in rekey.foreign.items()],
            add_fks=[
                (_fk(rekey.table, "client_id", p), _ids(c), p) for c, p in rekey.foreign.items()
            ],
            drop_uniques=rekey.old_uniques,
            add_uniques=rekey.uniques,
            drop_indexes=rekey.old_indexes,
            add_indexes=rekey.indexes,
        )
    _create_rule_tables()
    _guard_sqlite()
    install(op, _watched(direct=True))


def downgrade() -> None:
    _refuse_enforced_foreign_keys()
    uninstall(op, _watched(direct=True))
    _unguard_sqlite()
    op.drop_table("idempotency_keys")
    op.drop_table("personal_id_index")
    if not _sqlite():
        for rekey in REKEYS:
            for parent in rekey.foreign.values():
                op.drop_constraint(_fk(rekey.table, "client_id", parent), rekey.table, "foreignkey")
    for rekey in reversed(REKEYS):
        _change(
            rekey,
            key=rekey.old_key,
            drop_fks=[_fk(rekey.table, "client_id", p) for p in rekey.foreign.values()],
            add_fks=[],
            drop_uniques=rekey.uniques,
            add_uniques=rekey.old_uniques,
            drop_indexes=rekey.indexes,
            add_indexes=rekey.old_indexes,
        )
    # The single-column foreign keys, once every parent has its single-column key again.
    for rekey in REKEYS:
        if rekey.foreign:
            with op.batch_alter_table(rekey.table) as batch:
                for column, parent in rekey.foreign.items():
                    batch.create_foreign_key(
                        _fk(rekey.table, column, parent), parent, [column], ["id"]
                    )
        if rekey.parent is not None:
            with op.batch_alter_table(rekey.table) as batch:
                batch.drop_column("client_id")
    _guard_sqlite()
    install(op, _watched(direct=False))


def _fk(table: str, column: str, parent: str) -> str:
    return f"fk_{table}_{column}_{parent}"


def _add_client_id(rekey: Rekey) -> None:
    """Add the client's id to a child table, filled from its parent's row."""
    if rekey.parent is None:
        return
    column, parent = rekey.parent
    with op.batch_alter_table(rekey.table) as batch:
        batch.add_column(sa.Column("client_id", sa.Uuid(), nullable=True))
    op.execute(
        f"UPDATE {rekey.table} SET client_id = "
        f"(SELECT p.client_id FROM {parent} p WHERE p.id = {rekey.table}.{column})"
    )


def _change(
    rekey: Rekey,
    *,
    key: Columns,
    drop_fks: list[str],
    add_fks: list[tuple[str, Columns, str]],
    drop_uniques: dict[str, Columns],
    add_uniques: dict[str, Columns],
    drop_indexes: dict[str, Columns],
    add_indexes: dict[str, Columns],
) -> None:
    table = rekey.table
    sqlite = _sqlite()
    if sqlite and table == "access_log":
        for name in PARTIAL_INDEXES:
            op.drop_index(name, table_name=table)
    with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
        if rekey.parent is not None and "client_id" in key:
            batch.alter_column("client_id", existing_type=sa.Uuid(), nullable=False)
        for name in drop_indexes:
            batch.drop_index(name)
        for name in drop_uniques:
            batch.drop_constraint(name, "unique")
        if sqlite:
            for name in drop_fks:
                batch.drop_constraint(name, "foreignkey")
        if rekey.key != rekey.old_key:
            batch.drop_constraint(f"pk_{table}", "primary")
            batch.create_primary_key(f"pk_{table}", list(key))
        for name, columns in add_uniques.items():
            batch.create_unique_constraint(name, list(columns))
        for name, columns in add_indexes.items():
            batch.create_index(name, list(columns))
        if sqlite:
            for name, columns, parent in add_fks:
                batch.create_foreign_key(name, parent, list(columns), ["client_id", "id"])
    if not sqlite:
        for name, columns, parent in add_fks:
            op.create_foreign_key(name, table, parent, list(columns), ["client_id", "id"])
    if sqlite and table == "access_log":
        for name, partial in PARTIAL_INDEXES.items():
            op.create_index(
                name, table, partial, sqlite_where=IDENTITY_WRITES, postgresql_where=IDENTITY_WRITES
            )


def _create_rule_tables() -> None:
    op.create_table(
        "personal_id_index",
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("lookup", name=op.f("pk_personal_id_index")),
    )
    op.execute(
        "INSERT INTO personal_id_index (lookup, client_id) SELECT personal_id, id FROM clients"
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("issuer", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "issuer", "external_id", name=op.f("pk_idempotency_keys")),
    )
    for kind, issuer, table, at in (
        ("DECISION", "issuer_id", "decisions", "recorded_at"),
        ("NOTICE", "sender_id", "notices", "sent_at"),
        ("APPLICATION", "recorded_by_org", "applications", "recorded_at"),
    ):
        op.execute(
            "INSERT INTO idempotency_keys"
            " (kind, issuer, external_id, client_id, record_id, recorded_at)"
            f" SELECT '{kind}', {issuer}, external_id, client_id, id, {at} FROM {table}"
            " WHERE external_id IS NOT NULL"
        )


# ---- SQLite's append-only guards (0001), lost when a table is rebuilt ----------------------

APPEND_ONLY = {
    "consent_events": (
        "id = NEW.id OR (client_id = NEW.client_id AND seq = NEW.seq) OR hash = NEW.hash"
    ),
    "access_log": "id = NEW.id",
}


def _unguard_sqlite() -> None:
    if not _sqlite():
        return
    for table in APPEND_ONLY:
        for operation in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


def _guard_sqlite() -> None:
    if not _sqlite():
        return
    for table, keys in APPEND_ONLY.items():
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'infocap: {operation} on {table} is refused: "
                "the table is append-only'); END"
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {keys}) "
            f"BEGIN SELECT RAISE(ABORT, 'infocap: REPLACE on {table} is refused: "
            "the table is append-only'); END"
        )
