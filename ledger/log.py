"""The global log's storage: the integrator, and proofs from stored nodes (the I/O around
``merkle``). Takes the caller's session and never commits.

The integrator runs one at a time: its first statement updates the single row of
``ledger_integrator``, which nothing else touches, so a second integrator waits for the
first to commit (on PostgreSQL a row lock; on SQLite the write lock every writer takes).
Appends never take that lock.
"""

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.chain import BROKEN_LINK, GENESIS, text_problem
from ledger.errors import InvalidLogRequest, LedgerBroken
from ledger.merkle import (
    EMPTY_ROOT,
    Node,
    append_nodes,
    consistency_ranges,
    fold,
    frontier,
    inclusion_ranges,
    leaf_hash,
    nodes_for,
    range_nodes,
)
from schema.models import ConsentEvent, IntegratorLock, LogEntry, LogNode

EVENTS = ConsentEvent.__table__
LOG = LogEntry.__table__
NODES = LogNode.__table__
ROWS_PER_STATEMENT = 2000
NODES_PER_QUERY = 500


@dataclass(frozen=True)
class Integrated:
    before: int
    after: int


async def lock(session: AsyncSession) -> None:
    """Take the integrator's lock until the transaction ends."""
    await session.execute(
        update(IntegratorLock).where(IntegratorLock.id == 1).values(runs=IntegratorLock.runs + 1)
    )


async def size(session: AsyncSession) -> int:
    top = await session.scalar(select(func.max(LOG.c.log_index)))
    return 0 if top is None else int(top) + 1


async def nodes(session: AsyncSession, wanted: Collection[Node]) -> dict[Node, bytes]:
    """Stored node hashes, in a few queries; a missing one is a broken log."""
    found: dict[Node, bytes] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), NODES_PER_QUERY):
        chunk = ordered[start : start + NODES_PER_QUERY]
        rows = await session.execute(
            select(NODES.c.level, NODES.c.node_index, NODES.c.hash).where(
                tuple_(NODES.c.level, NODES.c.node_index).in_(chunk)
            )
        )
        found.update({(level, index): bytes(digest) for level, index, digest in rows})
    missing = set(ordered) - set(found)
    if missing:
        raise LedgerBroken(f"the log is missing {len(missing)} stored node(s), e.g. {min(missing)}")
    return found


async def root_at(session: AsyncSession, tree_size: int) -> bytes:
    if tree_size == 0:
        return EMPTY_ROOT
    stored = await nodes(session, frontier(tree_size))
    return fold([stored[node] for node in frontier(tree_size)])


async def _proof(session: AsyncSession, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    stored = await nodes(session, nodes_for(ranges))
    return [fold([stored[n] for n in range_nodes(lo, hi)]) for lo, hi in ranges]


async def _check_sizes(session: AsyncSession, *sizes: int) -> None:
    current = await size(session)
    for value in sizes:
        if not 0 <= value <= current:
            raise InvalidLogRequest(f"the log has {current} entries; no tree of size {value}")


async def inclusion_proof(session: AsyncSession, index: int, tree_size: int) -> list[bytes]:
    await _check_sizes(session, tree_size)
    if not 0 <= index < tree_size:
        raise InvalidLogRequest(f"log index {index} is not in a tree of size {tree_size}")
    return await _proof(session, inclusion_ranges(index, tree_size))


async def consistency_proof(session: AsyncSession, old: int, new: int) -> list[bytes]:
    await _check_sizes(session, old, new)
    if old > new:
        raise InvalidLogRequest("a consistency proof goes from a smaller tree to a larger one")
    return await _proof(session, consistency_ranges(old, new))


async def integrate(session: AsyncSession, now: datetime) -> Integrated:
    """Give every event not yet in the log the next log indexes, ordered by (client id
    bytewise, seq), and store the nodes they complete. The caller holds ``lock``.

    Each new event is first checked in full (its text is the canonical bytes of its
    envelope, its hash and its link to the event before): the log never takes in an event
    that does not verify, so a checkpoint vouches for canonical, linked events. The events
    are read in chunks in that order (memory stays bounded however many are new); one
    committed meanwhile after the chunk reached its client joins this batch in its place,
    one before waits for the next."""
    before = count = await size(session)
    known = await nodes(session, frontier(before))
    after: tuple[uuid.UUID, int] | None = None
    while chunk := await _unlogged(session, after):
        leaves = [leaf_hash(bytes.fromhex(digest)) for _, _, digest in chunk]
        made = append_nodes(count, known, leaves)
        entries = [
            {
                "log_index": count + n,
                "client_id": client,
                "seq": seq,
                "event_hash": digest,
                "integrated_at": now,
            }
            for n, (client, seq, digest) in enumerate(chunk)
        ]
        await session.execute(insert(LogEntry), entries)
        for start in range(0, len(made), ROWS_PER_STATEMENT):
            await session.execute(
                insert(LogNode),
                [
                    {"level": level, "node_index": index, "hash": digest}
                    for level, index, digest in made[start : start + ROWS_PER_STATEMENT]
                ],
            )
        count += len(chunk)
        fresh = {(level, index): digest for level, index, digest in made}
        known = {node: fresh.get(node) or known[node] for node in frontier(count)}
        after = chunk[-1][:2]
    return Integrated(before, count)


async def _unlogged(
    session: AsyncSession, after: tuple[uuid.UUID, int] | None
) -> list[tuple[uuid.UUID, int, str]]:
    """The next events not yet in the log, checked, in (client id bytewise, seq) order:
    both databases order UUID columns by their bytes."""
    previous = EVENTS.alias("previous")
    query = (
        select(
            EVENTS.c.client_id,
            EVENTS.c.seq,
            EVENTS.c.canonical,
            EVENTS.c.hash,
            EVENTS.c.prev,
            previous.c.hash,
        )
        .outerjoin(
            previous,
            and_(previous.c.client_id == EVENTS.c.client_id, previous.c.seq == EVENTS.c.seq - 1),
        )
        .where(~exists().where(LOG.c.client_id == EVENTS.c.client_id, LOG.c.seq == EVENTS.c.seq))
        .order_by(EVENTS.c.client_id, EVENTS.c.seq)
        .limit(ROWS_PER_STATEMENT)
    )
    if after is not None:
        client, seq = after
        query = query.where(
            or_(
                EVENTS.c.client_id > client,
                and_(EVENTS.c.client_id == client, EVENTS.c.seq > seq),
            )
        )
    batch = []
    for client, seq, text, digest, prev, before in await session.execute(query):
        expected = GENESIS if seq == 1 else before
        problem = (
            "the event before it is missing"
            if expected is None
            else BROKEN_LINK
            if prev != expected
            else text_problem(text, client=str(client), seq=seq, hash_=digest, prev=prev)
        )
        if problem is not None:
            raise LedgerBroken(f"not integrated: client {client} seq {seq}: {problem}")
        batch.append((client, seq, digest))
    return batch
