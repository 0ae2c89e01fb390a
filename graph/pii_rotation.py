"""``infocap pii rotate``: every personal identity code re-encrypted under the current key,
and every lookup hash recomputed under the current lookup key.

Rows are rewritten in batches, each its own transaction; a row already under the current
key with the right hash is left alone, so the command may be stopped and run again. Codes
are decrypted with the key each names, so the service may go on serving while it runs
(after an encryption-key change). A lookup key change is done offline (``docs/operations
.md``): until every hash is recomputed, lookups by code would miss the rows not yet done.

A client's new lookup hash replaces its row in the codes' index (``personal_id_index``)
in the same transaction: the old row deleted, the new one inserted (the lookup is the
index's key and distribution column, never updated in place).
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.models import Client, Guardianship, PersonalIdIndex
from schema.models.client import personal_id_lookup
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
    owner: Any,
    cipher: Any,
    hashed: Any,
    column: str,
) -> tuple[int, int, int]:
    """``owner``: the client column of the table's key (its distribution column)."""
    rows = reencrypted = rehashed = 0
    after = None
    indexed = model is Client
    while True:
        async with sessions() as session, session.begin():
            query = select(owner, model.id, cipher, hashed).order_by(model.id).limit(BATCH)
            if after is not None:
                query = query.where(model.id > after)
            batch = (await session.execute(query)).all()
            for client_id, key, stored, lookup in batch:
                code = keyring.decrypt(stored, column)
                values: dict[str, str] = {}
                if keyring.key_of(stored) != keyring.current:
                    values[cipher.key] = keyring.encrypt(code, column)
                    reencrypted += 1
                fresh = personal_id_lookup(code, keyring)
                if lookup != fresh:
                    values[hashed.key] = fresh
                    rehashed += 1
                    if indexed:
                        await _reindex(session, client_id, lookup, fresh)
                if values:
                    await session.execute(
                        update(model).where(owner == client_id, model.id == key).values(**values)
                    )
        rows += len(batch)
        if len(batch) < BATCH:
            return rows, reencrypted, rehashed
        after = batch[-1][1]


async def _reindex(session: AsyncSession, client_id: Any, old: str, new: str) -> None:
    """The client's row in the codes' index under its new lookup hash."""
    await session.execute(
        delete(PersonalIdIndex).where(
            PersonalIdIndex.lookup == old, PersonalIdIndex.client_id == client_id
        )
    )
    await session.execute(insert(PersonalIdIndex).values(lookup=new, client_id=client_id))


async def rotate(sessions: async_sessionmaker[AsyncSession], keyring: Keyring) -> Rotated:
    clients = await _rotate_table(
        sessions,
        keyring,
        Client,
        Client.id,
        Client.personal_id_cipher,
        Client.personal_id_hash,
        CLIENT_CODE,
    )
    guardianships = await _rotate_table(
        sessions,
        keyring,
        Guardianship,
        Guardianship.ward_id,
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
