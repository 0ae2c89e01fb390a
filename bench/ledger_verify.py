"""W6: verifying the ledger, against its baseline B-hash (fetch the same stored bytes and
SHA-256 them, nothing else).

    python -m bench.ledger_verify [--events 200000] [--database-url URL] [--repeat 3]
                                  [--output FILE]

Fills a fresh database (SQLite in a temporary directory by default; ``--database-url``
names an empty PostgreSQL database) with synthetic but valid chains of ten events,
integrates them into the log and signs a checkpoint, then times, on the same rows:

- B-hash: the canonical texts fetched in (client, seq) order through SQLAlchemy Core and
  the async driver (as the service reads), SHA-256'd;
- B-hash-raw: the same through the plain DB-API driver in one process;
- verify: ``verify_database``, what ``infocap ledger verify`` and ``verifyLedger`` run
  (large ledgers are shared by helper processes, one per core);
- verify in one process, and verify --full (every event decoded and re-encoded).

Prints events/s and the ratios, and writes the figures as JSON (``--output``).
``measure(...)`` is the entry point a harness calls.
"""

import argparse
import asyncio
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.identity import environment_keyring, stored_code
from ledger.chain import GENESIS, make_event
from ledger.checkpoints import LogConfig
from ledger.dbapi import rows
from ledger.service import canonical_text
from ledger.verify import BATCH, EVENTS, verify_database
from ledger.witnessing import checkpoint_now
from schema.db import make_engine, make_sessions, migrate
from schema.models import Client, ConsentEvent, LedgerHead

ORIGIN = "bench.infocap.invalid/consent"
EVENTS_PER_CLIENT = 10
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PURPOSES = ["Toimeentulotuki", "Asumisen tuki", "Kuntoutuksen suunnittelu", "Velkaneuvonta"]
ORGS = ["kela", "wc-pirkanmaa", "helsinki", "wc-lappi"]


def chain(client: uuid.UUID, count: int) -> Iterator[dict[str, Any]]:
    """A client's events: INFORMED, then grants, withdrawals and prohibitions."""
    prev, client_text = GENESIS, str(client)
    actor = {"sub": "bench-worker", "org": "wc-pirkanmaa", "roles": ["social_worker"]}
    for seq in range(1, count + 1):
        at = T0 + timedelta(minutes=seq)
        body: dict[str, Any]
        if seq == 1:
            kind, body = "INFORMED", {"textVersion": "2026-01", "channel": "PAPER"}
        elif seq % 4 == 0:
            kind, body = (
                "WITHDRAW",
                {"grant": seq - 1, "reason": "Ei enää tarpeen", "method": "WRITTEN"},
            )
        elif seq % 7 == 0:
            target = {"kind": "ORGANISATION", "organisation": ORGS[seq % 4]}
            kind, body = "PROHIBIT", {"target": target, "method": "WRITTEN"}
        else:
            kind, body = (
                "GRANT",
                {
                    "grantee": ORGS[seq % 4],
                    "categories": sorted(
                        {"PLAN", "LIFE_ECONOMY", ["LIFE_HEALTH", "LIFE_HOUSING"][seq % 2]}
                    ),
                    "purpose": PURPOSES[seq % 4],
                    "validFrom": f"{at:%Y-%m-%dT%H:%M:%S}.000000Z",
                    "validUntil": None,
                    "method": "WRITTEN",
                    "evidenceAttachmentId": None,
                },
            )
        event = make_event(
            client=client_text,
            seq=seq,
            type_=kind,
            at=at,
            actor=actor,
            grantor={"kind": "CLIENT"},
            body=body,
            prev=prev,
        )
        prev = event["hash"]
        yield event


