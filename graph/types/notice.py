"""Notices between the authorities: status and parties are NOTICE, text and links NOTICE_DETAIL."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from authz import rows
from authz.guard import ClientAccess
from graph.context import Context, Info
from graph.domain.notices import TrafficLight, timeliness
from graph.records import NoticeRecord
from graph.types.attachment import Attachment, knowable_attachments
from graph.types.contact import ContactPerson
from graph.types.guarding import (
    Redaction,
    Scope,
    guarded,
    guarded_resolver,
    redactions_field,
)
from graph.types.organisation import Organisation
from schema.enums import DataCategory, NoticeOutcome, NoticeStatus, NoticeType
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
    row: strawberry.Private[NoticeRecord | NoticeRow]
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

    @guarded_resolver(
        DETAIL,
        link=lambda notice, info: notice.consent_known(info),
        description="The grant the notice relies on, if any.",
    )
    async def consent_seq(self) -> int | None:
        return self.row.consent_seq

    def consent_known(self, info: Info) -> bool:
        """The grant the notice names may be known of by the caller."""
        if self.row.consent_seq is None:
            return True
        grant = self.scope.access.consent.grant(self.row.consent_seq)
        guard = info.context.guard
        return grant is not None and rows.CONSENT_RULE.knowable(guard, self.scope.access, grant)

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
        moves = await info.context.loaders.notice_moves.load((self.row.client_id, self.row.id))
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
        found = await info.context.loaders.notice_attachments.load(
            (self.row.client_id, self.row.id)
        )
        return knowable_attachments(found, self.scope.access, info)

    @classmethod
    def from_row(
        cls, row: NoticeRecord | NoticeRow, access: ClientAccess, ctx: Context
    ) -> "Notice":
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
            scope=Scope.of(rows.NOTICE, row, access, ctx.principal),
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
        )


@strawberry.input
class NoticeInput:
    client_id: strawberry.ID
    type: NoticeType
    recipient_id: strawberry.ID
    external_id: str
    detail: str | None = None
    attachment_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
