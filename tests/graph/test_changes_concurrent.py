"""The change feed under concurrent writers, on PostgreSQL: transactions that began
earlier and commit later, many writers at once, and a reader paging all the while. Every
committed change is delivered exactly once."""

import asyncio
import random
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from ledger.service import start_chain
from schema.models import Change
from tests.factories import KELA_HANDLER, PIRKANMAA_WORKER, client_row, register, send_notice
from tests.graph.test_changes import CHANGES
from tests.support import Api

WRITERS = 4
WRITES_EACH = 8
HELD_OPEN = 3


async def page(api: Api, since: str | None) -> tuple[list[int], str, bool]:
    out = await api.ok(KELA_HANDLER, CHANGES, since=since, first=5)
    found = out["changes"]
    positions = [e["node"]["position"] for e in found["edges"]]
    return positions, found["pageInfo"]["endCursor"], found["pageInfo"]["hasNextPage"]


async def committed_positions(api: Api) -> list[int | None]:
    async with api.runtime.sessions() as session:
        return list((await session.scalars(select(Change.position))).all())


async def test_a_transaction_that_began_first_and_committed_last_is_not_lost(pg_api):
    api = pg_api
    early = uuid.uuid4()
    async with api.runtime.sessions() as held:
        held.add(client_row(early, datetime.now(UTC), pii=api.runtime.pii))
        await start_chain(held, early)  # appended first, not committed yet
        later = await register(api)  # appended after, committed first
        first, cursor, _ = await page(api, None)
        assert len(first) == 1
        await held.commit()
    second, _, _ = await page(api, cursor)
    assert len(second) == 1
    assert second[0] > first[0]
    everything = await api.ok(KELA_HANDLER, CHANGES)
    seen = [e["node"]["clientId"] for e in everything["changes"]["edges"]]
    assert seen == [later, str(early)]


async def test_concurrent_writers_and_a_paging_reader_see_every_change_once(pg_api):
    api = pg_api
    rng = random.Random(7)
    done = asyncio.Event()
    delivered: list[int] = []

    async def writer(n: int) -> None:
        for i in range(WRITES_EACH):
            client = await register(api)
            if i % 3 == 0:
                await send_notice(api, KELA_HANDLER, client, "wc-pirkanmaa", external_id=f"{n}-{i}")
            await asyncio.sleep(rng.random() / 50)

    async def holder() -> None:
        for _ in range(2):
            key = uuid.uuid4()
            async with api.runtime.sessions() as held:
                held.add(client_row(key, datetime.now(UTC), pii=api.runtime.pii))
                await start_chain(held, key)
                await asyncio.sleep(0.05 + rng.random() / 5)  # others commit meanwhile
                await held.commit()

    async def reader() -> None:
        cursor = None
        while True:
            finished = done.is_set()
            positions, cursor, more = await page(api, cursor)
            delivered.extend(positions)
            if finished and not positions and not more:
                return
            if not positions:
                await asyncio.sleep(0.01)

    reading = asyncio.create_task(reader())
    await asyncio.gather(
        *(writer(n) for n in range(WRITERS)),
        *(holder() for _ in range(HELD_OPEN)),
        register(api, PIRKANMAA_WORKER),
    )
    done.set()
    await reading
    everything = await committed_positions(api)
    assert None not in everything
    assert len(delivered) == len(set(delivered)), "a change was delivered twice"
    assert sorted(delivered) == sorted(p for p in everything if p is not None)
    assert len(delivered) >= WRITERS * WRITES_EACH + HELD_OPEN * 2
