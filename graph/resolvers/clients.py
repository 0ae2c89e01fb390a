import json
import uuid
from collections.abc import Sequence
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from authz.visibility import visible_clients
from graph.context import Context, Info
from graph.errors import BadUserInput
from graph.loaders import ClientView
from graph.pagination import cut, page_args, uuid_key
from graph.services import clients as service
from graph.services import guardianships
from graph.services.lookup import client_view
from graph.types.client import Client, Guardianship
from graph.types.client_inputs import GuardianshipInput, RegisterClientInput, UpdateClientInput
from graph.types.connection import AFTER, FIRST, Connection, connection
from graph.types.organisation import Organisation
from graph.types.principal import Principal
from schema.enums import DataCategory
from schema.models import Client as ClientRow


def me(info: Info) -> Principal:
    ctx = info.context
    return Principal.from_record(ctx.principal, ctx.organisations, ctx.guard.policy.sha256)


def organisations(info: Info) -> list[Organisation]:
    return [Organisation.from_record(r) for r in info.context.organisations.values()]


def _shown(view: ClientView | None, ctx: Context) -> Client | None:
    return None if view is None or not view.access.visible else Client.from_view(view, ctx)


async def client(info: Info, id: strawberry.ID) -> Client | None:
    """The client, or null when no such client exists for the caller."""
    try:
        key = uuid.UUID(str(id))
    except ValueError:
        return None
    return _shown(await info.context.loaders.client.load(key), info.context)


def _may_look_up_by_code(view: ClientView, ctx: Context) -> bool:
    """Finding a client by their code discloses that code: only for those who may see it."""
    return ctx.guard.check(view.access, DataCategory.PERSONAL_ID).allowed


async def client_by_personal_id(info: Info, personal_id: str) -> Client | None:
    """By personal identity code; an invalid code is BAD_USER_INPUT. Null for no such
    client, and for callers who may not see personal identity codes."""
    ctx = info.context
    code = service.parse_personal_id(personal_id)
    key = await service.client_id_by_code(ctx.session, code)
    view = None if key is None else await ctx.loaders.client.load(key)
    if view is None or not view.access.visible or not _may_look_up_by_code(view, ctx):
        return None
    return Client.from_view(view, ctx)


@strawberry.enum(description="The order of the clients list.")
class ClientOrder(Enum):
    REGISTRATION = strawberry.enum_value(
        "REGISTRATION", description="Registration order, oldest first (the default)."
    )
    NAME = strawberry.enum_value(
        "NAME",
        description="By name, case-insensitive, compared character by character by Unicode "
        "code point (so Å, Ä and Ö come after Z); clients of the same name in registration "
        "order.",
    )


async def clients(
    info: Info,
    first: FIRST = None,
    after: AFTER = None,
    search: Annotated[
        str | None,
        strawberry.argument(
            description="A full personal identity code (only for callers who may see codes), "
            "or part of a name, case-insensitive; at most 200 characters."
        ),
    ] = None,
    order_by: Annotated[
        ClientOrder,
        strawberry.argument(description="The order; a cursor belongs to one order."),
    ] = ClientOrder.REGISTRATION,
) -> Connection[Client]:
    """The clients that exist for the caller, oldest registration first or by name.
    ``search`` is a personal identity code or part of a name."""
    ctx = info.context
    kind = "client" if order_by == ClientOrder.REGISTRATION else "client.name"
    args = page_args(kind, first, after)
    query = select(ClientRow.id).where(visible_clients(ctx.principal, ctx.today))
    code = None
    if search is not None and search.strip():
        term = search.strip()
        if len(term) > 200:
            raise BadUserInput("search is longer than 200 characters")
        try:
            code = service.parse_personal_id(term)
            query = query.where(ClientRow.id == service.client_of_code(code).scalar_subquery())
        except BadUserInput:
            query = query.where(ClientRow.search_name.contains(term.casefold(), autoescape=True))
    ordered = _ordered(ctx, query, order_by, args.after)
    ids = list(await ctx.session.scalars(ordered.limit(args.first + 1)))
    shown = await _shown_clients(ctx, ids, by_code=code is not None)

    async def count() -> int:
        if code is not None:  # one client at most, listed only to who may see the code
            return len(await _shown_clients(ctx, list(await ctx.session.scalars(query)), True))
        total = await ctx.session.scalar(select(func.count()).select_from(query.subquery()))
        return int(total or 0)

    def key(view: ClientView) -> object:
        if order_by == ClientOrder.NAME:
            return json.dumps([view.row.search_name, str(view.row.id)], ensure_ascii=False)
        return view.row.id

    return connection(kind, cut(shown, args), lambda v: Client.from_view(v, ctx), key, count=count)


async def _shown_clients(ctx: Context, ids: list[uuid.UUID], by_code: bool) -> list[ClientView]:
    views: Sequence[ClientView | None] = await ctx.loaders.client.load_many(ids)
    return [
        v
        for v in views
        if v is not None and v.access.visible and (not by_code or _may_look_up_by_code(v, ctx))
    ]


def _ordered(
    ctx: Context, query: "Select[uuid.UUID]", order_by: ClientOrder, after: str | None
) -> "Select[uuid.UUID]":
    """The query in the list's order, after the cursor's row."""
    if order_by == ClientOrder.NAME:
        name = _name_order(ctx)
        position = _name_key(after)
        if position is not None:
            after_name, after_name_id = position
            query = query.where(
                or_(name > after_name, and_(name == after_name, ClientRow.id > after_name_id))
            )
        return query.order_by(name, ClientRow.id)
    after_id = uuid_key(after)
    if after_id is not None:
        query = query.where(ClientRow.id > after_id)
    return query.order_by(ClientRow.id)


def _name_order(ctx: Context) -> ColumnElement[str]:
    """The case-folded name, compared by code point on both databases (SQLite compares
    bytes; PostgreSQL would otherwise use its locale's collation)."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        return ClientRow.search_name.collate("C")
    return ClientRow.search_name.expression


def _name_key(value: str | None) -> tuple[str, uuid.UUID] | None:
    """A decoded cursor of the by-name order: the case-folded name and the id."""
    if value is None:
        return None
    try:
        name, key = json.loads(value)
        return str(name), uuid.UUID(key)
    except (ValueError, TypeError) as error:
        raise BadUserInput("after is not a cursor of this list") from error


async def register_client(info: Info, input: RegisterClientInput) -> Client:
    view = await service.register(info.context, input)
    return Client.from_view(view, info.context)


async def update_client(info: Info, id: strawberry.ID, input: UpdateClientInput) -> Client:
    view = await service.update(info.context, str(id), input)
    return Client.from_view(view, info.context)


async def record_guardianship(info: Info, input: GuardianshipInput) -> Guardianship:
    ctx = info.context
    row = await guardianships.record(
        ctx,
        str(input.ward_id),
        input.guardian_personal_id,
        input.kind,
        input.valid_from,
        input.valid_until,
    )
    view = await client_view(ctx, row.ward_id)
    return Guardianship.from_row(row, view.access, ctx.today)
