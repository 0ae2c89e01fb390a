"""Sending notices (idempotent on sender + external id) and moving them along their lifecycle."""

import uuid
from collections.abc import Sequence

from sqlalchemy import insert, select

from authz import rows
from authz.errors import Forbidden
from graph.context import Context
from graph.domain.fingerprint import fingerprint
from graph.domain.notices import RULES, Direction, OutcomeMismatch, Party, TransitionRefused, mover
from graph.domain.workdays import due_at
from graph.errors import BadUserInput, Conflict, NotFound
from graph.loaders import ClientView
from graph.services import idempotency
from graph.services.clients import set_contact_person
from graph.services.lookup import (
    by_id,
    client_view,
    fetch,
    known_organisation,
    organisation_of,
    parse_id,
    text,
)
from graph.types.contact import ContactPersonInput
from graph.types.notice import NoticeInput
from schema.base import new_id
from schema.enums import DataCategory, NoticeOutcome, NoticeStatus, NoticeType, OrganisationType
from schema.models import Attachment, Notice, NoticeAttachment, NoticeMove

ORGANISERS = (OrganisationType.WELLBEING_COUNTY, OrganisationType.MUNICIPALITY)


def _check_direction(ctx: Context, direction: Direction, recipient: str) -> None:
    sender_type = ctx.principal.organisation_type
    recipient_type = ctx.organisations[recipient].type
    if direction == Direction.KELA_TO_ORGANISER:
        ok = sender_type == OrganisationType.KELA and recipient_type in ORGANISERS
    else:
        ok = sender_type in ORGANISERS and recipient_type == OrganisationType.KELA
    if not ok:
        raise BadUserInput(f"this type of notice goes {direction.value.replace('_', ' ').lower()}")


def _digest(
    client: uuid.UUID,
    type_: NoticeType,
    recipient: str,
    detail: str | None,
    attachments: Sequence[uuid.UUID | str],
) -> str:
    document = {
        "client": str(client),
        "type": type_.value,
        "recipient": recipient,
        "detail": detail,
        "attachments": sorted(str(a) for a in attachments),
    }
    return fingerprint(document)


async def _attachments(ctx: Context, view: ClientView, ids: list[str]) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(parse_id(i, "attachmentIds") for i in ids))
    if not wanted:
        return []
    found = set(
        await ctx.session.scalars(
            select(Attachment.id).where(
                Attachment.id.in_(wanted), Attachment.client_id == view.row.id
            )
        )
    )
    if found != set(wanted):
        raise BadUserInput("attachmentIds names something that is not this client's")
    return wanted


async def send(ctx: Context, data: NoticeInput) -> Notice:
    view = await client_view(ctx, data.client_id)
    rule = RULES[data.type]
    ctx.guard.authorize(
        view.access, f"notice:{rule.direction.value}", "send", category=DataCategory.NOTICE
    )
    recipient = known_organisation(ctx, str(data.recipient_id), "recipientId")
    _check_direction(ctx, rule.direction, recipient)
    sender = organisation_of(ctx)
    external_id = text(data.external_id, "externalId", limit=200, required=True) or ""
    detail = text(data.detail, "detail", limit=20000)
    digest = _digest(view.row.id, data.type, recipient, detail, list(data.attachment_ids))
    existing = await idempotency.recorded(ctx, Notice, sender, external_id)
    if existing is not None:
        return _repeat(existing, digest)
    consent_seq = None
    if rule.consent_category is not None:
        verdict = view.access.consent.verdict(recipient, rule.consent_category.value, None, ctx.now)
        if not verdict.allowed:
            raise Forbidden(
                f"a {data.type.value} notice needs the client's consent: a grant to {recipient} "
                f"covering {rule.consent_category.value}"
            )
        consent_seq = verdict.grant_seq
    attachments = await _attachments(ctx, view, list(data.attachment_ids))
    notice = await deliver(
        ctx,
        client_id=view.row.id,
        type_=data.type,
        sender=sender,
        recipient=recipient,
        external_id=external_id,
        detail=detail,
        consent_seq=consent_seq,
        attachments=attachments,
        digest=digest,
    )
    if notice is None:
        raced = await idempotency.recorded(ctx, Notice, sender, external_id)
        if raced is None:
            raise LookupError("the notice that won the race is not there")
        return _repeat(raced, digest)
    ctx.loaders.client.clear(view.row.id)
    return notice


