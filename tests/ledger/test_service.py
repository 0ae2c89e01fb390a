"""Appending to the ledger on both databases: one transaction for the event and its
projection, nothing appended on refusal, and concurrent appends that neither fork nor
leave gaps."""

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ledger import events
from ledger.chain import GENESIS
from ledger.errors import EventConflict, InvalidEvent, LedgerError
from ledger.service import CLIENT_GRANTOR, Actor, append, load_states, start_chain
from ledger.state import ConsentState, Verdict
from ledger.verify import verify_database
from schema.db import is_sqlite, make_engine, make_sessions
from schema.enums import ConsentEventType, ConsentMethod
from schema.models import ConsentEvent, ConsentRule, LedgerHead, Organisation
from tests.factories import client_row

ACTOR = Actor("social_worker@wc-pirkanmaa", "wc-pirkanmaa", ("social_worker",))
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
CONCURRENT = 15  # the SQLite engine's pool holds 15 connections, PostgreSQL's 20


@dataclass
class Db:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    organisations: frozenset[str]

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    async with sessions() as session:
        organisations = frozenset((await session.scalars(select(Organisation.id))).all())
    try:
        yield Db(database_url, engine, sessions, organisations)
    finally:
        await engine.dispose()


async def new_client(db: Db) -> uuid.UUID:
    """A client row and its empty chain, committed."""
    client_id = uuid.uuid4()
    async with db.sessions() as session, session.begin():
        session.add(client_row(client_id, T0))
        await session.flush()
        await start_chain(session, client_id)
    return client_id


def grant_body(db: Db, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "grantee": "kela",
        "categories": ["LIFE_ECONOMY", "LIFE_HOUSING"],
        "purpose": "Perustoimeentulotuen käsittely \u2013 asumismenot ja säästöt (å)",
        "valid_from": T0,
        "valid_until": None,
        "method": "ELECTRONIC",
        "evidence_attachment_id": None,
        "known_organisations": db.organisations,
    } | overrides
    return events.grant_body(**arguments)


async def append_grant(session: AsyncSession, db: Db, client_id: uuid.UUID, **body: Any) -> int:
    row = await append(
        session,
        client_id=client_id,
        type_=ConsentEventType.GRANT,
        body=grant_body(db, **body),
        actor=ACTOR,
        grantor=CLIENT_GRANTOR,
        at=T0,
    )
    return row.seq


async def append_withdraw(
    session: AsyncSession, client_id: uuid.UUID, grant_seq: int, at: datetime = T0
) -> int:
    row = await append(
        session,
        client_id=client_id,
        type_=ConsentEventType.WITHDRAW,
        body=events.withdraw_body(grant_seq=grant_seq, reason="ei enää", method="ELECTRONIC"),
        actor=ACTOR,
        grantor=CLIENT_GRANTOR,
        at=at,
    )
    return row.seq


Job = Callable[[AsyncSession], Awaitable[Any]]


def grant_job(db: Db, client_id: uuid.UUID, **body: Any) -> Job:
    async def job(session: AsyncSession) -> int:
        return await append_grant(session, db, client_id, **body)

    return job


def withdraw_job(client_id: uuid.UUID, grant_seq: int, at: datetime = T0) -> Job:
    async def job(session: AsyncSession) -> int:
        return await append_withdraw(session, client_id, grant_seq, at)

    return job


async def committed(db: Db, work: Job) -> Any:
    """Run ``work`` in its own session and transaction, as the service's unit of work does:
    committed if it returns, rolled back if it raises."""
    async with db.sessions() as session, session.begin():
        return await work(session)


@dataclass(frozen=True)
class Snapshot:
    events: list[tuple[int, str, str, str]]
    head: tuple[int, str]
    rules: list[tuple[int, int | None]]


async def snapshot(db: Db, client_id: uuid.UUID) -> Snapshot:
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(
                    ConsentEvent.seq, ConsentEvent.prev, ConsentEvent.hash, ConsentEvent.canonical
                )
                .where(ConsentEvent.client_id == client_id)
                .order_by(ConsentEvent.seq)
            )
        ).all()
        head = (
            await session.execute(
                select(LedgerHead.seq, LedgerHead.head).where(LedgerHead.client_id == client_id)
            )
        ).one()
        rules = (
            await session.execute(
                select(ConsentRule.seq, ConsentRule.ended_seq)
                .where(ConsentRule.client_id == client_id)
                .order_by(ConsentRule.seq)
            )
        ).all()
    return Snapshot(
        [(r.seq, r.prev, r.hash, r.canonical) for r in rows],
        (head.seq, head.head),
        [(r.seq, r.ended_seq) for r in rules],
    )


