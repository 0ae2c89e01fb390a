"""The transparency log: log index, stored nodes, checkpoints, cosignatures, and the
integrator's lock row; the new tables get the append-only guards of 0001.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger()
WHEN = sa.DateTime(timezone=True)

APPEND_ONLY = ("ledger_log", "ledger_log_nodes", "ledger_checkpoints", "ledger_cosignatures")
# For SQLite's REPLACE guard: an insert meeting any existing key would overwrite a row.
REPLACE_KEYS = {
    "ledger_log": "log_index = NEW.log_index OR (client_id = NEW.client_id AND seq = NEW.seq)",
    "ledger_log_nodes": "level = NEW.level AND node_index = NEW.node_index",
    "ledger_checkpoints": "tree_size = NEW.tree_size",
    "ledger_cosignatures": "tree_size = NEW.tree_size AND witness = NEW.witness",
}


def upgrade() -> None:
    op.create_table(
        "ledger_log",
        sa.Column("log_index", BIG, autoincrement=False, nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("integrated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_ledger_log")),
        sa.UniqueConstraint("client_id", "seq", name=op.f("uq_ledger_log_client_id_seq")),
    )
    op.create_table(
        "ledger_log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", BIG, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_ledger_log_nodes")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("tree_size", BIG, autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("previous_tree_size", BIG, nullable=True),
        sa.Column("consistency_proof", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("tree_size", BIG, autoincrement=False, nullable=False),
        sa.Column("witness", sa.String(length=300), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", BIG, nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("tree_size", "witness", name=op.f("pk_ledger_cosignatures")),
    )
    lock = op.create_table(
        "ledger_integrator",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("runs", BIG, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_integrator")),
    )
    op.bulk_insert(lock, [{"id": 1, "runs": 0}])
    _install_append_only_guards()


def downgrade() -> None:
    _drop_append_only_guards()
    op.drop_table("ledger_integrator")
    op.drop_table("ledger_cosignatures")
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_log_nodes")
    op.drop_table("ledger_log")


def _install_append_only_guards() -> None:
    """As 0001 does for the ledger and the access log (its trigger function is reused)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION infocap_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION infocap_refuse_change()"
            )
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")
        return
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'infocap: {operation} on {table} is refused: "
                "the table is append-only'); END"
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {REPLACE_KEYS[table]}) "
            f"BEGIN SELECT RAISE(ABORT, 'infocap: REPLACE on {table} is refused: "
            "the table is append-only'); END"
        )


def _drop_append_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        return
    for table in APPEND_ONLY:
        for operation in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
