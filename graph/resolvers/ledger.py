"""The transparency log: checkpoints, proofs, keys, receipts, verification.

Checkpoints, proofs and the public keys are public by nature (anyone may check the log),
so any authenticated caller may read them. A receipt discloses an event of a client's
ledger: it is answered to whoever may read that client's ``CONSENT`` category, a dpo
for the events its organisation recorded or is the party of. ``verifyLedger`` and
``createCheckpoint`` are a dpo's (policy lines ``ledger, verify`` and
``ledger, checkpoint``)."""

from typing import cast

import strawberry
from strawberry.scalars import JSON

from authz import rows
from graph.context import Info
from graph.services import ledger as service
from graph.types.ledger import LedgerCheckpoint, LedgerVerification
from ledger import checkpoints, log
from ledger.note import b64
from ledger.verify import verify_database
from ledger.witnessing import checkpoint_now
from schema.enums import DataCategory


async def ledger_checkpoint(info: Info, tree_size: int | None = None) -> LedgerCheckpoint | None:
    """The latest checkpoint, or the one of that tree size; null when there is none."""
    session = info.context.session
    row = (
        await checkpoints.latest(session)
        if tree_size is None
        else await checkpoints.at_size(session, tree_size)
    )
    if row is None:
        return None
    stored = await checkpoints.served(session, row, info.context.runtime.log)
    return LedgerCheckpoint.from_stored(stored)


async def ledger_consistency_proof(info: Info, from_size: int, to_size: int) -> list[str]:
    """RFC 9162 consistency proof between two tree sizes: base64 hashes, RFC 9162 order."""
    proof = await log.consistency_proof(info.context.session, from_size, to_size)
    return [b64(p) for p in proof]


async def ledger_inclusion_proof(info: Info, index: int, tree_size: int | None = None) -> list[str]:
    """RFC 9162 inclusion proof of the log entry at ``index`` in the tree of ``treeSize``
    (default: the latest checkpoint's): base64 hashes, RFC 9162 order."""
    session = info.context.session
    if tree_size is None:
        latest = await checkpoints.latest(session)
        tree_size = 0 if latest is None else latest.tree_size
    return [b64(p) for p in await log.inclusion_proof(session, index, tree_size)]


def ledger_public_key(info: Info) -> str:
    """The note verifier key: ``<origin>+<key id>+base64(0x01 ‖ public key)``."""
    return str(service.configured(info.context.runtime.log).verifier)


def ledger_public_key_pem(info: Info) -> str:
    return service.configured(info.context.runtime.log).public_pem


async def consent_receipt(info: Info, event_id: strawberry.ID) -> JSON | None:
    """A receipt for one ledger event (docs/ledger.md), or null when the event does not
    exist for the caller. An event in no checkpoint yet is refused (CONFLICT)."""
    ctx = info.context
    row = await service.event_by_id(ctx.session, service.event_key(event_id))
    if row is None:
        return None
    view = await ctx.loaders.client.load(row.client_id)
    if view is None or not view.access.visible:
        return None
    if not rows.CONSENT_EVENT.knowable(ctx.guard, view.access, row):
        return None
    if not ctx.guard.check(view.access, DataCategory.CONSENT).allowed:
        return None
    made = await service.receipt(ctx.session, ctx.runtime.log, ctx.organisations, row)
    return cast(JSON, made)


async def verify_ledger(info: Info) -> LedgerVerification:
    """Every event's hash and link, the log rebuilt, every checkpoint checked."""
    ctx = info.context
    ctx.guard.authorize(None, "ledger", "verify", category=DataCategory.CONSENT)
    config = ctx.runtime.log
    witnesses = [w.key for w in config.witnesses] if config else []
    found = await verify_database(
        ctx.session, None if config is None else config.verifier, witnesses
    )
    return LedgerVerification.from_verification(found)


async def create_checkpoint(info: Info) -> LedgerCheckpoint:
    """Integrate every new event, sign a checkpoint if the log grew, ask the witnesses.

    The log's own transactions do the work, under the integrator's lock (the same run as
    the schedule's), so the checkpoint stands whatever becomes of this operation."""
    ctx = info.context
    ctx.guard.authorize(None, "ledger", "checkpoint", category=DataCategory.CONSENT)
    config = service.configured(ctx.runtime.log)
    stored = await checkpoint_now(ctx.runtime.sessions, config, ctx.runtime.clock)
    return LedgerCheckpoint.from_stored(stored)
