"""The log on both databases: the integrator's order and indexes, stored nodes and the
proofs made from them, checkpoints that are signed only when consistent, one at a time."""

import asyncio
import uuid

import pytest
from sqlalchemy import func, select, text

from ledger import checkpoints, log
from ledger.errors import InvalidLogRequest, LedgerBroken
from ledger.merkle import (
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from ledger.note import open_checkpoint, unb64
from ledger.witnessing import checkpoint_now
from schema.models import ConsentEvent, LogCheckpoint, LogEntry, LogNode
from tests.ledger.logkit import (
    LogDb,
    as_owner,
    clients_with_grants,
    grant,
    new_client,
    rewrite_history,
)


async def entries(db: LogDb) -> list[tuple[int, uuid.UUID, int, str]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(
                LogEntry.log_index, LogEntry.client_id, LogEntry.seq, LogEntry.event_hash
            ).order_by(LogEntry.log_index)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def event_hashes(db: LogDb) -> dict[tuple[uuid.UUID, int], str]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(ConsentEvent.client_id, ConsentEvent.seq, ConsentEvent.hash)
        )
        return {(c, s): h for c, s, h in rows}


async def integrate(db: LogDb) -> log.Integrated:
    async with db.sessions() as session, session.begin():
        await log.lock(session)
        return await log.integrate(session, db.clock())


async def test_the_integrator_orders_a_batch_by_client_bytes_then_seq(logdb: LogDb):
    # ids whose text order and byte order agree, made to interleave with creation order
    ids = [uuid.UUID(int=n << 100 | 7) for n in (9, 2, 14, 5)]
    for client_id in ids:
        await new_client(logdb, client_id)
        await grant(logdb, client_id)
    await grant(logdb, ids[1])
    done = await integrate(logdb)
    assert (done.before, done.after) == (0, 5)
    stored = await entries(logdb)
    assert [i for i, *_ in stored] == list(range(5))
    assert [(c, s) for _, c, s, _ in stored] == sorted(
        [(c, 1) for c in ids] + [(ids[1], 2)], key=lambda k: (k[0].bytes, k[1])
    )
    hashes = await event_hashes(logdb)
    assert all(hashes[(c, s)] == h for _, c, s, h in stored)


async def test_later_batches_continue_the_indexes_and_nodes_match_the_reference(logdb: LogDb):
    first = await clients_with_grants(logdb, [3, 1])
    await integrate(logdb)
    await grant(logdb, first[1])
    second = await clients_with_grants(logdb, [2])
    assert (await integrate(logdb)).after == 7
    assert (await integrate(logdb)).after == 7  # nothing new: nothing added
    stored = await entries(logdb)
    assert [(c, s) for _, c, s, _ in stored[4:]] == sorted(
        [(first[1], 2), (second[0], 1), (second[0], 2)], key=lambda k: (k[0].bytes, k[1])
    )
    leaves = [leaf_hash(bytes.fromhex(h)) for *_, h in stored]
    async with logdb.sessions() as session:
        nodes = {(n.level, n.node_index): n.hash for n in (await session.scalars(select(LogNode)))}
        for size in range(1, 8):
            assert await log.root_at(session, size) == root_of(leaves[:size])
        for size in range(1, 8):
            for index in range(size):
                proof = await log.inclusion_proof(session, index, size)
                assert verify_inclusion(index, size, leaves[index], proof, root_of(leaves[:size]))
            for old in range(size + 1):
                proof = await log.consistency_proof(session, old, size)
                assert verify_consistency(
                    old, size, root_of(leaves[:old]), root_of(leaves[:size]), proof
                )
    assert len(nodes) == 7 + 3 + 1  # leaves; (0,1) (2,3) (4,5); (0..3)


async def test_proofs_outside_the_log_are_refused(logdb: LogDb):
    await clients_with_grants(logdb, [2])
    await integrate(logdb)
    async with logdb.sessions() as session:
        for index, size in ((2, 2), (0, 3), (-1, 2)):
            with pytest.raises(InvalidLogRequest):
                await log.inclusion_proof(session, index, size)
        for old, new in ((2, 1), (0, 3), (-1, 1)):
            with pytest.raises(InvalidLogRequest):
                await log.consistency_proof(session, old, new)


async def test_a_checkpoint_is_signed_kept_and_consistent_with_the_one_before(logdb: LogDb):
    config = logdb.config
    await clients_with_grants(logdb, [2, 1])
    first = await checkpoint_now(logdb.sessions, config, logdb.clock)
    assert (first.tree_size, first.previous_tree_size, first.consistency_proof) == (3, None, [])
    checkpoint, signatures = open_checkpoint(first.note, config.verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (config.origin, 3, first.root)
    assert [s.name for s in signatures] == [config.origin]
    again = await checkpoint_now(logdb.sessions, config, logdb.clock)
    assert again.note == first.note  # no growth, no new checkpoint

    await clients_with_grants(logdb, [3])
    second = await checkpoint_now(logdb.sessions, config, logdb.clock)
    assert (second.tree_size, second.previous_tree_size) == (6, 3)
    proof = [unb64(p) for p in second.consistency_proof]
    assert verify_consistency(3, 6, first.root, second.root, proof)
    async with logdb.sessions() as session:
        sizes = (await session.scalars(select(LogCheckpoint.tree_size))).all()
    assert sorted(sizes) == [3, 6]
    assert not second.witnessed
    assert second.cosigned_by == []


async def test_an_empty_log_gets_the_empty_tree_s_checkpoint(logdb: LogDb):
    stored = await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    assert stored.tree_size == 0
    assert open_checkpoint(stored.note, logdb.config.verifier)[0].root == root_of([])


async def test_concurrent_checkpoint_runs_never_sign_twice(logdb: LogDb):
    ids = await clients_with_grants(logdb, [1, 1])

    async def more_and_checkpoint(client_id: uuid.UUID) -> int:
        await grant(logdb, client_id)
        return (await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)).tree_size

    sizes = await asyncio.gather(*(more_and_checkpoint(c) for c in ids * 3))
    async with logdb.sessions() as session:
        rows = (
            await session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.tree_size))
        ).all()
        assert await log.size(session) == 8
    assert set(sizes) <= {r.tree_size for r in rows}
    assert len({r.tree_size for r in rows}) == len(rows)
    previous = None
    for row in rows:  # one chain of checkpoints, each proven from the one before
        assert row.previous_tree_size == (None if previous is None else previous.tree_size)
        if previous is not None:
            proof = [unb64(p) for p in row.consistency_proof]
            assert verify_consistency(
                previous.tree_size, row.tree_size, previous.root_hash, row.root_hash, proof
            )
        previous = row


