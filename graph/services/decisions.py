"""Recording decisions: idempotent on issuer + external id (``idempotency``).

The issuer is the caller's organisation, and the authority follows from its type. A
repeat with the same content returns the recorded decision; a repeat with other
content is a ``CONFLICT``.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from authz import rows
from graph.context import Context
from graph.domain.fingerprint import fingerprint
from graph.errors import BadUserInput, Conflict
from graph.services import auto_notices, idempotency
from graph.services.lookup import client_view, fetch, organisation_of, parse_id, text
from graph.types.decision import DecisionInput
from schema.base import new_id
from schema.enums import Authority, DecisionKind, OrganisationType
from schema.models import (
    Application,
    Attachment,
    CalculationRow,
    Decision,
    DecisionAttachment,
    PaymentCommitment,
)

KINDS = {
    Authority.KELA: (DecisionKind.BASIC, DecisionKind.BASIC_URGENT),
    Authority.WELLBEING_COUNTY: (DecisionKind.SUPPLEMENTARY, DecisionKind.PREVENTIVE),
}
REDUCTION_PERCENTS = (20, 40)


def authority_of(organisation_type: OrganisationType | None) -> Authority:
    if organisation_type == OrganisationType.KELA:
        return Authority.KELA
    if organisation_type in (OrganisationType.WELLBEING_COUNTY, OrganisationType.MUNICIPALITY):
        return Authority.WELLBEING_COUNTY
    raise BadUserInput("only Kela and the organisers issue decisions")


def _check(data: DecisionInput, authority: Authority) -> None:
    if data.kind not in KINDS[authority]:
        allowed = ", ".join(k.value for k in KINDS[authority])
        raise BadUserInput(f"a {authority.value} decision is of kind {allowed}")
    amounts = [data.total_amount_cents]
    amounts += [r.amount_cents for r in data.calculation] + [
        p.amount_cents for p in data.payment_commitments
    ]
    if any(a < 0 for a in amounts):
        raise BadUserInput("amounts are cents and never negative")
    if data.period_start and data.period_end and data.period_end < data.period_start:
        raise BadUserInput("the period ends before it starts")
    reduction = data.basic_amount_reduction
    if reduction is not None:
        if authority != Authority.KELA:
            raise BadUserInput("only Kela reduces the basic amount")
        if reduction.percent not in REDUCTION_PERCENTS:
            raise BadUserInput("the basic amount is reduced by 20 or 40 percent")


def content_hash(data: DecisionInput, client_id: uuid.UUID) -> str:
    """SHA-256 of the input as recorded, keys sorted: equal content, equal hash."""

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [plain(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return str(value)

    document = plain(data) | {"client_id": str(client_id)}
    return fingerprint(document)


async def _owned_ids(
    ctx: Context,
    model: type[Application] | type[Attachment],
    ids: list[str],
    client: uuid.UUID,
    what: str,
) -> list[uuid.UUID]:
    wanted = [parse_id(i, what) for i in ids]
    if not wanted:
        return []
    found = set(
        await ctx.session.scalars(
            select(model.id).where(model.id.in_(wanted), model.client_id == client)
        )
    )
    if len(found) != len(set(wanted)):
        raise BadUserInput(f"{what} names something that is not this client's")
    return list(dict.fromkeys(wanted))


async def record(ctx: Context, data: DecisionInput) -> Decision:
    view = await client_view(ctx, data.client_id)
    authority = authority_of(ctx.principal.organisation_type)
    ctx.guard.authorize(
        view.access,
        f"decision:{authority.value}",
        "record",
        category=rows.decision_category(authority),
    )
    _check(data, authority)
    issuer = organisation_of(ctx)
    external_id = text(data.external_id, "externalId", limit=200, required=True) or ""
    digest = content_hash(data, view.row.id)
    application = await _owned_ids(
        ctx,
        Application,
        [] if data.application_id is None else [data.application_id],
        view.row.id,
        "applicationId",
    )
    attachments = await _owned_ids(
        ctx,
        Attachment,
        list(data.influencing_attachment_ids),
        view.row.id,
        "influencingAttachmentIds",
    )
    reduction = data.basic_amount_reduction
    decision_id = new_id()
    values = {
        "id": decision_id,
        "client_id": view.row.id,
        "issuer_id": issuer,
        "authority": authority,
        "kind": data.kind,
        "external_id": external_id,
        "application_id": application[0] if application else None,
        "decided_at": data.decided_at,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "outcome": data.outcome,
        "total_amount_cents": data.total_amount_cents,
        "grounds": text(data.grounds, "grounds", limit=20000),
        "reduction_percent": None if reduction is None else reduction.percent,
        "reduction_grounds": None
        if reduction is None
        else text(reduction.grounds, "reduction grounds", limit=4000),
        "reduction_until": None if reduction is None else reduction.until,
        "content_hash": digest,
        "recorded_at": ctx.now,
        "recorded_by_sub": ctx.principal.subject,
    }
    if not await idempotency.claim(ctx, Decision, issuer, external_id, view.row.id, decision_id):
        existing = await idempotency.recorded(ctx, Decision, issuer, external_id)
        if existing is None:
            raise LookupError("the decision that won the race is not there")
        if existing.content_hash != digest:
            raise Conflict("a decision with this external id was recorded with other content")
        return existing
    await ctx.session.execute(insert(Decision).values(values))
    for position, row in enumerate(data.calculation):
        ctx.session.add(
            CalculationRow(
                client_id=view.row.id,
                decision_id=values["id"],
                position=position,
                type=row.type,
                description=text(row.description, "calculation row", limit=400, required=True),
                amount_cents=row.amount_cents,
            )
        )
    for position, commitment in enumerate(data.payment_commitments):
        ctx.session.add(
            PaymentCommitment(
                client_id=view.row.id,
                decision_id=values["id"],
                position=position,
                payee=text(commitment.payee, "payee", limit=200, required=True),
                purpose=text(commitment.purpose, "purpose", limit=400, required=True),
                amount_cents=commitment.amount_cents,
                valid_until=commitment.valid_until,
            )
        )
    for attachment_id in attachments:
        ctx.session.add(
            DecisionAttachment(
                client_id=view.row.id, decision_id=values["id"], attachment_id=attachment_id
            )
        )
    await ctx.session.flush()
    decision = await fetch(ctx, Decision, view.row.id, decision_id)
    await auto_notices.after_decision(ctx, decision)
    return decision
