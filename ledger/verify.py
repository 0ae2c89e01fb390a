"""Verifying the stored ledger: every event's hash and link, recomputed from its text."""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.chain import Break, ChainVerifier
from schema.models import ConsentEvent


@dataclass(frozen=True)
class Verification:
    events: int
    chains: int
    broken: Break | None


def stored_event(row: ConsentEvent) -> dict[str, Any]:
    """The event as stored: its canonical text with the stored hash beside it. The
    columns must agree with the text, or the row itself is the break."""
    event: dict[str, Any] = json.loads(row.canonical)
    event["hash"] = row.hash
    if (
        event.get("seq") != row.seq
        or event.get("prev") != row.prev
        or event.get("client") != str(row.client_id)
    ):
        event["hash"] = "columns disagree with the canonical text"
    return event


async def verify_database(session: AsyncSession) -> Verification:
    verifier = ChainVerifier()
    rows = await session.stream_scalars(
        select(ConsentEvent)
        .order_by(ConsentEvent.client_id, ConsentEvent.seq)
        .execution_options(yield_per=1000)
    )
    async for row in rows:
        broken = verifier.feed(stored_event(row))
        if broken is not None:
            return Verification(verifier.events, verifier.chains, broken)
    return Verification(verifier.events, verifier.chains, None)