def assert_linked(snap: Snapshot, length: int) -> None:
    """seq 1..length, each prev the previous hash, the head at the last one."""
    assert [seq for seq, *_ in snap.events] == list(range(1, length + 1))
    prev = GENESIS
    for _seq, event_prev, event_hash, canonical in snap.events:
        assert event_prev == prev
        assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == event_hash
        prev = event_hash
    assert len({h for *_, h, _c in snap.events}) == length
    assert snap.head == (length, prev)


# --- one transaction ---


async def test_append_writes_the_event_and_the_projection_in_one_transaction(db: Db) -> None:
    client_id = await new_client(db)
    empty = await snapshot(db, client_id)
    assert empty == Snapshot([], (0, GENESIS), [])

    async with db.sessions() as session:
        async with session.begin():
            seq = await append_grant(session, db, client_id)
            assert seq == 1
            # not yet committed: another connection sees neither the event nor the rule
            assert await snapshot(db, client_id) == empty
        after = await snapshot(db, client_id)

    assert_linked(after, 1)
    assert after.rules == [(1, None)]
    async with db.sessions() as session:
        rule = await session.get(ConsentRule, (client_id, 1))
        assert rule is not None
        assert rule.organisation_id == "kela"
        assert rule.categories == ["LIFE_ECONOMY", "LIFE_HOUSING"]
        assert rule.valid_from == T0
        assert rule.valid_until is None
        assert rule.recorded_at == T0
        assert rule.method == ConsentMethod.ELECTRONIC
        state = (await load_states(session, [client_id]))[client_id]
    assert state.verdict("kela", "LIFE_ECONOMY", None, T0 + timedelta(days=1)) == Verdict(
        True, grant_seq=1
    )


async def test_a_rolled_back_append_leaves_neither_event_nor_projection(db: Db) -> None:
    client_id = await new_client(db)
    first = await committed(db, grant_job(db, client_id))
    before = await snapshot(db, client_id)

    class Crash(Exception):
        pass

    async def append_then_crash(session: AsyncSession) -> None:
        await append_grant(session, db, client_id, grantee="helsinki")
        await append_withdraw(session, client_id, first)
        raise Crash

    with pytest.raises(Crash):
        await committed(db, append_then_crash)

    after = await snapshot(db, client_id)
    assert after == before
    assert after.rules == [(1, None)]  # the withdrawal's projection was rolled back too
    # the chain goes on from where it was
    assert await committed(db, withdraw_job(client_id, first)) == 2
    assert_linked(await snapshot(db, client_id), 2)


async def test_stored_canonical_text_hashes_to_the_stored_hash(db: Db) -> None:
    client_id = await new_client(db)

    async def history(session: AsyncSession) -> None:
        async def add(type_: ConsentEventType, body: dict[str, Any], minutes: int) -> None:
            await append(
                session,
                client_id=client_id,
                type_=type_,
                body=body,
                actor=ACTOR,
                grantor=CLIENT_GRANTOR,
                at=T0 + timedelta(minutes=minutes),
            )

        await add(
            ConsentEventType.INFORMED,
            events.informed_body(text_version="2026-01 ä", channel="asiointi"),
            0,
        )
        await add(ConsentEventType.GRANT, grant_body(db), 1)
        await add(
            ConsentEventType.WITHDRAW,
            events.withdraw_body(grant_seq=2, reason="Päätin toisin: ö å ä", method="ORAL"),
            2,
        )
        await add(
            ConsentEventType.PROHIBIT,
            events.prohibit_body(
                organisation="helsinki",
                category=None,
                row_type=None,
                row_id=None,
                method="WRITTEN",
                known_organisations=db.organisations,
            ),
            3,
        )
        await add(
            ConsentEventType.LIFT_PROHIBITION,
            events.lift_body(prohibition_seq=4, method="WRITTEN"),
            4,
        )

    await committed(db, history)

    async with db.sessions() as session:
        rows = (
            await session.scalars(
                select(ConsentEvent)
                .where(ConsentEvent.client_id == client_id)
                .order_by(ConsentEvent.seq)
            )
        ).all()
        verification = await verify_database(session)
    assert len(rows) == 5
    prev = GENESIS
    for row in rows:
        assert hashlib.sha256(row.canonical.encode("utf-8")).hexdigest() == row.hash
        stored = json.loads(row.canonical)
        # the stored text is itself canonical: keys sorted, compact, non-ASCII as itself
        again = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row.canonical == again
        assert "hash" not in stored
        assert stored["client"] == str(client_id)
        assert stored["seq"] == row.seq
        assert stored["type"] == row.type.value
        assert stored["prev"] == row.prev == prev
        assert stored["at"].endswith("Z")
        assert datetime.fromisoformat(stored["at"].replace("Z", "+00:00")) == row.at
        assert stored["actor"] == ACTOR.as_json()
        assert row.actor_org == "wc-pirkanmaa"
        prev = row.hash
    assert "ä" in rows[0].canonical
    assert "\\u00e4" not in rows[0].canonical
    assert "Päätin toisin: ö å ä" in rows[2].canonical
    assert [row.party_org for row in rows] == [None, "kela", "kela", "helsinki", "helsinki"]
    assert verification.problem is None
    assert (verification.events, verification.chains) == (5, 1)


