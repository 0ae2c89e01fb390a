"""Uploading attachments (content stored once, by SHA-256) and serving them back."""

import re
import uuid
from typing import Protocol

from authz import rows
from authz.errors import Forbidden
from graph.context import Context
from graph.domain import media_types
from graph.errors import BadUserInput, NotFound, PayloadTooLarge
from graph.services.lookup import by_id, client_view, parse_id
from graph.types.attachment import AttachmentInput
from schema.db import insert_if_absent
from schema.models import Application, Attachment, Blob, Decision, Notice, PlanVersion

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class Upload(Protocol):
    """What the multipart request gives a resolver (Starlette's ``UploadFile``)."""

    filename: str | None
    content_type: str | None

    async def read(self, size: int = -1) -> bytes: ...


def safe_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("", base).strip().strip(".") or "attachment"
    return cleaned[-255:]


async def read_limited(upload: Upload, limit: int) -> bytes:
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file is larger than {limit} bytes")
    if not content:
        raise BadUserInput("the file is empty")
    return content


def media_type_of(content: bytes, declared: str | None) -> str:
    found = media_types.sniff(content)
    if found is None:
        raise BadUserInput(
            f"the content is none of the accepted types: {', '.join(media_types.ACCEPTED)}"
        )
    stated = media_types.normalise(declared)
    if stated not in media_types.UNDECLARED and stated != found:
        raise BadUserInput(f"the file is declared {stated} but its content is {found}")
    return found


async def _check_link(
    ctx: Context,
    model: type[Application] | type[Decision] | type[Notice] | type[PlanVersion],
    value: str | None,
    client: uuid.UUID,
    what: str,
) -> uuid.UUID | None:
    if value is None:
        return None
    key = parse_id(value, what)
    if await ctx.session.get(model, (client, key)) is None:
        raise BadUserInput(f"{what} names nothing of this client's")
    return key


async def upload(ctx: Context, data: AttachmentInput, file: Upload) -> Attachment:
    view = await client_view(ctx, data.client_id)
    decision = ctx.guard.authorize(
        view.access, "attachment", "upload", category=rows.attachment_category(data.kind)
    )
    content = await read_limited(file, ctx.runtime.settings.max_upload_bytes)
    media_type = media_type_of(content, data.media_type or file.content_type)
    links = {
        "application_id": await _check_link(
            ctx, Application, data.application_id, view.row.id, "applicationId"
        ),
        "decision_id": await _check_link(
            ctx, Decision, data.decision_id, view.row.id, "decisionId"
        ),
        "notice_id": await _check_link(ctx, Notice, data.notice_id, view.row.id, "noticeId"),
        "plan_version_id": await _check_link(ctx, PlanVersion, data.plan_id, view.row.id, "planId"),
    }
    sha256 = await ctx.runtime.blobs.put(content)
    await insert_if_absent(
        ctx.session,
        Blob,
        {"sha256": sha256, "size": len(content), "stored_at": ctx.now},
        ["sha256"],
    )
    role = decision.rule.subject if decision.rule is not None else ""
    row = Attachment(
        client_id=view.row.id,
        kind=data.kind,
        filename=safe_filename(data.filename or file.filename),
        media_type=media_type,
        size=len(content),
        sha256=sha256,
        uploaded_at=ctx.now,
        uploaded_by_org=ctx.principal.organisation_id if ctx.principal.is_staff else None,
        uploaded_by_sub=ctx.principal.subject,
        uploaded_by_role=role,
        **links,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return row


async def readable(ctx: Context, attachment_id: str) -> tuple[Attachment, bytes]:
    """The attachment and its content, if the guard allows the caller to see it.

    An attachment of a client that does not exist for the caller, or one the policy
    never shows them, is ``NotFound``; one withheld for want of consent, or by a
    prohibition, is ``Forbidden`` with that reason, as a redacted field would say."""
    row = await by_id(ctx, Attachment, parse_id(attachment_id, "attachment id"))
    view = None if row is None else await ctx.loaders.client.load(row.client_id)
    if row is None or view is None or not view.access.visible:
        raise NotFound("no such attachment")
    rule = rows.ATTACHMENT
    decision = ctx.guard.check(
        view.access,
        rule.category(row),
        own=rule.own(row, ctx.principal, view.access),
        row=rule.ref(row),
    )
    if not decision.knowable:
        raise NotFound("no such attachment")
    if not decision.allowed:
        raise Forbidden(f"the attachment is withheld: {decision.reason}")
    return row, await ctx.runtime.blobs.read(row.sha256)