async def test_a_log_rewritten_behind_the_signer_s_back_is_never_signed(logdb: LogDb):
    """A changed event, its hash recomputed and the log rebuilt from the changed events:
    a tree that disagrees with the signed checkpoint. The signer refuses it."""
    ids = await clients_with_grants(logdb, [2, 2])
    signed = await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    await rewrite_history(logdb, ids[0], seq=2)
    async with logdb.sessions() as session, session.begin():
        await log.lock(session)
        assert (await log.integrate(session, logdb.clock())).after == 4  # the rebuilt log
    with pytest.raises(LedgerBroken, match="differs from the checkpoint"):
        await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    await grant(logdb, ids[1])  # a larger tree is not consistent with the checkpoint either
    with pytest.raises(LedgerBroken, match="not consistent with checkpoint 4"):
        await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    async with logdb.sessions() as session:
        notes = (await session.scalars(select(LogCheckpoint.note))).all()
    assert notes == [signed.note]


async def test_the_integrator_refuses_an_event_that_does_not_verify(logdb: LogDb):
    (client_id,) = await clients_with_grants(logdb, [2])
    as_owner(
        logdb.url,
        (
            "UPDATE consent_events SET canonical = replace(canonical, 'Tarkoitus', 'Muu') "
            "WHERE client_id = :client AND seq = 2",
            {"client": logdb.client_param(client_id)},
        ),
    )
    with pytest.raises(LedgerBroken, match=f"client {client_id} seq 2"):
        await checkpoint_now(logdb.sessions, logdb.config, logdb.clock)
    async with logdb.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(LogEntry)) == 0
        assert await checkpoints.latest(session) is None


async def test_appends_do_not_wait_for_the_integrator(logdb: LogDb):
    """The integrator's lock is a row no append touches. (SQLite has one writer at a
    time, so there an append waits for any open write transaction, this one included.)"""
    if logdb.sqlite:
        pytest.skip("SQLite serialises every writer; the lock row matters on PostgreSQL")
    (client_id,) = await clients_with_grants(logdb, [1])
    async with logdb.sessions() as holder, holder.begin():
        await log.lock(holder)
        await asyncio.wait_for(grant(logdb, client_id), timeout=30)
        async with logdb.sessions() as other:
            waiting = await other.execute(text("SELECT count(*) FROM consent_events"))
            assert waiting.scalar() == 2


async def test_a_batch_read_in_chunks_is_the_batch_in_one(logdb: LogDb, monkeypatch):
    ids = await clients_with_grants(logdb, [3, 2, 4, 1])
    monkeypatch.setattr(log, "ROWS_PER_STATEMENT", 3)
    assert (await integrate(logdb)).after == 10
    stored = await entries(logdb)
    keys = sorted(((c, s) for c in ids for s in range(1, 5)), key=lambda k: (k[0].bytes, k[1]))
    assert [(c, s) for _, c, s, _ in stored] == [k for k in keys if k in await event_hashes(logdb)]
    leaves = [leaf_hash(bytes.fromhex(h)) for *_, h in stored]
    async with logdb.sessions() as session:
        for size in range(1, 11):
            assert await log.root_at(session, size) == root_of(leaves[:size])
