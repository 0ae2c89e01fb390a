"""Finding what a write is about, as the caller may know it."""

import uuid
from typing import TypeVar

from sqlalchemy import select

from authz.errors import Forbidden
from graph.context import Context
from graph.errors import BadUserInput, NotFound
from graph.loaders import ClientView
from schema.base import Base

M = TypeVar("M", bound=Base)


def parse_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise BadUserInput(f"{what} is not an id") from error


async def client_view(ctx: Context, client_id: str | uuid.UUID) -> ClientView:
    """The client, if it exists for the caller; otherwise ``NotFound`` (the same answer as
    for an id that exists nowhere)."""
    key = client_id if isinstance(client_id, uuid.UUID) else parse_id(client_id, "clientId")
    view = await ctx.loaders.client.load(key)
    if view is None or not view.access.visible:
        raise NotFound("no such client")
    return view


def known_organisation(ctx: Context, organisation_id: str, what: str) -> str:
    if organisation_id not in ctx.organisations:
        raise BadUserInput(f"unknown organisation for {what}: {organisation_id}")
    return organisation_id


def text(value: str | None, what: str, *, limit: int, required: bool = False) -> str | None:
    """Trimmed text within ``limit`` characters; ``None`` for blank unless required."""
    cleaned = None if value is None else value.strip() or None
    if cleaned is None:
        if required:
            raise BadUserInput(f"{what} is required")
        return None
    if len(cleaned) > limit:
        raise BadUserInput(f"{what} is longer than {limit} characters")
    return cleaned


async def fetch(ctx: Context, model: type[M], client_id: uuid.UUID, row_id: uuid.UUID) -> M:
    """A client's row this transaction has just written or found, by its key (the
    client's id, the row's); its absence is a bug, not input."""
    row = await ctx.session.get(model, (client_id, row_id))
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} is missing inside its own transaction")
    return row


async def by_id(ctx: Context, model: type[M], row_id: uuid.UUID) -> M | None:
    """A client's row named by its id alone, as the API names it (``notice(id)``, an
    attachment's download): the one read that does not know the client beforehand, so on
    a distributed database it asks every shard (``docs/scaling.md``)."""
    column = model.__table__.c.id
    return await ctx.session.scalar(select(model).where(column == row_id))


def organisation_of(ctx: Context) -> str:
    """The caller's organisation, for writes only staff may make."""
    if ctx.principal.organisation_id is None:
        raise Forbidden("only staff of an organisation may do this")
    return ctx.principal.organisation_id