async def fill(engine: AsyncEngine, events: int) -> None:
    clients = max(1, events // EVENTS_PER_CLIENT)
    keyring = environment_keyring()
    async with engine.begin() as conn:
        for start in range(0, clients, 2000):
            ids = [uuid.uuid4() for _ in range(min(2000, clients - start))]
            await conn.execute(
                insert(Client),
                [
                    {
                        "id": cid,
                        **stored_code(f"{start + n:011d}", keyring),
                        "name": "Bench Client",
                        "search_name": "bench client",
                        "language": "FI",
                        "organiser_id": "wc-pirkanmaa",
                        "protected_identity": False,
                        "registered_at": T0,
                        "registered_by_org": "wc-pirkanmaa",
                    }
                    for n, cid in enumerate(ids)
                ],
            )
            rows, heads = [], []
            for cid in ids:
                count = EVENTS_PER_CLIENT if start * EVENTS_PER_CLIENT < events else 1
                for event in chain(cid, count):
                    rows.append(
                        {
                            "id": uuid.uuid4(),
                            "client_id": cid,
                            "seq": event["seq"],
                            "type": event["type"],
                            "at": T0,
                            "actor_org": "wc-pirkanmaa",
                            "party_org": None,
                            "canonical": canonical_text(event),
                            "hash": event["hash"],
                            "prev": event["prev"],
                        }
                    )
                heads.append({"client_id": cid, "seq": rows[-1]["seq"], "head": rows[-1]["hash"]})
            await conn.execute(insert(LedgerHead), heads)
            await conn.execute(insert(ConsentEvent), rows)


async def fetch_and_hash(engine: AsyncEngine) -> int:
    """B-hash: the same rows in the same order, fetched through the same database layer the
    service and ``verify_database`` read with (SQLAlchemy Core, the async driver, batches
    of ``BATCH``), and SHA-256'd; nothing else."""
    sha256, count = hashlib.sha256, 0
    query = select(EVENTS.c.canonical).order_by(EVENTS.c.client_id, EVENTS.c.seq)
    async with make_sessions(engine)() as session:
        result = await session.stream(query.execution_options(yield_per=BATCH))
        async for rows in result.partitions():
            for (text,) in rows:
                sha256(text.encode()).hexdigest()
            count += len(rows)
    return count


def fetch_and_hash_raw(url: str) -> int:
    """B-hash-raw: the same, with the plain DB-API driver and no SQLAlchemy at all (the
    fastest a single process reads the stored bytes)."""
    sha256, count = hashlib.sha256, 0
    target = _target(url)
    query = "SELECT canonical FROM consent_events ORDER BY client_id, seq"
    for batch in rows(target, query, ()):
        for (text,) in batch:
            sha256(text.encode()).hexdigest()
        count += len(batch)
    return count


def _target(url: str) -> dict[str, str]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"sqlite": parsed.database or ""}
    return {"postgresql": parsed.set(drivername="postgresql").render_as_string(False)}


async def timed(label: str, work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = await work
    seconds = time.perf_counter() - start
    print(f"  {label:<28} {seconds:8.3f} s", file=sys.stderr)
    return seconds, out


async def measure(
    events: int = 200_000, database_url: str | None = None, repeat: int = 3
) -> dict[str, Any]:
    """Fill, checkpoint, and time each way of reading the ledger (best of ``repeat``)."""
    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        await asyncio.to_thread(migrate, url)
        engine = make_engine(url)
        try:
            config = LogConfig(ORIGIN, Ed25519PrivateKey.generate())
            await timed(f"fill {events} events", fill(engine, events))
            sessions = make_sessions(engine)
            now = lambda: datetime.now(UTC)  # noqa: E731
            await timed("integrate and checkpoint", checkpoint_now(sessions, config, now))
            figures: dict[str, list[float]] = {name: [] for name in WAYS}
            stored = 0
            for _ in range(repeat):
                for name in WAYS:
                    seconds, counted = await timed(name, _way(name, engine, url, config))
                    figures[name].append(seconds)
                    stored = max(stored, counted)
        finally:
            await engine.dispose()
    rate = {name: stored / min(values) for name, values in figures.items()}
    return {
        "workload": "W6 ledger verify",
        "baseline": "B-hash: fetch and SHA-256 the stored bytes",
        "database": make_url(url).get_backend_name(),
        "events": stored,
        "cores": os.cpu_count(),
        "events_per_second": {name: round(value) for name, value in rate.items()},
        "ratio_to_hash": {name: round(rate[name] / rate["hash"], 3) for name in WAYS},
        "ratio_to_hash_raw": {name: round(rate[name] / rate["hash_raw"], 3) for name in WAYS},
        "seconds": figures,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


WAYS = ("hash", "hash_raw", "verify", "verify_one_process", "verify_full")


async def _way(name: str, engine: AsyncEngine, url: str, config: LogConfig) -> int:
    if name == "hash":
        return await fetch_and_hash(engine)
    if name == "hash_raw":
        return await asyncio.to_thread(fetch_and_hash_raw, url)
    ways: dict[str, dict[str, Any]] = {
        "verify": {},
        "verify_one_process": {"apart_from": sys.maxsize},
        "verify_full": {"full": True},
    }
    options = ways[name]
    async with make_sessions(engine)() as session:
        found = await verify_database(session, config.verifier, **options)
    if not found.ok:
        raise RuntimeError(f"the bench ledger does not verify ({name}): {found}")
    return found.events


LABELS = {
    "hash": "B-hash (Core, async driver)",
    "hash_raw": "B-hash-raw (DB-API, one process)",
    "verify": "verify",
    "verify_one_process": "verify, in one process",
    "verify_full": "verify --full",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument(
        "--database-url", help="an empty database (default: SQLite in a temporary directory)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    result = asyncio.run(measure(args.events, args.database_url, args.repeat))
    rates = result["events_per_second"]
    print(f"events {result['events']:,} on {result['database']}, {result['cores']} cores")
    for name in WAYS:
        print(
            f"{LABELS[name]:<34} {rates[name]:>10,} events/s"
            f"   {result['ratio_to_hash'][name]:.2f} of B-hash"
            f"   {result['ratio_to_hash_raw'][name]:.2f} of B-hash-raw"
        )
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
