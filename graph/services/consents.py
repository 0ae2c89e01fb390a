"""The client's will, into the ledger: grants, withdrawals, prohibitions, lifts, INFORMED.

Who may write: the client; a FULL guardian; an ECON guardian for the categories its
read column admits (GUARDIANSHIP); and staff, who *record* what the client gave on
paper or orally (method WRITTEN or ORAL; the grantor is still the client).

A grant's safeguards (``docs/ledger.md``): the client was informed first (an INFORMED
event earlier in the chain); a WRITTEN grant recorded by staff names its evidence, an
attachment of the client's; an ORAL grant recorded for the recorder's own organisation
(self-recorded) carries a note. Each refusal appends nothing.
"""

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from authz import rows
from authz.errors import Forbidden
from authz.facts import active_guardianship
from authz.relation import FULL_GUARDIANSHIPS
from graph.context import Context
from graph.errors import BadUserInput, Conflict
from graph.loaders import ClientView
from graph.services.lookup import client_view, parse_id, text
from graph.types.consent import ConsentGrantInput, ProhibitionInput
from ledger import events
from ledger.service import CLIENT_GRANTOR, Actor, append, guardian_grantor, guardianship_pseudonym
from ledger.state import self_recorded
from schema.enums import ConsentEventType, ConsentMethod, DataCategory, RowType
from schema.models import Attachment, ConsentEvent, Guardianship

ALL_CATEGORIES = [c.value for c in DataCategory]
STAFF_METHODS = (ConsentMethod.WRITTEN, ConsentMethod.ORAL)


def _actor(ctx: Context) -> Actor:
    principal = ctx.principal
    return Actor(
        principal.subject, principal.organisation_id, tuple(r.value for r in principal.roles)
    )


async def _author(
    ctx: Context,
    view: ClientView,
    method: ConsentMethod,
    categories: Collection[str],
    action: str = "decide",
) -> Mapping[str, Any]:
    """Authorise the client's will, and name its grantor.

    The client and guardians decide for themselves; staff record, with WRITTEN or ORAL."""
    access = view.access
    if _decides_themself(view):
        ctx.guard.authorize(
            access, "consent", action, category=DataCategory.CONSENT, categories=categories
        )
        if access.is_self:
            return CLIENT_GRANTOR
        return guardian_grantor(await _guardianship_of(ctx, view))
    # Staff have no "decide" line in the policy: an ELECTRONIC write by staff is refused
    # (and logged) there, with the reason spelled out.
    try:
        ctx.guard.authorize(
            access,
            "consent",
            "record" if method in STAFF_METHODS else "decide",
            category=DataCategory.CONSENT,
        )
    except Forbidden as error:
        raise Forbidden(
            "only the client or a guardian decides; staff record consent the client gave "
            "on paper or orally (method WRITTEN or ORAL)"
        ) from error
    return CLIENT_GRANTOR


async def _guardianship_of(ctx: Context, view: ClientView) -> str:
    """The pseudonym of a guardian who decides: the guardianship they act under (a FULL
    one when they hold one), never their personal identity code, which an append-only,
    exported ledger must not hold in clear. It names the guardian to the service, which
    can decrypt that guardianship's code, and to no one else."""
    found = await ctx.session.scalars(
        select(Guardianship)
        .where(
            Guardianship.ward_id == view.row.id,
            *active_guardianship(ctx.pii.lookup(ctx.principal.person or ""), ctx.today),
        )
        .order_by(Guardianship.valid_from, Guardianship.id)
    )
    rows = list(found)
    full = [g for g in rows if g.kind in FULL_GUARDIANSHIPS]
    chosen = (full or rows)[0]
    return guardianship_pseudonym(chosen.id)


def _decides_themself(view: ClientView) -> bool:
    """The client, or a guardian, decides; anyone else (staff) records."""
    return view.access.is_self or view.access.is_guardian


async def _append(
    ctx: Context,
    view: ClientView,
    type_: ConsentEventType,
    body: Mapping[str, Any],
    grantor: Mapping[str, Any] | None,
) -> ConsentEvent:
    row = await append(
        ctx.session,
        client_id=view.row.id,
        type_=type_,
        body=body,
        actor=_actor(ctx),
        grantor=grantor,
        at=ctx.now,
    )
    ctx.loaders.client.clear(view.row.id)
    return row


async def grant(ctx: Context, data: ConsentGrantInput) -> ConsentEvent:
    view = await client_view(ctx, data.client_id)
    categories = [c.value for c in data.categories]
    grantor = await _author(ctx, view, data.method, categories)
    grantee = str(data.grantee_id)
    evidence = await _evidence(ctx, view, data)
    note = text(data.note, "note", limit=4000)
    if self_recorded(data.method.value, ctx.principal.organisation_id, grantee) and note is None:
        raise BadUserInput(
            "an ORAL grant recorded for your own organisation needs a note: who gave it, "
            "when and how"
        )
    body = events.grant_body(
        grantee=grantee,
        categories=categories,
        purpose=text(data.purpose, "purpose", limit=1000, required=True) or "",
        valid_from=_aware(data.valid_from or ctx.now, "validFrom"),
        valid_until=None if data.valid_until is None else _aware(data.valid_until, "validUntil"),
        method=data.method.value,
        evidence_attachment_id=None if evidence is None else str(evidence),
        known_organisations=ctx.organisations,
        note=note,
    )
    if not await _informed(ctx, view):
        raise Conflict(
            "the client has not been informed of how their data is shared: record that "
            "first (recordInformed), then the grant"
        )
    return await _append(ctx, view, ConsentEventType.GRANT, body, grantor)


