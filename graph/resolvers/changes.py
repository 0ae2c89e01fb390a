"""``changes(since, first)``: the change feed for integrations."""

from collections.abc import Callable
from typing import Any

import strawberry

from authz import rows
from graph.context import Info
from graph.errors import BadUserInput
from graph.loaders import ClientView
from graph.pagination import decode_cursor, encode_cursor, page_args
from graph.services import changes as service
from graph.types.application import Application
from graph.types.attachment import Attachment
from graph.types.change import Change, ChangeConnection
from graph.types.client import Client
from graph.types.connection import Edge, PageInfo
from graph.types.consent import ConsentEvent
from graph.types.decision import Decision
from graph.types.guarding import shown
from graph.types.notice import Notice
from graph.types.plan import Plan
from schema.enums import ChangeEntity, ChangeOp
from schema.models import Change as ChangeRow

CURSOR = "changes.v1"


def encode(position: int) -> str:
    return encode_cursor(CURSOR, position)


def decode(cursor: str | None) -> int:
    if cursor is None:
        return 0
    key = decode_cursor(CURSOR, cursor)
    if not key.isdigit():
        raise BadUserInput("since is not a cursor of the change feed")
    return int(key)


async def changes(
    info: Info, since: str | None = None, first: int | None = None
) -> ChangeConnection:
    """Everything the caller may see that changed after ``since`` (an ``endCursor`` of
    this feed; none for the beginning), oldest change first, at most ``first`` (default
    20, at most 100) items. Keep ``pageInfo.endCursor`` and pass it as ``since`` next
    time: it moves past what the caller may not see, so nothing is read twice."""
    ctx = info.context
    args = page_args(CURSOR, first, None)
    start = decode(since)
    found = await service.page(ctx, start, args.first)
    loaded = await service.entities(ctx, found.rows)
    views = await ctx.loaders.client.load_many([r.client_id for r in found.rows])
    edges: list[Edge[Change]] = []
    for row, view in zip(found.rows, views, strict=True):
        if view is None or not view.access.visible:
            continue
        entity = _entity(info, row, view, loaded)
        if entity is None:
            continue
        edges.append(Edge(cursor=encode(int(row.position or 0)), node=_change(row, entity)))
    return ChangeConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=found.has_next,
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=encode(found.end),
        ),
    )


def _change(row: ChangeRow, entity: Any) -> Change:
    return Change(
        position=int(row.position or 0),
        entity_type=ChangeEntity(row.entity_type),
        entity_id=strawberry.ID(str(row.entity_id)),
        op=ChangeOp(row.op),
        client_id=strawberry.ID(str(row.client_id)),
        entity=entity,
    )


RULES: dict[ChangeEntity, rows.RowRule] = {
    ChangeEntity.PLAN: rows.PLAN,
    ChangeEntity.APPLICATION: rows.APPLICATION,
    ChangeEntity.DECISION: rows.DECISION,
    ChangeEntity.ATTACHMENT: rows.ATTACHMENT,
    ChangeEntity.NOTICE: rows.NOTICE,
    ChangeEntity.CONSENT_EVENT: rows.CONSENT_EVENT,
}


def _entity(info: Info, row: ChangeRow, view: ClientView, loaded: dict[Any, Any]) -> Any:
    """The changed entity as the caller sees it, or ``None`` when the caller may know of
    none of its fields (its row rule decides, as it does for the entity's lists)."""
    ctx = info.context
    kind = ChangeEntity(row.entity_type)
    if kind == ChangeEntity.CLIENT:
        client = Client.from_view(view, ctx)
        return client if shown(client, info) else None
    found = loaded.get((kind.value, row.entity_id))
    if found is None or not RULES[kind].knowable(ctx.guard, view.access, found):
        return None
    access = view.access
    build: dict[ChangeEntity, Callable[[], Any]] = {
        ChangeEntity.PLAN: lambda: Plan.from_row(found, access, ctx),
        ChangeEntity.APPLICATION: lambda: Application.from_row(found, access, ctx),
        ChangeEntity.DECISION: lambda: Decision.from_row(found, access, ctx),
        ChangeEntity.ATTACHMENT: lambda: Attachment.from_row(found, access, ctx),
        ChangeEntity.NOTICE: lambda: Notice.from_row(found, access, ctx),
        ChangeEntity.CONSENT_EVENT: lambda: ConsentEvent.from_row(found, access),
    }
    return build[kind]()
