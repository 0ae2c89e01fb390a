"""Client relationships: an organiser's relationship with a client is the basis of its
staff's access; every existing client gets its responsible organiser's relationship.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_SUBJECT = "migration:0002"


def upgrade() -> None:
    op.create_table(
        "client_relationships",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("responsible", sa.Boolean(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "RESPONSIBLE",
                "REGISTRATION",
                name="relationshiporigin",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by_sub", sa.String(length=200), nullable=False),
        sa.Column("opened_by_org", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_client_relationships_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_client_relationships_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_org"],
            ["organisations.id"],
            name=op.f("fk_client_relationships_opened_by_org_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "client_id", "organisation_id", name=op.f("pk_client_relationships")
        ),
    )
    with op.batch_alter_table("client_relationships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_client_relationships_organisation",
            ["organisation_id", "client_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_client_relationships_responsible",
            ["client_id"],
            unique=True,
            sqlite_where=sa.text("responsible"),
            postgresql_where=sa.text("responsible"),
        )
    # Every client's responsible organiser, opened when and by whom the client was registered.
    op.execute(
        sa.text(
            "INSERT INTO client_relationships (client_id, organisation_id, responsible, origin,"
            " opened_at, opened_by_sub, opened_by_org, purpose)"
            " SELECT id, organiser_id, :responsible, 'RESPONSIBLE', registered_at, :subject,"
            " registered_by_org, NULL FROM clients"
        ).bindparams(responsible=True, subject=BACKFILL_SUBJECT)
    )


def downgrade() -> None:
    with op.batch_alter_table("client_relationships", schema=None) as batch_op:
        batch_op.drop_index("uq_client_relationships_responsible")
        batch_op.drop_index("ix_client_relationships_organisation")
    op.drop_table("client_relationships")
