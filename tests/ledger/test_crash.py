"""Faults: the connection killed between a ledger append and its projection update.

Every write to the ledger appends the event and updates the projection (``consent_rules``)
in one transaction. Here the transaction dies at exactly that point: on PostgreSQL the
server terminates the backend (``pg_terminate_backend`` from another connection) as the
second of the two writes is sent; on SQLite, which has no backend to kill, the statement
is refused at that point by a fault injected from the test (a ``before_cursor_execute``
listener on the test's engine; nothing in the service has such a hook). Either way both
or neither are kept: the chain verifies, the projection equals a rebuild from the events,
the failed write left no event, and the next write succeeds.
"""

import json
import uuid
from typing import Any

import psycopg
from sqlalchemy import event, select
from starlette.applications import Starlette

from ledger.service import load_states
from ledger.state import ConsentState
from ledger.verify import verify_database
from schema.models import ConsentEvent
from tests import figures
from tests.factories import KELA_HANDLER, client_principal, grant, inform, personal_id, register
from tests.support import Api

GRANT = """mutation($i: ConsentGrantInput!) { grantConsent(input: $i) { seq } }"""
WITHDRAW = """mutation($c: ID!, $s: Int!) { withdrawConsent(clientId: $c, grantSeq: $s) { seq } }"""
PROHIBIT = """mutation($i: ProhibitionInput!) { prohibitDisclosure(input: $i) { seq } }"""
LIFT = (
    """mutation($c: ID!, $s: Int!) { liftProhibition(clientId: $c, prohibitionSeq: $s) { seq } }"""
)


class Injected(Exception):
    """The fault injected on SQLite: the transaction dies where the statement was sent."""


class Killer:
    """Kills the request's connection as ``second_write`` (the statement sent after the
    first of the append's two writes) goes out, once."""

    def __init__(self, app: Starlette, admin_url: str | None, second_write: str) -> None:
        self.engine = app.state.runtime.engine.sync_engine
        self.admin_url = admin_url
        self.second_write = second_write
        self.fired = 0
        event.listen(self.engine, "before_cursor_execute", self.before)

    def before(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.fired or not statement.lstrip().upper().startswith(self.second_write):
            return
        self.fired += 1
        if self.admin_url is None:
            raise Injected(f"the transaction dies before: {self.second_write}")
        pid = conn.connection.driver_connection.info.backend_pid
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)


async def consistent(api: Api, client_id: str) -> int:
    """The chain verifies and the projection equals the events folded anew; the number
    of the client's events."""
    async with api.runtime.sessions() as session:
        assert (await verify_database(session)).ok
        rows = (
            await session.scalars(
                select(ConsentEvent)
                .where(ConsentEvent.client_id == uuid.UUID(client_id))
                .order_by(ConsentEvent.seq)
            )
        ).all()
        rebuilt = ConsentState()
        for row in rows:
            rebuilt = rebuilt.apply(json.loads(row.canonical))
        projected = (await load_states(session, [uuid.UUID(client_id)]))[uuid.UUID(client_id)]
    assert projected == rebuilt
    return len(rows)


async def test_a_connection_killed_mid_append_keeps_both_or_neither(
    app: Starlette, api: Api, database_url: str, request: Any
) -> None:
    admin = None
    if not database_url.startswith("sqlite"):
        server = request.getfixturevalue("pg")
        admin = server.url().replace("+psycopg", "")
    code = personal_id()
    client_id = await register(api, personalId=code)
    await inform(api, KELA_HANDLER, client_id)
    me = client_principal(code)
    seq = await grant(api, me, client_id, "kela", ["PLAN"])
    prohibition = (
        await api.ok(me, PROHIBIT, i={"clientId": client_id, "category": "LIFE_HEALTH"})
    )["prohibitDisclosure"]["seq"]
    writes: list[tuple[str, dict[str, Any], str]] = [
        # (the write, the statement sent after the event is appended or the rule changed)
        (
            GRANT,
            {
                "i": {
                    "clientId": client_id,
                    "granteeId": "kela",
                    "categories": ["LIFE_FAMILY"],
                    "purpose": "Toimeentulotuki",
                }
            },
            "INSERT INTO CONSENT_RULES",
        ),
        (WITHDRAW, {"c": client_id, "s": seq}, "INSERT INTO CONSENT_EVENTS"),
        (
            PROHIBIT,
            {"i": {"clientId": client_id, "organisationId": "kela"}},
            "INSERT INTO CONSENT_RULES",
        ),
        (LIFT, {"c": client_id, "s": prohibition}, "INSERT INTO CONSENT_EVENTS"),
    ]
    faults = 0
    for query, variables, second in writes:
        before = await consistent(api, client_id)
        killer = Killer(api.app, admin, second)
        try:
            out = await api.run(me, query, **variables)
        finally:
            killer.remove()
        assert killer.fired == 1, f"the fault never fired at {second}"
        faults += 1
        assert "errors" in out, out
        assert await consistent(api, client_id) == before  # neither
        done = await api.ok(me, query, **variables)  # and the service goes on: both
        assert await consistent(api, client_id) == before + 1, done
    figures.add("faults injected: connection killed mid-append", faults)
    figures.add("ledger appends lost or torn", 0)
