import uuid

import strawberry
from sqlalchemy import func, select

from authz import rows
from graph.context import Info
from graph.pagination import cut, int_key, page_args
from graph.services import consents
from graph.services.lookup import client_view
from graph.types.connection import Connection, connection, empty_connection
from graph.types.consent import ConsentEvent, ConsentGrantInput, ProhibitionInput
from ledger.service import events
from schema.enums import ConsentMethod
from schema.models import ConsentEvent as ConsentEventRow


async def consent_ledger(
    info: Info, client_id: strawberry.ID, first: int | None = None, after: str | None = None
) -> Connection[ConsentEvent]:
    """The client's ledger in seq order; a dpo sees the events their organisation recorded
    or is the party of."""
    ctx = info.context
    args = page_args("ledger", first, after)
    try:
        key = uuid.UUID(str(client_id))
    except ValueError:
        return empty_connection()
    view = await ctx.loaders.client.load(key)
    if view is None or not view.access.visible:
        return empty_connection()
    rule = rows.CONSENT_EVENT
    visible = rule.visible(ctx.guard, view.access)
    if not visible.classes:
        return empty_connection()
    condition = rule.where(ctx.principal, visible)
    found = await events(
        ctx.session, key, condition=condition, limit=args.first + 1, after_seq=int_key(args.after)
    )

    async def count() -> int:
        counted = select(func.count()).where(ConsentEventRow.client_id == key, condition)
        return int(await ctx.session.scalar(counted) or 0)

    return connection(
        "ledger",
        cut(found, args),
        lambda r: ConsentEvent.from_row(r, view.access),
        lambda r: r.seq,
        count=count,
    )


async def _event(info: Info, row: ConsentEventRow) -> ConsentEvent:
    view = await client_view(info.context, row.client_id)
    return ConsentEvent.from_row(row, view.access)


async def grant_consent(info: Info, input: ConsentGrantInput) -> ConsentEvent:
    return await _event(info, await consents.grant(info.context, input))


async def withdraw_consent(
    info: Info,
    client_id: strawberry.ID,
    grant_seq: int,
    reason: str | None = None,
    method: ConsentMethod = ConsentMethod.ELECTRONIC,
) -> ConsentEvent:
    return await _event(
        info, await consents.withdraw(info.context, str(client_id), grant_seq, reason, method)
    )


async def prohibit_disclosure(info: Info, input: ProhibitionInput) -> ConsentEvent:
    return await _event(info, await consents.prohibit(info.context, input))


async def lift_prohibition(
    info: Info,
    client_id: strawberry.ID,
    prohibition_seq: int,
    method: ConsentMethod = ConsentMethod.ELECTRONIC,
) -> ConsentEvent:
    return await _event(
        info, await consents.lift(info.context, str(client_id), prohibition_seq, method)
    )


async def record_informed(
    info: Info, client_id: strawberry.ID, text_version: str, channel: str
) -> ConsentEvent:
    return await _event(
        info, await consents.informed(info.context, str(client_id), text_version, channel)
    )
