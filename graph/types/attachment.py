"""Attachments: metadata guarded by the row's category, content served by the download route."""

import uuid
from datetime import datetime
from typing import Any

import strawberry

from graph.context import Context
from graph.types.guarding import Redaction, Scope, guarded_by_row, redactions_field
from graph.types.organisation import Organisation
from ledger.state import RowRef
from schema.enums import AttachmentKind, DataCategory, RowType
from schema.models import Attachment as AttachmentRow


def attachment_category(kind: AttachmentKind) -> DataCategory:
    if kind == AttachmentKind.MEDICAL_STATEMENT:
        return DataCategory.HEALTH_ATTACHMENT
    return DataCategory.ATTACHMENT


def _category(attachment: Any) -> DataCategory:
    return attachment_category(attachment.row.kind)


@strawberry.type(
    description="A document about a client. Every field is ATTACHMENT, or HEALTH_ATTACHMENT "
    "for a MEDICAL_STATEMENT. Content: GET the downloadUrl with the same bearer token."
)
class Attachment:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[AttachmentRow]
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
    application_id: strawberry.ID | None = guarded_by_row(_category)
    decision_id: strawberry.ID | None = guarded_by_row(_category)
    plan_id: strawberry.ID | None = guarded_by_row(_category)
    notice_id: strawberry.ID | None = guarded_by_row(_category)

    @classmethod
    def from_row(cls, row: AttachmentRow, scope: Scope, ctx: Context) -> "Attachment":
        org = row.uploaded_by_org
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(
                scope.access,
                own=org is not None and org == ctx.principal.organisation_id,
                row=RowRef(RowType.ATTACHMENT.value, str(row.id)),
            ),
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
            application_id=_id(row.application_id),
            decision_id=_id(row.decision_id),
            plan_id=_id(row.plan_version_id),
            notice_id=_id(row.notice_id),
        )


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


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
