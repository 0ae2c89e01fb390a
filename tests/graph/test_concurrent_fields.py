"""Sibling fields resolve concurrently on the request's one session.

The oracle found it: a query whose root fields each reached the database directly as
the request's first statement (``notice(id)``, ``clientByPersonalId``, ``clients``)
answered ``INTERNAL_SERVER_ERROR`` on PostgreSQL, because two of them asked the session
for its connection at once. ``schema.db.SerialSession`` runs a session's operations one
at a time."""

import asyncio

from schema.db import SerialSession, make_engine, make_sessions
from tests.factories import KELA_HANDLER, personal_id, register, send_notice
from tests.support import Api, Http


async def test_root_fields_that_each_query_the_session_at_once(api: Api, http: Http) -> None:
    code = personal_id()
    client_id = await register(api, personalId=code)
    notices = [
        (await send_notice(api, KELA_HANDLER, client_id, "wc-pirkanmaa"))["id"] for _ in range(3)
    ]
    fields = " ".join(f'n{i}: notice(id: "{n}") {{ id type }}' for i, n in enumerate(notices))
    query = (
        f'{{ {fields} c: clientByPersonalId(personalId: "{code}") {{ id }} '
        "l: clients(first: 5) { edges { node { id } } } "
        f'g: consentLedger(clientId: "{client_id}") {{ edges {{ node {{ seq }} }} }} }}'
    )
    token = http.token("kela_handler", org="kela")
    for _ in range(5):  # a fresh connection each time the pool hands one out
        data = await http.ok(query, token)
        assert [data[f"n{i}"]["id"] for i in range(3)] == notices
        assert data["c"]["id"] == client_id


async def test_a_serial_session_runs_concurrent_operations_one_after_another(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        async with make_sessions(engine)() as session:
            assert isinstance(session, SerialSession)
            from sqlalchemy import text

            answers = await asyncio.gather(
                *(session.scalar(text(f"SELECT {n}")) for n in range(20))
            )
            assert answers == list(range(20))
            assert await session.scalars(text("SELECT 1")) is not None  # a call inside a call
    finally:
        await engine.dispose()
