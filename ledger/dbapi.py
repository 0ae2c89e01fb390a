"""Plain DB-API connections for the verifier's helper processes (``ledger.tree``,
``ledger.chains``), which start fast by importing neither SQLAlchemy nor the service."""

from typing import Any


def connect(target: dict[str, Any]) -> tuple[Any, str]:
    """A connection and its parameter placeholder, from ``{"sqlite": path}`` or
    ``{"postgresql": conninfo}``."""
    if "sqlite" in target:
        import sqlite3

        return sqlite3.connect(f"file:{target['sqlite']}?mode=ro", uri=True), "?"
    import psycopg

    return psycopg.connect(target["postgresql"]), "%s"


def rows(target: dict[str, Any], query: str, parameters: tuple[Any, ...]) -> Any:
    """The rows of one query, fetched in batches; ``{p}`` in the query is the placeholder."""
    db, placeholder = connect(target)
    try:
        cursor = db.execute(query.replace("{p}", placeholder), parameters)
        while batch := cursor.fetchmany(10_000):
            yield batch
    finally:
        db.close()
