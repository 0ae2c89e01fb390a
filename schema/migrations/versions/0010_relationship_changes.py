"""The change feed carries client relationships: opening one (a registration of a code
that already was a client) or moving the responsible organiser is a change of the client,
as a guardianship is (``Client.relationships`` shows it).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

from schema.change_capture import Watched, install, uninstall

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = [Watched("client_relationships", "CLIENT", "NEW.client_id", own=False)]


def upgrade() -> None:
    install(op, WATCHED)


def downgrade() -> None:
    uninstall(op, WATCHED)
