"""The change feed's outbox and sequencer, the triggers that fill it, and the client's
immigrant mark (for the long-term-recipient notice).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schema.change_capture import Watched, install, uninstall

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One line per watched table: adding a table to the feed is adding a line here (in a
# new migration: ``install(op, [Watched(...)])``).
WATCHED = [
    Watched("clients", "CLIENT", client_id="NEW.id"),
    Watched("client_digital_profiles", "CLIENT", "NEW.client_id", own=False),
    Watched("contact_persons", "CLIENT", "NEW.client_id", own=False),
    Watched("guardianships", "CLIENT", "NEW.ward_id", "NEW.ward_id", own=False),
    Watched("plan_versions", "PLAN"),
    Watched("applications", "APPLICATION"),
    Watched(
        "information_requests",
        "APPLICATION",
        "NEW.application_id",
        "(SELECT client_id FROM applications WHERE id = NEW.application_id)",
        own=False,
    ),
    Watched("decisions", "DECISION"),
    *(
        Watched(
            child,
            "DECISION",
            "NEW.decision_id",
            "(SELECT client_id FROM decisions WHERE id = NEW.decision_id)",
            own=False,
        )
        for child in ("decision_calculation_rows", "payment_commitments", "decision_attachments")
    ),
    Watched("attachments", "ATTACHMENT"),
    Watched("notices", "NOTICE"),
    *(
        Watched(
            child,
            "NOTICE",
            "NEW.notice_id",
            "(SELECT client_id FROM notices WHERE id = NEW.notice_id)",
            own=False,
        )
        for child in ("notice_moves", "notice_attachments")
    ),
    Watched("consent_events", "CONSENT_EVENT"),
]

# The outbox may only get its position, once; nothing else about a row ever changes.
_CHANGED = (
    "OLD.position IS NOT NULL OR NEW.position IS NULL OR NEW.id IS NOT OLD.id "
    "OR NEW.client_id IS NOT OLD.client_id OR NEW.entity_type IS NOT OLD.entity_type "
    "OR NEW.entity_id IS NOT OLD.entity_id OR NEW.op IS NOT OLD.op OR NEW.txid IS NOT OLD.txid "
    "OR NEW.appended IS NOT OLD.appended"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE changes_appended_seq")
    op.create_table(
        "changes",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("appended", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_changes_client_id_clients")
        ),
        sa.PrimaryKeyConstraint("client_id", "id", name=op.f("pk_changes")),
        sa.UniqueConstraint("appended", name=op.f("uq_changes_appended")),
        sa.UniqueConstraint("position", name=op.f("uq_changes_position")),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_changes_unsequenced",
            ["entity_type", "entity_id"],
            unique=False,
            postgresql_where=sa.text("position IS NULL"),
            sqlite_where=sa.text("position IS NULL"),
        )
    op.create_table(
        "change_sequencer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_sequencer")),
    )
    op.execute("INSERT INTO change_sequencer (id, last_position) VALUES (1, 0)")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("immigrant", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _guard_outbox()
    install(op, WATCHED)


def downgrade() -> None:
    uninstall(op, WATCHED)
    _unguard_outbox()
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("immigrant")
    op.drop_table("change_sequencer")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_unsequenced")
    op.drop_table("changes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS changes_appended_seq")


def _guard_outbox() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER changes_sequenced_once BEFORE UPDATE ON changes FOR EACH ROW "
            f"WHEN ({_CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) "
            "EXECUTE FUNCTION infocap_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER changes_append_only BEFORE DELETE ON changes "
            "FOR EACH ROW EXECUTE FUNCTION infocap_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER changes_no_truncate BEFORE TRUNCATE ON changes "
            "FOR EACH STATEMENT EXECUTE FUNCTION infocap_refuse_change()"
        )
        return
    op.execute(
        f"CREATE TRIGGER changes_sequenced_once BEFORE UPDATE ON changes WHEN {_CHANGED} "
        "BEGIN SELECT RAISE(ABORT, 'infocap: a change is sequenced once and never altered'); END"
    )
    op.execute(
        "CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes "
        "BEGIN SELECT RAISE(ABORT, 'infocap: DELETE on changes is refused: "
        "the table is append-only'); END"
    )


def _unguard_outbox() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("changes_sequenced_once", "changes_append_only", "changes_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON changes")
        return
    for name in ("changes_sequenced_once", "changes_no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
