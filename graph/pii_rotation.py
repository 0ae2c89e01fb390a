"""``infocap pii rotate``: every personal identity code re-encrypted under the current key,
and every lookup hash recomputed under the current lookup key.

Rows are rewritten in batches, each its own transaction; a row already under the current
key with the right hash is left alone, so the command may be stopped and run again. Codes
are decrypted with the key each names, so the service may go on serving while it runs
(after an encryption-key change). A lookup key change is done offline (``docs/operations
.md``): until every hash is recomputed, lookups by code would miss the rows not yet done.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.models import Client, Guardianship
from schema.pii import CLIENT_CODE, GUARDIAN_CODE, Keyring

BATCH = 500


@dataclass(frozen=True)
class Rotated:
    key: str
    clients: int
    guardianships: int
    reencrypted: int
    rehashed: int


async def _rotate_table(
    sessions: async_sessionmaker[AsyncSession],
    keyring: Keyring,
    model: Any,
    cipher: Any,
    hashed: Any,
    column: str,
) -> tuple[int, int, int]:
    rows = reencrypted = rehashed = 0
    after = None
    while True:
        async with sessions() as session, session.begin():
            query = select(model.id, cipher, hashed).order_by(model.id).limit(BATCH)
            if after is not None:
                query = query.where(model.id > after)
            batch = (await session.execute(query)).all()
            for key, stored, lookup in batch:
                code = keyring.decrypt(stored, column)
                values: dict[str, str] = {}
                if keyring.key_of(stored) != keyring.current:
                    values[cipher.key] = keyring.encrypt(code, column)
                    reencrypted += 1
                if lookup != keyring.lookup(code):
                    values[hashed.key] = keyring.lookup(code)
                    rehashed += 1
                if values:
                    await session.execute(update(model).where(model.id == key).values(**values))
        rows += len(batch)
        if len(batch) < BATCH:
            return rows, reencrypted, rehashed
        after = batch[-1][0]


async def rotate(sessions: async_sessionmaker[AsyncSession], keyring: Keyring) -> Rotated:
    clients = await _rotate_table(
        sessions,
        keyring,
        Client,
        Client.personal_id_cipher,
        Client.personal_id_hash,
        CLIENT_CODE,
    )
    guardianships = await _rotate_table(
        sessions,
        keyring,
        Guardianship,
        Guardianship.guardian_cipher,
        Guardianship.guardian_hash,
        GUARDIAN_CODE,
    )
    return Rotated(
        keyring.current,
        clients[0],
        guardianships[0],
        clients[1] + guardianships[1],
        clients[2] + guardianships[2],
    )
