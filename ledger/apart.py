"""Verifying a large ledger on every core: the events of each range of clients checked
by a process of its own (``python -m ledger.chains``), their answers merged by the
caller, which then rebuilds the tree from the leaf hashes they computed.

The helpers read with the plain DB-API driver (``ledger.dbapi``) and start fast: they
import neither SQLAlchemy nor the service. A request (JSON) goes to a helper's standard
input and its answer comes back on its standard output."""

import asyncio
import itertools
import json
import os
import sys
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.chains import read_answer
from ledger.errors import LedgerBroken
from ledger.verifier import LedgerVerifier, Problem
from schema.models import ConsentEvent

EVENTS = ConsentEvent.__table__
PARTS = max(2, min(os.cpu_count() or 1, 4))
"""Ranges of clients, one a core (two at least, four at most)."""


async def verify(
    session: AsyncSession, verifier: LedgerVerifier, events: int, full: bool
) -> Problem | None:
    """The events checked by one process per range of clients, all at once; their
    answers merged into ``verifier`` (the first problem, else their leaf hashes)."""
    where, count = target(session), len(verifier.leaves)
    common = {"target": where, "count": count, "trusted": verifier.trusted, "full": full}
    workers = await asyncio.gather(
        *(
            Worker.start("ledger.chains", common | {"low": a, "high": b})
            for a, b in await ranges(session, events, PARTS)
        )
    )
    try:
        outputs = await asyncio.gather(*(w.output() for w in workers))
    finally:
        for worker in workers:
            worker.stop()
    try:
        answers = [read_answer(out) for out in outputs]
    except ValueError as error:
        raise LedgerBroken("a verifying process answered nonsense") from error
    return verifier.merge(answers)


async def ranges(
    session: AsyncSession, events: int, parts: int
) -> list[tuple[str | None, str | None]]:
    """Ranges of clients, each ending where a client begins, with about as many events."""
    bounds: list[str | None] = [None]
    for part in range(1, parts):
        pivot = await session.scalar(
            select(cast(EVENTS.c.client_id, String))
            .order_by(EVENTS.c.client_id, EVENTS.c.seq)
            .offset(events * part // parts)
            .limit(1)
        )
        if pivot is not None and pivot not in bounds:
            bounds.append(pivot)
    bounds.append(None)
    return list(itertools.pairwise(bounds))


def file_backed(session: AsyncSession) -> bool:
    url = session.get_bind().engine.url
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


def target(session: AsyncSession) -> dict[str, str]:
    """Where a helper process finds the database (a SQLite file is found from this
    directory, which it shares)."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite":
        return {"sqlite": url.database or ""}
    return {"postgresql": url.set(drivername="postgresql").render_as_string(hide_password=False)}


class Worker:
    """``python -m <module>``: the request on its standard input, the answer on its
    standard output."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, module: str, request: dict[str, Any]) -> "Worker":
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        if process.stdin is None:
            raise RuntimeError("the helper process has no standard input")
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
        return cls(process)

    async def output(self) -> bytes:
        out, _ = await self.process.communicate()
        if self.process.returncode != 0:
            raise LedgerBroken("a verifying process could not read the ledger")
        return out

    def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
