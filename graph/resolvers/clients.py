import uuid
from collections.abc import Sequence

import strawberry
from sqlalchemy import Select, select

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
from graph.types.connection import Connection, connection
from graph.types.organisation import Organisation
from graph.types.principal import Principal
from schema.enums import DataCategory
from schema.models import Client as ClientRow
from schema.models import PersonalIdIndex
from schema.models.client import personal_id_lookup


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


def _client_of(code: str) -> Select[uuid.UUID]:
    """The client a personal identity code is, from the code's index."""
    return select(PersonalIdIndex.client_id).where(
        PersonalIdIndex.lookup == personal_id_lookup(code)
    )


def _may_look_up_by_code(view: ClientView, ctx: Context) -> bool:
    """Finding a client by their code discloses that code: only for those who may see it."""
    return ctx.guard.check(view.access, DataCategory.PERSONAL_ID).allowed


async def client_by_personal_id(info: Info, personal_id: str) -> Client | None:
    """By personal identity code; an invalid code is BAD_USER_INPUT. Null for no such
    client, and for callers who may not see personal identity codes."""
    ctx = info.context
    code = service.parse_personal_id(personal_id)
    key = await ctx.session.scalar(_client_of(code))
    view = None if key is None else await ctx.loaders.client.load(key)
    if view is None or not view.access.visible or not _may_look_up_by_code(view, ctx):
        return None
    return Client.from_view(view, ctx)


async def clients(
    info: Info, first: int | None = None, after: str | None = None, search: str | None = None
) -> Connection[Client]:
    """The clients that exist for the caller, oldest registration first. ``search`` is a
    personal identity code or part of a name."""
    ctx = info.context
    args = page_args("client", first, after)
    query = select(ClientRow.id).where(visible_clients(ctx.principal, ctx.today))
    by_code = False
    if search is not None and search.strip():
        term = search.strip()
        if len(term) > 200:
            raise BadUserInput("search is longer than 200 characters")
        try:
            code = service.parse_personal_id(term)
            query = query.where(ClientRow.id == _client_of(code).scalar_subquery())
            by_code = True
        except BadUserInput:
            query = query.where(ClientRow.search_name.contains(term.casefold(), autoescape=True))
    after_id = uuid_key(args.after)
    if after_id is not None:
        query = query.where(ClientRow.id > after_id)
    ids = list(await ctx.session.scalars(query.order_by(ClientRow.id).limit(args.first + 1)))
    views: Sequence[ClientView | None] = await ctx.loaders.client.load_many(ids)
    shown = [
        v
        for v in views
        if v is not None and v.access.visible and (not by_code or _may_look_up_by_code(v, ctx))
    ]
    return connection(
        "client", cut(shown, args), lambda v: Client.from_view(v, ctx), lambda v: v.row.id
    )


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