async def _evidence(ctx: Context, view: ClientView, data: ConsentGrantInput) -> uuid.UUID | None:
    """The grant's evidence attachment: an attachment of this client's, and required
    when staff record a WRITTEN grant."""
    if data.evidence_attachment_id is None:
        if data.method == ConsentMethod.WRITTEN and not _decides_themself(view):
            raise BadUserInput(
                "a WRITTEN grant recorded by staff names its evidence: evidenceAttachmentId, "
                "the signed form uploaded as an attachment of the client's"
            )
        return None
    evidence = parse_id(data.evidence_attachment_id, "evidenceAttachmentId")
    if await ctx.session.get(Attachment, (view.row.id, evidence)) is None:
        raise BadUserInput("evidenceAttachmentId names no attachment of this client's")
    return evidence


async def _informed(ctx: Context, view: ClientView) -> bool:
    """The client's chain holds an INFORMED event (events are only ever added, so what
    was true when checked stays true)."""
    found = await ctx.session.scalar(
        select(ConsentEvent.seq)
        .where(
            ConsentEvent.client_id == view.row.id,
            ConsentEvent.type == ConsentEventType.INFORMED,
        )
        .limit(1)
    )
    return found is not None


async def withdraw(
    ctx: Context, client_id: str, grant_seq: int, reason: str | None, method: ConsentMethod
) -> ConsentEvent:
    view = await client_view(ctx, client_id)
    target = view.access.consent.grant(grant_seq)
    grantor = await _author(ctx, view, method, () if target is None else target.categories)
    body = events.withdraw_body(
        grant_seq=grant_seq, reason=text(reason, "reason", limit=1000), method=method.value
    )
    return await _append(ctx, view, ConsentEventType.WITHDRAW, body, grantor)


async def prohibit(ctx: Context, data: ProhibitionInput) -> ConsentEvent:
    view = await client_view(ctx, data.client_id)
    row_category = None
    if data.row_type is not None or data.row_id is not None:
        row_category = await _row_category(ctx, view, data.row_type, data.row_id)
    body = events.prohibit_body(
        organisation=None if data.organisation_id is None else str(data.organisation_id),
        category=None if data.category is None else data.category.value,
        row_type=None if data.row_type is None else data.row_type.value,
        row_id=None if data.row_id is None else str(data.row_id),
        method=data.method.value,
        known_organisations=ctx.organisations,
    )
    grantor = await _author(
        ctx, view, data.method, _target_categories(body["target"], row_category)
    )
    return await _append(ctx, view, ConsentEventType.PROHIBIT, body, grantor)


async def lift(
    ctx: Context, client_id: str, prohibition_seq: int, method: ConsentMethod
) -> ConsentEvent:
    view = await client_view(ctx, client_id)
    target = view.access.consent.prohibition(prohibition_seq)
    categories: list[str] = []
    if target is not None:
        if target.organisation is not None or target.row is not None:
            categories = ALL_CATEGORIES
        elif target.category is not None:
            categories = [target.category]
    grantor = await _author(ctx, view, method, categories)
    body = events.lift_body(prohibition_seq=prohibition_seq, method=method.value)
    return await _append(ctx, view, ConsentEventType.LIFT_PROHIBITION, body, grantor)


async def informed(ctx: Context, client_id: str, text_version: str, channel: str) -> ConsentEvent:
    view = await client_view(ctx, client_id)
    ctx.guard.authorize(view.access, "consent", "inform", category=DataCategory.CONSENT)
    body = events.informed_body(text_version=text_version, channel=channel)
    return await _append(ctx, view, ConsentEventType.INFORMED, body, None)


def _target_categories(target: Mapping[str, Any], row_category: DataCategory | None) -> list[str]:
    if target["kind"] == "CATEGORY":
        return [target["category"]]
    if target["kind"] == "ROW" and row_category is not None:
        return [row_category.value]
    return ALL_CATEGORIES


async def _row_category(
    ctx: Context, view: ClientView, row_type: RowType | None, row_id: str | None
) -> DataCategory:
    """The category of the row a prohibition names; the row must be this client's."""
    if row_type is None or row_id is None:
        raise BadUserInput(
            "a row target needs rowType (APPLICATION, DECISION, ATTACHMENT, NOTICE) and rowId"
        )
    rule = rows.BY_ROW_TYPE[row_type]
    row = await ctx.session.get(rule.model, (view.row.id, parse_id(row_id, "rowId")))
    if row is None:
        raise BadUserInput("rowId names no row of this client's")
    return rule.category(row)


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise BadUserInput(f"{what} needs a time zone")
    return moment
