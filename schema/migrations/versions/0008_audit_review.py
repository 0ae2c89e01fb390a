"""Audit: the history of the client facts that change in place (protected identity, the
responsible organiser), the policy subjects on every access-log row, and the access log's
indexes for review (a dpo's list and summary, and the events its rows name).

``client_fact_changes`` is append-only like the ledger (0001's trigger function is
reused on PostgreSQL). Every existing client gets one row, ``how = 'MIGRATION'``, with its
values as they are now: what they were before this migration is not known.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "client_fact_changes"
WHEN = sa.DateTime(timezone=True)
CONSENT_NAMED = sa.text("consent_seq IS NOT NULL")
PROHIBITION_NAMED = sa.text("prohibition_seq IS NOT NULL")
REGISTRATIONS = sa.text("basis = 'REGISTRATION'")
PROTECTED = sa.text("protected_identity")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("protected_identity", sa.Boolean(), nullable=False),
        sa.Column("organiser_id", sa.String(length=64), nullable=False),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("by_sub", sa.String(length=200), nullable=True),
        sa.Column("by_org", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_fact_changes_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["organisations.id"],
            name=op.f("fk_client_fact_changes_organiser_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("client_id", "seq", name=op.f("pk_client_fact_changes")),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            "ix_client_fact_changes_protected",
            ["client_id"],
            unique=False,
            sqlite_where=PROTECTED,
            postgresql_where=PROTECTED,
        )
    op.execute(
        sa.text(
            f"INSERT INTO {TABLE} (client_id, seq, at, protected_identity, organiser_id, how,"
            " by_sub, by_org) SELECT id, 1, registered_at, protected_identity, organiser_id,"
            " 'MIGRATION', NULL, NULL FROM clients"
        )
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subjects", sa.String(length=200), nullable=True))
    _access_log_indexes()
    _install_append_only_guards()


def _access_log_indexes() -> None:
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index("ix_access_log_org_at", ["organisation_id", "at"], unique=False)
        batch_op.create_index(
            "ix_access_log_registrations",
            ["id"],
            unique=False,
            sqlite_where=REGISTRATIONS,
            postgresql_where=REGISTRATIONS,
        )
        batch_op.create_index(
            "ix_access_log_consent_named",
            ["client_id", "consent_seq", "organisation_id"],
            unique=False,
            sqlite_where=CONSENT_NAMED,
            postgresql_where=CONSENT_NAMED,
        )
        batch_op.create_index(
            "ix_access_log_prohibition_named",
            ["client_id", "prohibition_seq", "organisation_id"],
            unique=False,
            sqlite_where=PROHIBITION_NAMED,
            postgresql_where=PROHIBITION_NAMED,
        )


def downgrade() -> None:
    _drop_append_only_guards()
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        for name in (
            "ix_access_log_prohibition_named",
            "ix_access_log_consent_named",
            "ix_access_log_registrations",
            "ix_access_log_org_at",
        ):
            batch_op.drop_index(name)
    _drop_column_of_append_only("access_log", "subjects")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_client_fact_changes_protected")
    op.drop_table(TABLE)


def _drop_column_of_append_only(table: str, column: str) -> None:
    """SQLite drops a column by copying the table: its rows are deleted and inserted again,
    which the append-only guards refuse; drop them around it (0001 installs them)."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column(table, column)
        return
    for operation in ("update", "delete", "replace"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column(column)
    _sqlite_guards(table, "id = NEW.id")


def _install_append_only_guards() -> None:
    """As 0001 does for the ledger and the access log."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION infocap_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION infocap_refuse_change()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE} FROM PUBLIC")
        return
    _sqlite_guards(TABLE, "client_id = NEW.client_id AND seq = NEW.seq")


def _sqlite_guards(table: str, same_key: str) -> None:
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'infocap: {operation} on {table} is refused: "
            "the table is append-only'); END"
        )
    op.execute(
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {same_key}) "
        f"BEGIN SELECT RAISE(ABORT, 'infocap: REPLACE on {table} is refused: "
        "the table is append-only'); END"
    )


def _drop_append_only_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        return
    for operation in ("update", "delete", "replace"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{operation}")