async def test_the_projection_equals_a_replay_of_the_stored_events(db: Db) -> None:
    client_id = await new_client(db)

    async def history(session: AsyncSession) -> None:
        step = 0

        async def add(type_: ConsentEventType, body: dict[str, Any]) -> None:
            nonlocal step
            step += 1
            await append(
                session,
                client_id=client_id,
                type_=type_,
                body=body,
                actor=ACTOR,
                grantor=CLIENT_GRANTOR,
                at=T0 + timedelta(hours=step, microseconds=step),
            )

        def prohibit(**target: str) -> dict[str, Any]:
            return events.prohibit_body(
                organisation=target.get("organisation"),
                category=target.get("category"),
                row_type=target.get("row_type"),
                row_id=target.get("row_id"),
                method="WRITTEN",
                known_organisations=db.organisations,
            )

        until = T0 + timedelta(days=30, microseconds=7)
        await add(ConsentEventType.GRANT, grant_body(db, valid_until=until))  # 1
        await add(ConsentEventType.GRANT, grant_body(db, grantee="helsinki", method="ORAL"))  # 2
        await add(ConsentEventType.PROHIBIT, prohibit(organisation="wc-lappi"))  # 3
        await add(ConsentEventType.PROHIBIT, prohibit(category="LIFE_HEALTH"))  # 4
        await add(ConsentEventType.PROHIBIT, prohibit(row_type="DECISION", row_id="d-1"))  # 5
        await add(
            ConsentEventType.WITHDRAW,
            events.withdraw_body(grant_seq=2, reason=None, method="ORAL"),
        )  # 6
        await add(
            ConsentEventType.LIFT_PROHIBITION,
            events.lift_body(prohibition_seq=3, method="WRITTEN"),
        )  # 7

    await committed(db, history)

    async with db.sessions() as session:
        projected = (await load_states(session, [client_id]))[client_id]
        texts = (
            await session.scalars(
                select(ConsentEvent.canonical)
                .where(ConsentEvent.client_id == client_id)
                .order_by(ConsentEvent.seq)
            )
        ).all()
    replayed = ConsentState()
    for canonical in texts:
        replayed = replayed.apply(json.loads(canonical))
    assert len(texts) == 7
    assert projected == replayed
    assert [g.seq for g in projected.grants] == [1, 2]
    assert [p.seq for p in projected.prohibitions] == [3, 4, 5]
    later = T0 + timedelta(days=1)
    assert projected.verdict("kela", "LIFE_ECONOMY", None, later) == Verdict(True, grant_seq=1)
    assert projected.verdict("helsinki", "LIFE_ECONOMY", None, later) == Verdict(False)
    assert projected.verdict("helsinki", "LIFE_ECONOMY", None, T0 + timedelta(hours=3)) == (
        Verdict(True, grant_seq=2)
    )


# --- refusals append nothing ---


def _withdraw_withdrawn(db: Db, client_id: uuid.UUID) -> Job:
    return withdraw_job(client_id, 1)


def _withdraw_unknown(db: Db, client_id: uuid.UUID) -> Job:
    return withdraw_job(client_id, 99)


def _withdraw_expired(db: Db, client_id: uuid.UUID) -> Job:
    # grant 3 is valid for one day from T0
    return withdraw_job(client_id, 3, at=T0 + timedelta(days=2))


