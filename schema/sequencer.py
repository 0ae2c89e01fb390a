"""The change feed's sequencer: gives committed outbox rows their feed positions.

One pass at a time, under the lock on ``change_sequencer``'s one row, which nothing else
takes (the triggers that append to the outbox never touch it, so appends never wait).
A pass sees only committed rows, numbers them after every position given before, and
commits: a transaction that began earlier but committed later gets a later position,
and a reader at any moment sees positions 1..N with no gap.
"""

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.models import Change, ChangeSequencer

BATCH = 1000
_CHANGES: Table = Change.__table__  # type: ignore[assignment]

_TAKE_LOCK = (
    update(ChangeSequencer)
    .where(ChangeSequencer.id == 1)
    .values(last_position=ChangeSequencer.last_position)
    .returning(ChangeSequencer.last_position)
)
_UNSEQUENCED = (
    select(Change.client_id, Change.id)
    .where(Change.position.is_(None))
    .order_by(Change.appended)
    .limit(BATCH)
)
_PLACE = (
    update(_CHANGES)
    .where(_CHANGES.c.client_id == bindparam("c"), _CHANGES.c.id == bindparam("i"))
    .values(position=bindparam("p"))
)
_ADVANCE = update(ChangeSequencer).where(ChangeSequencer.id == 1)


_ANY_UNSEQUENCED = select(Change.position).where(Change.position.is_(None)).limit(1)


async def sequence(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Give positions to every committed unsequenced change; the last position given.

    With nothing to sequence it only reads (no lock, no write)."""
    async with sessions() as session:
        if (await session.execute(_ANY_UNSEQUENCED)).first() is None:
            return await last_position(session)
    while True:
        async with sessions() as session, session.begin():
            # A write first: on PostgreSQL it locks the row, on SQLite it takes the
            # database's write lock, before the unsequenced rows are read.
            last = int((await session.execute(_TAKE_LOCK)).scalar_one())
            rows = (await session.execute(_UNSEQUENCED)).all()
            if rows:
                await session.execute(
                    _PLACE,
                    [
                        {"c": client, "i": change, "p": last + n}
                        for n, (client, change) in enumerate(rows, start=1)
                    ],
                    execution_options={"synchronize_session": False},
                )
                last += len(rows)
                await session.execute(_ADVANCE.values(last_position=last))
        if len(rows) < BATCH:
            return last


async def last_position(session: AsyncSession) -> int:
    found = await session.scalar(select(ChangeSequencer.last_position))
    return int(found or 0)
