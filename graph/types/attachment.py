"""Attachments: metadata guarded by the row's category, content served by the download route.

The rows an attachment is linked to (an application, a decision, a plan version, a
notice) are named only to a caller who may know of that row."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry

from authz import rows
from authz.guard import ClientAccess
from graph.context import Context, Info
from graph.records import AttachmentRecord
from graph.types.guarding import (
    Redaction,
    Scope,
    foreign_key,
    guarded_by_row,
    guarded_resolver_by_row,
    redactions_field,
)
from graph.types.organisation import Organisation
from schema.enums import AttachmentKind, DataCategory
from schema.models import Attachment as AttachmentRow


def _category(attachment: Any) -> DataCategory:
    return rows.ATTACHMENT.category(attachment.row)


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(
    description="A document about a client. Every field is ATTACHMENT, or HEALTH_ATTACHMENT "
    "for a MEDICAL_STATEMENT. Content: GET the downloadUrl with the same bearer token."
)
class Attachment:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[AttachmentRecord | AttachmentRow]
    redactions: list[Redaction] = redactions_field()
    kind: AttachmentKind | None = guarded_by_row(_category)
    filename: str | None = guarded_by_row(_category)
    media_type: str | None = guarded_by_row(_category)
    size: int | None = guarded_by_row(_category)
    sha256: str | None = guarded_by_row(_category)
    uploaded_at: datetime | None = guarded_by_row(_category)
    uploaded_by: Organisation | None = guarded_by_row(
        _category,
        description="The uploading organisation; null when the client or a guardian uploaded it.",
    )
    uploaded_by_role: str | None = guarded_by_row(_category)
    download_url: str | None = guarded_by_row(_category)

    @guarded_resolver_by_row(_category, link=foreign_key(rows.APPLICATION, "application_id"))
    async def application_id(self) -> strawberry.ID | None:
        return _id(self.row.application_id)

    @guarded_resolver_by_row(_category, link=foreign_key(rows.DECISION, "decision_id"))
    async def decision_id(self) -> strawberry.ID | None:
        return _id(self.row.decision_id)

    @guarded_resolver_by_row(_category, link=foreign_key(rows.PLAN, "plan_version_id"))
    async def plan_id(self) -> strawberry.ID | None:
        return _id(self.row.plan_version_id)

    @guarded_resolver_by_row(_category, link=foreign_key(rows.NOTICE, "notice_id"))
    async def notice_id(self) -> strawberry.ID | None:
        return _id(self.row.notice_id)

    @classmethod
    def from_row(
        cls, row: AttachmentRecord | AttachmentRow, access: ClientAccess, ctx: Context
    ) -> "Attachment":
        org = row.uploaded_by_org
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope.of(rows.ATTACHMENT, row, access, ctx.principal),
            row=row,
            kind=row.kind,
            filename=row.filename,
            media_type=row.media_type,
            size=row.size,
            sha256=row.sha256,
            uploaded_at=row.uploaded_at,
            uploaded_by=None if org is None else Organisation.from_record(ctx.organisations[org]),
            uploaded_by_role=row.uploaded_by_role,
            download_url=f"/attachments/{row.id}",
        )


def knowable_attachments(
    found: Iterable[AttachmentRecord | AttachmentRow], access: ClientAccess, info: Info
) -> list[Attachment]:
    """The attachments of a link list (a decision's, a notice's) the caller may know of."""
    ctx = info.context
    return [
        Attachment.from_row(r, access, ctx)
        for r in found
        if rows.ATTACHMENT.knowable(ctx.guard, access, r)
    ]


@strawberry.input
class AttachmentInput:
    client_id: strawberry.ID
    kind: AttachmentKind
    media_type: str | None = strawberry.field(
        default=None, description="Defaults to the part's Content-Type; must match the content."
    )
    filename: str | None = None
    application_id: strawberry.ID | None = None
    decision_id: strawberry.ID | None = None
    notice_id: strawberry.ID | None = None
    plan_id: strawberry.ID | None = strawberry.field(
        default=None, description="A version of the client's plan (Plan.id)."
    )