def _lift_unknown(db: Db, client_id: uuid.UUID) -> Job:
    async def job(session: AsyncSession) -> Any:
        return await append(
            session,
            client_id=client_id,
            type_=ConsentEventType.LIFT_PROHIBITION,
            body=events.lift_body(prohibition_seq=3, method="ORAL"),  # seq 3 is a grant
            actor=ACTOR,
            grantor=CLIENT_GRANTOR,
            at=T0,
        )

    return job


def _unknown_category(db: Db, client_id: uuid.UUID) -> Job:
    return grant_job(db, client_id, categories=["LIFE_ECONOMY", "SHOE_SIZE"])


def _until_before_from(db: Db, client_id: uuid.UUID) -> Job:
    return grant_job(db, client_id, valid_until=T0 - timedelta(days=1))


def _unknown_organisation(db: Db, client_id: uuid.UUID) -> Job:
    return grant_job(db, client_id, grantee="acme-oy")


REFUSALS = {
    "withdraw a withdrawn grant": (_withdraw_withdrawn, EventConflict),
    "withdraw an unknown grant": (_withdraw_unknown, EventConflict),
    "withdraw an expired grant": (_withdraw_expired, EventConflict),
    "lift an unknown prohibition": (_lift_unknown, EventConflict),
    "unknown category": (_unknown_category, InvalidEvent),
    "valid until before valid from": (_until_before_from, InvalidEvent),
    "unknown organisation": (_unknown_organisation, InvalidEvent),
}


async def test_a_refused_operation_appends_nothing(db: Db) -> None:
    """Each refusal on a chain of its own: GRANT 1, WITHDRAW 1, GRANT 3 (valid one day)."""

    for case, (make_work, error) in REFUSALS.items():
        client_id = await new_client(db)
        assert await committed(db, grant_job(db, client_id)) == 1
        assert await committed(db, withdraw_job(client_id, 1)) == 2
        one_day = T0 + timedelta(days=1)
        assert await committed(db, grant_job(db, client_id, valid_until=one_day)) == 3
        before = await snapshot(db, client_id)

        with pytest.raises(error) as raised:
            await committed(db, make_work(db, client_id))
        assert raised.value.message, case  # a clear error

        after = await snapshot(db, client_id)
        assert after == before, case
        assert_linked(after, 3)
        # the next append continues the chain without a gap
        assert await committed(db, grant_job(db, client_id)) == 4, case
        assert_linked(await snapshot(db, client_id), 4)


async def test_appending_for_an_unknown_client_is_refused(db: Db) -> None:
    with pytest.raises(InvalidEvent, match="unknown client"):
        await committed(db, grant_job(db, uuid.uuid4()))
    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentEvent)) == 0


# --- concurrency ---


async def _concurrently(db: Db, jobs: list[Job]) -> list[Any]:
    """Each job on its own session, connection and transaction, all released at once."""
    barrier = asyncio.Barrier(len(jobs))

    async def run(job: Job) -> Any:
        async with db.sessions() as session, session.begin():
            await session.connection()  # hold a connection of our own before starting
            await barrier.wait()
            return await job(session)

    return await asyncio.gather(*(run(job) for job in jobs), return_exceptions=True)


async def test_concurrent_appends_to_one_chain_leave_no_gap_fork_or_duplicate(db: Db) -> None:
    client_id = await new_client(db)
    grantees = sorted(db.organisations)
    jobs: list[Job] = [
        grant_job(db, client_id, grantee=grantees[i % len(grantees)]) for i in range(CONCURRENT)
    ]
    results = await _concurrently(db, jobs)

    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert sorted(results) == list(range(1, CONCURRENT + 1))
    snap = await snapshot(db, client_id)
    assert_linked(snap, CONCURRENT)
    assert snap.rules == [(seq, None) for seq in range(1, CONCURRENT + 1)]
    async with db.sessions() as session:
        verification = await verify_database(session)
    assert verification.problem is None
    assert (verification.events, verification.chains) == (CONCURRENT, 1)


async def test_concurrent_withdrawals_of_one_grant_succeed_once(db: Db) -> None:
    client_id = await new_client(db)
    await committed(db, grant_job(db, client_id))
    jobs: list[Job] = [withdraw_job(client_id, 1) for _ in range(8)]
    results = await _concurrently(db, jobs)

    succeeded = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert succeeded == [2]
    assert len(refused) == 7
    assert all(isinstance(r, EventConflict) for r in refused), refused
    snap = await snapshot(db, client_id)
    assert_linked(snap, 2)
    assert snap.rules == [(1, 2)]


