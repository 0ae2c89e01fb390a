"""Partial indexes on the access log's identity writes, for the registration rate limit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDENTITY_WRITES = sa.text("action = 'WRITE' AND category = 'IDENTITY'")
INDEXES = {
    "ix_access_log_identity_writes_subject": ["subject", "at"],
    "ix_access_log_identity_writes_org": ["organisation_id", "at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(
            name,
            "access_log",
            columns,
            unique=False,
            sqlite_where=IDENTITY_WRITES,
            postgresql_where=IDENTITY_WRITES,
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="access_log")
