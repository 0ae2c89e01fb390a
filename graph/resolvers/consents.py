import uuid

import strawberry

from authz.basis import RedactionReason
from authz.relation import Relation
from graph.context import Info
from graph.pagination import cut, int_key, page_args
from graph.services import consents
from graph.services.lookup import client_view
from graph.types.connection import Connection, connection, empty_connection
from graph.types.consent import ConsentEvent, ConsentGrantInput, ProhibitionInput
from ledger.service import events
from schema.enums import ConsentMethod, DataCategory
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
    if ctx.guard.decide(view.access, DataCategory.CONSENT).reason == RedactionReason.NOT_PERMITTED:
        return empty_connection()
    after_seq = int_key(args.after)
    audit_only = all(s.relation == Relation.AUDIT for s in view.access.subjects)
    rows = await events(
        ctx.session,
        key,
        organisation_id=ctx.principal.organisation_id if audit_only else None,
        limit=args.first + 1,
        after_seq=after_seq,
    )
    return connection(
        "ledger", cut(rows, args), lambda r: ConsentEvent.from_row(r, view.access), lambda r: r.seq
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
