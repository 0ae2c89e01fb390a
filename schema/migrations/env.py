"""Alembic environment: migrations run on the connection ``schema.db.migrate`` hands over,
or on ``sqlalchemy.url`` when Alembic is run by hand."""

from alembic import context
from sqlalchemy import Connection

import schema.models  # noqa: F401  (registers the tables)
from schema.base import Base
from schema.db import check_foreign_keys, make_sync_engine


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url, or run `infocap migrate`")
    engine = make_sync_engine(url, foreign_keys=False)
    with engine.begin() as conn:
        _run(conn)
        check_foreign_keys(conn)
    engine.dispose()
