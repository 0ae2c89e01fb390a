"""Reviewing the access log at volume: a dpo's page, the summary and the signals.

    python -m bench.access_review [--rows 200000] [--database-url URL] [--repeat 5]
                                  [--explain]

Fills a fresh database (SQLite in a temporary directory by default; ``--database-url``
names an empty PostgreSQL database) with synthetic access-log rows over 2,000 clients
and 30 days: most of them Kela's, a share each of three counties', and a rare one
(0.2 %) of a fourth; a registration row per client. Then times, newest first:

- a dpo's first page (20 rows) and a page deep in the list, for Kela (most rows are
  its own) and for the rare county (its rows are few among many): what
  ``Query.accessLog`` runs (``ledger.access_review.page`` over the dpo's scope);
- the summary per organisation and category over one week, and the denial bursts.

Prints milliseconds per call (the median of ``--repeat``); ``--explain`` prints
PostgreSQL's plan of the rare county's first page.
"""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from authz import rows
from authz.principal import Principal
from ledger import access_review as review
from schema.db import make_engine, make_sessions, migrate
from schema.enums import OrganisationType, RelationshipOrigin, Role
from schema.models import AccessLogEntry, Client, ClientRelationship

START = datetime(2026, 10, 1, tzinfo=UTC)
CATEGORIES = ("IDENTITY", "PERSONAL_ID", "CONTACT", "PLAN", "LIFE_HEALTH", "KELA_DECISION")
ORGS = (("kela", 0.70), ("wc-pirkanmaa", 0.12), ("wc-lappi", 0.09), ("helsinki", 0.088))
RARE = "wc-kainuu"


def dpo(org: str) -> Principal:
    kind = OrganisationType.KELA if org == "kela" else OrganisationType.WELLBEING_COUNTY
    return Principal(f"dpo@{org}", frozenset({Role.dpo}), org, kind, None)


async def fill(session: AsyncSession, count: int, rng: random.Random) -> None:
    clients = [uuid.uuid4() for _ in range(2000)]
    await session.execute(
        insert(Client),
        [
            {
                "id": c,
                "personal_id": f"{n:011d}",
                "name": f"Asiakas {n}",
                "search_name": f"asiakas {n}",
                "language": "FI",
                "organiser_id": rng.choice(["wc-pirkanmaa", "wc-lappi", RARE]),
                "registered_at": START,
                "registered_by_org": "kela",
            }
            for n, c in enumerate(clients)
        ],
    )
    await session.execute(
        insert(ClientRelationship),
        [
            {
                "client_id": c,
                "organisation_id": org,
                "responsible": org != RARE,
                "origin": RelationshipOrigin.RESPONSIBLE
                if org != RARE
                else RelationshipOrigin.REGISTRATION,
                "opened_at": START,
                "opened_by_sub": "s",
                "opened_by_org": org,
            }
            for c in clients
            for org in ("wc-pirkanmaa", RARE)
            if rng.random() < 0.5 or org == "wc-pirkanmaa"
        ],
    )
    orgs = [org for org, _ in ORGS] + [RARE]
    weights = [share for _, share in ORGS] + [0.002]
    batch: list[dict[str, Any]] = []
    for n in range(count):
        at = START + timedelta(seconds=n * 30 * 86400 // count)
        org = rng.choices(orgs, weights)[0]
        allowed = rng.random() < 0.85
        batch.append(
            {
                "request_id": uuid.uuid4(),
                "at": at,
                "client_id": rng.choice(clients),
                "subject": f"{org}-user-{rng.randint(1, 200)}",
                "organisation_id": org,
                "roles": "social_worker" if org != "kela" else "kela_handler",
                "category": rng.choice(CATEGORIES),
                "action": "READ",
                "allowed": allowed,
                "basis": "STATUTORY" if allowed else None,
                "reason": None if allowed else "CONSENT_REQUIRED",
                "policy_hash": "0" * 64,
            }
        )
        if len(batch) == 5000:
            await session.execute(insert(AccessLogEntry), batch)
            batch = []
    for c in clients:
        batch.append(
            {
                "request_id": uuid.uuid4(),
                "at": START,
                "client_id": c,
                "subject": "registrar",
                "organisation_id": "wc-lappi",
                "roles": "social_worker",
                "category": "IDENTITY",
                "action": "WRITE",
                "allowed": True,
                "basis": "REGISTRATION",
                "policy_hash": "0" * 64,
            }
        )
    await session.execute(insert(AccessLogEntry), batch)


async def timed(repeat: int, call: Callable[[], Awaitable[Any]]) -> float:
    spent = []
    for _ in range(repeat):
        began = time.perf_counter()
        await call()
        spent.append(time.perf_counter() - began)
    return statistics.median(spent) * 1000


async def measure(url: str, count: int, repeat: int, explain: bool) -> None:
    engine = make_engine(url)
    sessions = make_sessions(engine)
    try:
        async with sessions() as session, session.begin():
            await fill(session, count, random.Random(7))  # noqa: S311 (synthetic data)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
        week = review.LogFilter(since=START + timedelta(days=7), until=START + timedelta(days=14))
        async with sessions() as session:
            for org in ("kela", RARE):
                scope = rows.ACCESS_LOG_ENTRY.audited.where(dpo(org))
                first = await review.page(
                    session, scope, review.LogFilter(), limit=21, before_id=None
                )

                async def first_page(scope: Any = scope) -> Any:
                    return await review.page(
                        session, scope, review.LogFilter(), limit=21, before_id=None
                    )

                deep = first[-1].id // 2 if first else None

                async def deep_page(scope: Any = scope, deep: Any = deep) -> Any:
                    return await review.page(
                        session, scope, review.LogFilter(), limit=21, before_id=deep
                    )

                print(
                    f"dpo of {org}: first page {await timed(repeat, first_page):.1f} ms, "
                    f"a page half-way down {await timed(repeat, deep_page):.1f} ms"
                )
            scope = rows.ACCESS_LOG_ENTRY.audited.where(dpo("kela"))

            async def summary() -> Any:
                return await review.summary(session, scope, week)

            async def bursts() -> Any:
                return await review.denial_bursts(
                    session,
                    "kela",
                    week.since or START,
                    week.until or START,
                    20,
                    timedelta(minutes=5),
                )

            print(f"summary of a week, Kela: {await timed(repeat, summary):.1f} ms")
            print(f"denial bursts of a week, Kela: {await timed(repeat, bursts):.1f} ms")
            if explain and engine.dialect.name == "postgresql":
                rare = rows.ACCESS_LOG_ENTRY.audited.where(dpo(RARE))
                await review.page(session, rare, review.LogFilter(), limit=21, before_id=None)
                print(await explain_page(session, rare))
    finally:
        await engine.dispose()


async def explain_page(session: AsyncSession, scope: Any) -> str:
    """PostgreSQL's plan of a first page."""
    from sqlalchemy.dialects import postgresql

    statement = review.page_statement(scope, review.LogFilter(), limit=21, before_id=None)
    dialect: Any = postgresql.dialect()  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    plan = await session.execute(text(f"EXPLAIN ANALYZE {compiled}"))
    return "\n".join(row[0] for row in plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate(url)
        print(f"{args.rows} access-log rows on {url.split(':')[0]}")
        asyncio.run(measure(url, args.rows, args.repeat, args.explain))


if __name__ == "__main__":
    main()
