"""Notices between the authorities: status and parties are NOTICE, text and links NOTICE_DETAIL."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz.guard import ClientAccess
from graph.context import Context, Info
from graph.domain.notices import TrafficLight, timeliness
from graph.types.attachment import Attachment
from graph.types.contact import ContactPerson
from graph.types.guarding import (
    Redaction,
    Scope,
    all_not_permitted,
    guarded,
    guarded_resolver,
    redactions_field,
)
from graph.types.organisation import Organisation
from ledger.state import RowRef
from schema.enums import DataCategory, NoticeOutcome, NoticeStatus, NoticeType, RowType
from schema.models import Notice as NoticeRow

if TYPE_CHECKING:
    from graph.types.client import Client

NOTICE = DataCategory.NOTICE
DETAIL = DataCategory.NOTICE_DETAIL


@strawberry.type(description="One transition of a notice.")
class NoticeMove:
    from_status: NoticeStatus | None = strawberry.field(name="from")
    to: NoticeStatus
    outcome: NoticeOutcome | None
    note: str | None
    at: datetime
    by: str | None = strawberry.field(description="The name of who moved it.")
    organisation: Organisation


@strawberry.type(description="A message between Kela and an organiser about one client.")
class Notice:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[NoticeRow]
    redactions: list[Redaction] = redactions_field()
    type: NoticeType | None = guarded(NOTICE)
    external_id: str | None = guarded(NOTICE)
    sender: Organisation | None = guarded(NOTICE)
    recipient: Organisation | None = guarded(NOTICE)
    status: NoticeStatus | None = guarded(NOTICE)
    outcome: NoticeOutcome | None = guarded(NOTICE)
    sent_at: datetime | None = guarded(NOTICE)
    due_at: datetime | None = guarded(NOTICE)
    overdue: bool | None = guarded(NOTICE)
    traffic_light: TrafficLight | None = guarded(NOTICE)
    responsible_worker: ContactPerson | None = guarded(NOTICE)
    detail: str | None = guarded(DETAIL)
    consent_seq: int | None = guarded(DETAIL, description="The grant the notice relies on, if any.")

    @guarded_resolver(NOTICE)
    async def client(
        self, info: Info
    ) -> Annotated["Client", strawberry.lazy("graph.types.client")] | None:
        from graph.types.client import Client

        view = await info.context.loaders.client.load(self.row.client_id)
        return (
            None
            if view is None or not view.access.visible
            else Client.from_view(view, info.context)
        )

    @guarded_resolver(NOTICE)
    async def history(self, info: Info) -> list[NoticeMove] | None:
        moves = await info.context.loaders.notice_moves.load(self.row.id)
        orgs = info.context.organisations
        return [
            NoticeMove(
                from_status=m.from_status,
                to=m.to_status,
                outcome=m.outcome,
                note=m.note,
                at=m.at,
                by=m.by_name,
                organisation=Organisation.from_record(orgs[m.by_org]),
            )
            for m in moves
        ]

    @guarded_resolver(DETAIL)
    async def attachments(self, info: Info) -> list[Attachment] | None:
        rows = await info.context.loaders.notice_attachments.load(self.row.id)
        found = [Attachment.from_row(r, self.scope, info.context) for r in rows]
        return [a for a in found if not all_not_permitted(a, info)]

    @classmethod
    def from_row(cls, row: NoticeRow, access: ClientAccess, ctx: Context) -> "Notice":
        org = ctx.principal.organisation_id
        orgs = ctx.organisations
        overdue, light = timeliness(row.status, row.sent_at, row.due_at, ctx.now)
        worker = None
        if row.responsible_name is not None:
            worker = ContactPerson(
                name=row.responsible_name,
                title=row.responsible_title,
                phone=row.responsible_phone,
                email=row.responsible_email,
                organisation=Organisation.from_record(orgs[row.recipient_id]),
            )
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope(
                access,
                own=org in (row.sender_id, row.recipient_id),
                row=RowRef(RowType.NOTICE.value, str(row.id)),
            ),
            row=row,
            type=row.type,
            external_id=row.external_id,
            sender=Organisation.from_record(orgs[row.sender_id]),
            recipient=Organisation.from_record(orgs[row.recipient_id]),
            status=row.status,
            outcome=row.outcome,
            sent_at=row.sent_at,
            due_at=row.due_at,
            overdue=overdue,
            traffic_light=light,
            responsible_worker=worker,
            detail=row.detail,
            consent_seq=row.consent_seq,
        )


@strawberry.input
class NoticeInput:
    client_id: strawberry.ID
    type: NoticeType
    recipient_id: strawberry.ID
    external_id: str
    detail: str | None = None
    attachment_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
