"""A basic-assistance application at Kela, visible to the organiser too."""

from datetime import date, datetime

import strawberry

from authz import rows
from authz.guard import ClientAccess
from graph.context import Context, Info
from graph.records import ApplicationRecord
from graph.types.guarding import Redaction, Scope, guarded, guarded_resolver, redactions_field
from schema.enums import ApplicationChannel, ApplicationStatus, DataCategory
from schema.models import Application as ApplicationRow
from schema.models import InformationRequest as InformationRequestRow

APPLICATION = DataCategory.APPLICATION


@strawberry.type
class Urgency:
    urgent: bool
    grounds: str | None
    assessed_by: str | None
    assessed_at: datetime | None


@strawberry.type
class InformationRequest:
    id: strawberry.ID
    requested_at: datetime
    items: list[str]
    due: date
    answered_at: datetime | None

    @classmethod
    def from_row(cls, row: InformationRequestRow) -> "InformationRequest":
        return cls(
            id=strawberry.ID(str(row.id)),
            requested_at=row.requested_at,
            items=list(row.items),
            due=row.due,
            answered_at=row.answered_at,
        )


@strawberry.type(description="A basic-assistance application at Kela.")
class Application:
    id: strawberry.ID
    scope: strawberry.Private[Scope]
    row: strawberry.Private[ApplicationRecord | ApplicationRow]
    redactions: list[Redaction] = redactions_field()
    external_id: str | None = guarded(APPLICATION)
    received_at: datetime | None = guarded(APPLICATION)
    channel: ApplicationChannel | None = guarded(APPLICATION)
    status: ApplicationStatus | None = guarded(APPLICATION)
    urgency: Urgency | None = guarded(APPLICATION)

    @guarded_resolver(APPLICATION, description="Kela's requests for more information.")
    async def information_requests(self, info: Info) -> list[InformationRequest] | None:
        found = await info.context.loaders.information_requests.load(
            (self.row.client_id, self.row.id)
        )
        return [InformationRequest.from_row(r) for r in found]

    @classmethod
    def from_row(
        cls, row: ApplicationRecord | ApplicationRow, access: ClientAccess, ctx: Context
    ) -> "Application":
        return cls(
            id=strawberry.ID(str(row.id)),
            scope=Scope.of(rows.APPLICATION, row, access, ctx.principal),
            row=row,
            external_id=row.external_id,
            received_at=row.received_at,
            channel=row.channel,
            status=row.status,
            urgency=Urgency(
                urgent=row.urgent,
                grounds=row.urgency_grounds,
                assessed_by=row.urgency_assessed_by,
                assessed_at=row.urgency_assessed_at,
            ),
        )


@strawberry.input
class UrgencyInput:
    urgent: bool
    grounds: str | None = None


@strawberry.input
class ApplicationInput:
    client_id: strawberry.ID
    received_at: datetime
    channel: ApplicationChannel
    external_id: str | None = None
    status: ApplicationStatus = ApplicationStatus.RECEIVED
    urgency: UrgencyInput | None = None


@strawberry.input
class InformationRequestInput:
    items: list[str]
    due: date
