"""Rebuilding the ledger's projection (``consent_rules``) from the events, and the drift
between the two (``infocap ledger rebuild``).

The events are the truth; the projection is what the guard reads. A rebuild folds every
client's events in seq order into fresh projection rows with the same code as appends
(``service.projected_row`` / ``projected_end``) and compares them, row by row and column
by column, with the live projection: a row the events make that is not there is
*missing*, a row no event makes is *extra*, a row whose columns disagree *differs*.
``apply`` replaces the drifted clients' rows with the rebuilt ones; events are never
touched.

Clients are read in chunks in client order, so memory stays bounded. A comparison reads
each chunk's events and rows in one snapshot (``REPEATABLE READ`` on PostgreSQL), so an
append meanwhile is not mistaken for drift; an apply locks each drifted client's chain
head, as an append does, and rebuilds that client again under the lock.
"""

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.service import PROJECTED, projected_end, projected_row
from schema.models import ConsentEvent, ConsentRule, LedgerHead

CHUNK = 500
Rows = dict[int, dict[str, Any]]
"""A client's projection rows by seq: column → value (``PROJECTED``)."""


def rebuilt(events: Iterable[Mapping[str, Any]]) -> Rows:
    """The projection one client's events (in seq order) make. Pure."""
    found: Rows = {}
    for event in events:
        row = projected_row(event)
        if row is not None:
            found[int(event["seq"])] = row
        end = projected_end(event)
        if end is not None and end[0] in found:
            ended, seq, at = end
            found[ended] = found[ended] | {"ended_seq": seq, "ended_at": at}
    return found


def _plain(value: Any) -> Any:
    """A column's value as compared: enums by value, lists as lists."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


@dataclass(frozen=True)
class Drift:
    client_id: uuid.UUID
    seq: int
    kind: str
    """``missing``, ``extra`` or ``differs``."""
    columns: tuple[tuple[str, Any, Any], ...] = ()
    """For ``differs``: (column, live value, the events' value)."""

    def line(self) -> str:
        head = f"client {self.client_id} seq {self.seq}: {self.kind}"
        if self.kind == "missing":
            return f"{head} (an event makes it; the projection lacks it)"
        if self.kind == "extra":
            return f"{head} (no event makes it)"
        shown = "; ".join(
            f"{column} live {_text(live)}, ledger {_text(ledger)}"
            for column, live, ledger in self.columns
        )
        return f"{head}: {shown}"


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.isoformat()
    return json.dumps(value) if isinstance(value, list) else str(value)


def compare(client_id: uuid.UUID, live: Rows, ledger: Rows) -> list[Drift]:
    """The drift of one client's live projection from the one its events make. Pure."""
    found: list[Drift] = []
    for seq in sorted(set(live) | set(ledger)):
        if seq not in live:
            found.append(Drift(client_id, seq, "missing"))
        elif seq not in ledger:
            found.append(Drift(client_id, seq, "extra"))
        else:
            columns = tuple(
                (column, _plain(live[seq][column]), _plain(ledger[seq][column]))
                for column in PROJECTED
                if _plain(live[seq][column]) != _plain(ledger[seq][column])
            )
            if columns:
                found.append(Drift(client_id, seq, "differs", columns))
    return found


@dataclass
class Report:
    clients: int = 0
    rows: int = 0
    """Rows the events make."""
    drift: list[Drift] = field(default_factory=list)
    applied: int = 0
    """Clients whose projection was replaced."""

    def count(self, kind: str) -> int:
        return sum(1 for d in self.drift if d.kind == kind)

    @property
    def drifted_clients(self) -> list[uuid.UUID]:
        return sorted({d.client_id for d in self.drift})


async def _client_chunk(session: AsyncSession, after: uuid.UUID | None) -> list[uuid.UUID]:
    """The next clients with events or projection rows, in client order."""
    with_events = select(ConsentEvent.client_id.label("client_id"))
    with_rows = select(ConsentRule.client_id.label("client_id"))
    if after is not None:
        with_events = with_events.where(ConsentEvent.client_id > after)
        with_rows = with_rows.where(ConsentRule.client_id > after)
    both = union(with_events, with_rows).subquery()
    found = await session.scalars(select(both.c.client_id).order_by(both.c.client_id).limit(CHUNK))
    return list(found)


async def _ledger_rows(
    session: AsyncSession, clients: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Rows]:
    texts = await session.execute(
        select(ConsentEvent.client_id, ConsentEvent.canonical)
        .where(ConsentEvent.client_id.in_(clients))
        .order_by(ConsentEvent.client_id, ConsentEvent.seq)
    )
    events: dict[uuid.UUID, list[Any]] = {c: [] for c in clients}
    for client_id, text in texts:
        events[client_id].append(json.loads(text))
    return {client_id: rebuilt(found) for client_id, found in events.items()}


async def _live_rows(session: AsyncSession, clients: Sequence[uuid.UUID]) -> dict[uuid.UUID, Rows]:
    found: dict[uuid.UUID, Rows] = {c: {} for c in clients}
    columns = [getattr(ConsentRule, column) for column in PROJECTED]
    rows = await session.execute(
        select(ConsentRule.client_id, ConsentRule.seq, *columns).where(
            ConsentRule.client_id.in_(clients)
        )
    )
    for client_id, seq, *values in rows:
        found[client_id][seq] = dict(zip(PROJECTED, values, strict=True))
    return found


async def drift(session: AsyncSession) -> Report:
    """Compare the whole projection with the events (reads only)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    report = Report()
    after: uuid.UUID | None = None
    while True:
        clients = await _client_chunk(session, after)
        if not clients:
            return report
        ledger = await _ledger_rows(session, clients)
        live = await _live_rows(session, clients)
        for client_id in clients:
            report.clients += 1
            report.rows += len(ledger[client_id])
            report.drift += compare(client_id, live[client_id], ledger[client_id])
        after = clients[-1]


async def replace_projection(session: AsyncSession, clients: Sequence[uuid.UUID]) -> int:
    """Replace these clients' projection rows with the ones their events make, each under
    its chain head's lock (as appends take it); the caller commits. Clients whose rows
    match by then are left alone. How many were replaced."""
    replaced = 0
    for client_id in clients:
        await session.execute(
            update(LedgerHead).where(LedgerHead.client_id == client_id).values(seq=LedgerHead.seq)
        )
        ledger = (await _ledger_rows(session, [client_id]))[client_id]
        live = (await _live_rows(session, [client_id]))[client_id]
        if not compare(client_id, live, ledger):
            continue
        await session.execute(delete(ConsentRule).where(ConsentRule.client_id == client_id))
        if ledger:
            await session.execute(
                insert(ConsentRule),
                [{"client_id": client_id, "seq": seq, **row} for seq, row in ledger.items()],
            )
        replaced += 1
    return replaced
