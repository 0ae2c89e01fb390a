"""Idempotency on an issuer's external id (``recordDecision``, ``sendNotice``,
``recordApplication``): one row in ``idempotency_keys`` per (kind, issuer, external id),
claimed in the unit of work that writes the record. The rule is global — the same
external id for another client is the same key — although the records live with their
clients (``schema/distribution.py``)."""

import uuid
from typing import TypeVar

from sqlalchemy import and_, select

from graph.context import Context
from schema.db import insert_if_absent
from schema.models import Application, Decision, IdempotencyKey, Notice

Record = TypeVar("Record", Application, Decision, Notice)

KINDS: dict[type[Application] | type[Decision] | type[Notice], str] = {
    Decision: "DECISION",
    Notice: "NOTICE",
    Application: "APPLICATION",
}


async def claim(
    ctx: Context,
    model: type[Record],
    issuer: str,
    external_id: str,
    client_id: uuid.UUID,
    record_id: uuid.UUID,
) -> bool:
    """Take the key for the record about to be written; False if it is taken (nothing
    written). Of two concurrent claims exactly one wins, the other waits and loses."""
    return await insert_if_absent(
        ctx.session,
        IdempotencyKey,
        {
            "kind": KINDS[model],
            "issuer": issuer,
            "external_id": external_id,
            "client_id": client_id,
            "record_id": record_id,
            "recorded_at": ctx.now,
        },
        ["kind", "issuer", "external_id"],
    )


async def recorded(
    ctx: Context, model: type[Record], issuer: str, external_id: str
) -> Record | None:
    """The record the key names, if it was claimed (one statement)."""
    key = IdempotencyKey
    return await ctx.session.scalar(
        select(model)
        .join(key, and_(key.client_id == model.client_id, key.record_id == model.id))
        .where(key.kind == KINDS[model], key.issuer == issuer, key.external_id == external_id)
    )
