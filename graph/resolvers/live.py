"""``noticeEvents``: the notices sent to or by the caller's organisation, and their moves."""

from collections.abc import AsyncGenerator

import strawberry

from authz import rows
from authz.errors import Forbidden
from graph.context import Context
from graph.live import NoticeEventRef
from graph.per_event import DELIVERING
from graph.types.notice import Notice
from graph.types.notice_event import NoticeEvent
from graph.unit_of_work import finish
from graph.websocket import Connection
from schema.models import Notice as NoticeRow
from schema.models import NoticeMove as NoticeMoveRow


async def notice_events(
    info: strawberry.Info[Connection, None],
) -> AsyncGenerator[NoticeEvent, None]:
    """Each notice sent to or by the caller's organisation, and each of its moves, as it
    happens (over ``graphql-transport-ws``). Each event is read, decided and logged as a
    query of its own would be."""
    connection = info.context
    if not isinstance(connection, Connection) or connection.principal is None:
        raise Forbidden("subscribe over a WebSocket (graphql-transport-ws)")
    organisation = connection.principal.organisation_id
    if organisation is None:
        raise Forbidden("subscriptions are for staff of an organisation")
    live = connection.runtime.live
    with live.subscribe(organisation) as subscriber:
        try:
            while not subscriber.overflowed:
                ref = await subscriber.queue.get()
                ctx = connection.open()
                event = await _event(ctx, ref)
                if event is None:
                    await finish(ctx, ok=True)
                    continue
                DELIVERING.set(ctx)
                yield event
                await _finish_undelivered()
        finally:
            await _finish_undelivered()


async def _finish_undelivered() -> None:
    """An event whose result never reached the unit-of-work hook: end its unit anyway."""
    ctx = DELIVERING.get()
    if ctx is not None:
        DELIVERING.set(None)
        await finish(ctx, ok=False)


async def _event(ctx: Context, ref: NoticeEventRef) -> NoticeEvent | None:
    row = await ctx.session.get(NoticeRow, (ref.client_id, ref.notice_id))
    move = await ctx.session.get(NoticeMoveRow, (ref.client_id, ref.move_id))
    if row is None or move is None:
        return None
    view = await ctx.loaders.client.load(row.client_id)
    if view is None or not view.access.visible:
        return None
    if not rows.NOTICE.knowable(ctx.guard, view.access, row):
        return None
    return NoticeEvent.build(Notice.from_row(row, view.access, ctx), move, ctx)
