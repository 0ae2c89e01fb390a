"""The change feed, read: what changed after a position, for the clients the caller
relates to, batched into the normal GraphQL objects.

Positions are dense (the sequencer numbers 1, 2, 3 …), so a page scans a window of
positions: rows of clients the caller has no relation to are left out in SQL, rows whose
every field the caller may not see are left out after the per-field decision, and the
page's end cursor still moves past both, so a consumer never reads them again.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_

from authz.visibility import visible_clients
from graph.context import Context
from schema.enums import ChangeEntity
from schema.models import (
    Application,
    Attachment,
    Change,
    Client,
    ConsentEvent,
    Decision,
    Notice,
    PlanVersion,
)
from schema.sequencer import last_position, sequence

SCAN_WINDOW = 5000
"""The most positions one page looks at, visible or not."""

MODELS: dict[ChangeEntity, Any] = {
    ChangeEntity.PLAN: PlanVersion,
    ChangeEntity.APPLICATION: Application,
    ChangeEntity.DECISION: Decision,
    ChangeEntity.ATTACHMENT: Attachment,
    ChangeEntity.NOTICE: Notice,
    ChangeEntity.CONSENT_EVENT: ConsentEvent,
}


@dataclass(frozen=True)
class FeedPage:
    rows: Sequence[Change]
    end: int
    """The position the next page starts after: past every row looked at."""
    has_next: bool


async def page(ctx: Context, since: int, first: int) -> FeedPage:
    """Up to ``first`` changes after ``since`` of clients the caller relates to."""
    await sequence(ctx.runtime.sessions)
    top = await last_position(ctx.session)
    upto = min(top, since + SCAN_WINDOW)
    if first == 0 or upto <= since:
        return FeedPage([], since, top > since)
    rows = list(
        await ctx.session.scalars(
            select(Change)
            .join(Client, Client.id == Change.client_id)
            .where(
                Change.position > since,
                Change.position <= upto,
                visible_clients(ctx.principal, ctx.today, ctx.pii),
            )
            .order_by(Change.position)
            .limit(first + 1)
        )
    )
    if len(rows) > first:
        rows = rows[:first]
        return FeedPage(rows, int(rows[-1].position or since), True)
    return FeedPage(rows, upto, upto < top)


async def entities(ctx: Context, rows: Sequence[Change]) -> dict[tuple[str, uuid.UUID], Any]:
    """The rows the changes name, one query per entity type."""
    wanted: dict[ChangeEntity, set[tuple[uuid.UUID, uuid.UUID]]] = defaultdict(set)
    for row in rows:
        entity = ChangeEntity(row.entity_type)
        if entity != ChangeEntity.CLIENT:
            wanted[entity].add((row.client_id, row.entity_id))
    found: dict[tuple[str, uuid.UUID], Any] = {}
    for entity, keys in wanted.items():
        model = MODELS[entity]
        query = select(model).where(
            model.client_id.in_({client for client, _ in keys}),
            tuple_(model.client_id, model.id).in_(keys),
        )
        for item in await ctx.session.scalars(query):
            found[(entity.value, item.id)] = item
    return found
