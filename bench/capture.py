"""The SQL one request runs: the service in this process (``create_app``), one request
through it, every statement its engines send captured (SQLAlchemy's
``before_cursor_execute`` on every engine); and each captured read's plan,
``EXPLAIN (ANALYZE, BUFFERS)`` with the same parameters, in a transaction rolled back."""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.loader import dsn
from graph.app import create_app
from graph.settings import Settings


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any
    many: bool

    @property
    def reads(self) -> bool:
        head = self.sql.lstrip().split(None, 1)[0].upper()
        return head in ("SELECT", "WITH")

    def short(self, width: int = 110) -> str:
        one = " ".join(self.sql.split())
        return one if len(one) <= width else one[: width - 1] + "…"


@contextlib.contextmanager
def statements() -> Iterator[list[Statement]]:
    """Every statement any engine sends while the block runs."""
    captured: list[Statement] = []

    def listen(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append(Statement(sql, parameters, many))

    event.listen(Engine, "before_cursor_execute", listen)
    try:
        yield captured
    finally:
        event.remove(Engine, "before_cursor_execute", listen)


async def in_process(
    settings: Settings, query: str, variables: dict[str, Any], token: str, *, repeat: int = 2
) -> tuple[dict[str, Any], list[Statement]]:
    """The answer to the query, and the statements of its last run (the first runs warm
    the process: caches, the organisation list)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            body = {"query": query, "variables": variables}
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(repeat - 1):
                await client.post("/graphql", json=body, headers=headers)
            with statements() as captured:
                answer = await client.post("/graphql", json=body, headers=headers)
    return json.loads(answer.content), list(captured)


def explain(url: str, captured: list[Statement]) -> list[dict[str, Any]]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of each read, with its parameters bound as the
    service bound them; in one transaction, rolled back."""
    plans = []
    with psycopg.connect(dsn(url)) as conn:
        cursor = psycopg.ClientCursor(conn)
        for number, statement in enumerate(captured, start=1):
            if not statement.reads or statement.many:
                continue
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql,
                statement.parameters or None,
            )
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
            plans.append({"statement": number, "sql": statement.short(400), "plan": plan})
        conn.rollback()
    return plans