async def test_two_clients_append_concurrently(db: Db) -> None:
    first, second = await new_client(db), await new_client(db)
    per_client = 6
    jobs: list[Job] = []
    for _ in range(per_client):
        jobs.append(grant_job(db, first))
        jobs.append(grant_job(db, second, grantee="helsinki"))
    results = await _concurrently(db, jobs)

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(results) == sorted(list(range(1, per_client + 1)) * 2)
    assert_linked(await snapshot(db, first), per_client)
    assert_linked(await snapshot(db, second), per_client)
    async with db.sessions() as session:
        verification = await verify_database(session)
    assert verification.problem is None
    assert (verification.events, verification.chains) == (2 * per_client, 2)


async def test_an_open_append_holds_its_chain_and_only_its_chain(db: Db) -> None:
    """A second append to the same client waits for the first transaction to end. On
    PostgreSQL the lock is the client's head row, so another client's append goes ahead
    meanwhile (SQLite has one writer per database, so there it waits as well)."""
    first, second = await new_client(db), await new_client(db)
    async with db.sessions() as holder:
        transaction = await holder.begin()
        assert await append_grant(holder, db, first) == 1

        same_chain = asyncio.create_task(committed(db, grant_job(db, first)))
        await asyncio.sleep(0.5)
        assert not same_chain.done(), "an append to a chain being appended to did not wait"

        if not db.sqlite:
            other = committed(db, grant_job(db, second, grantee="helsinki"))
            assert await asyncio.wait_for(other, timeout=10) == 1

        await transaction.commit()
    assert await asyncio.wait_for(same_chain, timeout=30) == 2
    assert_linked(await snapshot(db, first), 2)
    if db.sqlite:
        assert await committed(db, grant_job(db, second)) == 1
    assert_linked(await snapshot(db, second), 1)


# --- verification of the stored ledger ---


async def _insert_raw(db: Db, client_id: uuid.UUID, **values: Any) -> None:
    async with db.sessions() as session, session.begin():
        session.add(
            ConsentEvent(
                client_id=client_id,
                type=ConsentEventType.INFORMED,
                at=T0,
                actor_org=None,
                party_org=None,
                **values,
            )
        )


async def test_verify_database_names_the_first_break(db: Db) -> None:
    good, bad = await new_client(db), await new_client(db)
    for client_id in (good, bad):
        for _ in range(3):
            await committed(db, grant_job(db, client_id))
    async with db.sessions() as session:
        assert (await verify_database(session)).problem is None

    # rows inserted behind the service's back (the tables allow INSERT): a gap at seq 4
    last = (await snapshot(db, bad)).events[-1]
    forged = {"client": str(bad), "seq": 5, "type": "INFORMED", "prev": last[2], "body": {}}
    canonical = json.dumps(forged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    await _insert_raw(
        db,
        bad,
        seq=5,
        canonical=canonical,
        hash=hashlib.sha256(canonical.encode()).hexdigest(),
        prev=last[2],
    )
    async with db.sessions() as session:
        verification = await verify_database(session)
    assert verification.problem is not None
    assert (verification.problem.client, verification.problem.seq) == (str(bad), 4)


async def test_verify_database_finds_text_that_does_not_match_its_hash(db: Db) -> None:
    client_id = await new_client(db)
    await committed(db, grant_job(db, client_id))
    last = (await snapshot(db, client_id)).events[-1]
    text = json.dumps(
        {"client": str(client_id), "seq": 2, "type": "INFORMED", "prev": last[2]},
        sort_keys=True,
        separators=(",", ":"),
    )
    await _insert_raw(db, client_id, seq=2, canonical=text, hash="e" * 64, prev=last[2])
    async with db.sessions() as session:
        verification = await verify_database(session)
    assert verification.problem is not None
    assert (verification.problem.client, verification.problem.seq) == (str(client_id), 2)
    assert verification.events == 1


def test_ledger_errors_carry_codes() -> None:
    assert issubclass(EventConflict, LedgerError)
    assert EventConflict("x").code == "CONFLICT"
    assert InvalidEvent("x").code == "BAD_USER_INPUT"