async def deliver(
    ctx: Context,
    *,
    client_id: uuid.UUID,
    type_: NoticeType,
    sender: str,
    recipient: str,
    external_id: str,
    detail: str | None,
    consent_seq: int | None = None,
    attachments: Sequence[uuid.UUID] = (),
    by_sub: str | None = None,
    by_name: str | None = None,
    digest: str | None = None,
) -> Notice | None:
    """Write a notice and its first move, unless the sender's external id is taken
    (then None: nothing written). ``by_sub`` and ``by_name`` name who sent it, the
    caller by default."""
    notice_id = new_id()
    values = {
        "id": notice_id,
        "client_id": client_id,
        "type": type_,
        "sender_id": sender,
        "recipient_id": recipient,
        "external_id": external_id,
        "detail": detail,
        "status": NoticeStatus.SENT,
        "sent_at": ctx.now,
        "due_at": due_at(ctx.now, RULES[type_].due_working_days),
        "consent_seq": consent_seq,
        "content_hash": digest or _digest(client_id, type_, recipient, detail, attachments),
        "sent_by_sub": by_sub or ctx.principal.subject,
    }
    if not await idempotency.claim(ctx, Notice, sender, external_id, client_id, notice_id):
        return None
    await ctx.session.execute(insert(Notice).values(values))
    for attachment_id in attachments:
        ctx.session.add(
            NoticeAttachment(client_id=client_id, notice_id=notice_id, attachment_id=attachment_id)
        )
    notice = await fetch(ctx, Notice, client_id, notice_id)
    await _record_move(
        ctx, notice, None, NoticeStatus.SENT, None, None, by=(by_sub, by_name, sender)
    )
    return notice


def _repeat(existing: Notice, digest: str) -> Notice:
    if existing.content_hash != digest:
        raise Conflict("a notice with this external id was sent with other content")
    return existing


async def _record_move(
    ctx: Context,
    notice: Notice,
    from_status: NoticeStatus | None,
    to: NoticeStatus,
    outcome: NoticeOutcome | None,
    note: str | None,
    *,
    by: tuple[str | None, str | None, str] | None = None,
) -> None:
    """Keep the transition, and announce it to the live subscribers of both parties."""
    sub, name, org = by or (None, None, organisation_of(ctx))
    move = NoticeMove(
        id=new_id(),
        client_id=notice.client_id,
        notice_id=notice.id,
        from_status=from_status,
        to_status=to,
        outcome=outcome,
        note=note,
        at=ctx.now,
        by_sub=sub or ctx.principal.subject,
        by_name=name if sub else ctx.principal.name,
        by_org=org,
    )
    ctx.session.add(move)
    await ctx.session.flush()
    await ctx.runtime.live.announce(ctx.session, notice, move)


async def visible_notice(ctx: Context, notice_id: str) -> tuple[Notice, ClientView]:
    """The notice, if the caller may see it (its NOTICE fields); else ``NotFound``."""
    row = await by_id(ctx, Notice, parse_id(notice_id, "id"))
    view = None if row is None else await ctx.loaders.client.load(row.client_id)
    if row is None or view is None or not view.access.visible:
        raise NotFound("no such notice")
    if not rows.NOTICE.knowable(ctx.guard, view.access, row):
        raise NotFound("no such notice")
    return row, view


async def move(
    ctx: Context,
    notice_id: str,
    to: NoticeStatus,
    outcome: NoticeOutcome | None,
    note: str | None,
    worker: ContactPersonInput | None,
) -> Notice:
    row, view = await visible_notice(ctx, notice_id)
    try:
        party = mover(row.status, to, outcome)
    except TransitionRefused as error:
        raise Conflict(str(error)) from error
    except OutcomeMismatch as error:
        raise BadUserInput(str(error)) from error
    action, owner = (
        ("move", row.recipient_id) if party == Party.RECIPIENT else ("cancel", row.sender_id)
    )
    ctx.guard.authorize(
        view.access,
        "notice",
        action,
        category=DataCategory.NOTICE,
        own=rows.owns(owner, ctx.principal),
    )
    if worker is not None and to != NoticeStatus.IN_PROGRESS:
        raise BadUserInput("a responsible worker is named when the notice goes IN_PROGRESS")
    note = text(note, "note", limit=4000)
    if to == NoticeStatus.IN_PROGRESS:
        named = worker or ContactPersonInput(name=ctx.principal.name or ctx.principal.subject)
        row.responsible_name = text(named.name, "worker's name", limit=200, required=True)
        row.responsible_title = text(named.title, "title", limit=200)
        row.responsible_phone = text(named.phone, "phone", limit=64)
        row.responsible_email = text(named.email, "email", limit=254)
        await set_contact_person(ctx, view, named, ctx.now, row.recipient_id)
    await _record_move(ctx, row, row.status, to, outcome, note)
    row.status = to
    row.outcome = outcome
    await ctx.session.flush()
    return row
