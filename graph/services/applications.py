"""Kela's applications, their urgency and information requests (visible to the organiser)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select

from graph.context import Context
from graph.domain.fingerprint import fingerprint
from graph.errors import BadUserInput, Conflict, NotFound
from graph.loaders import ClientView
from graph.services import auto_notices, idempotency
from graph.services.lookup import by_id, client_view, fetch, organisation_of, parse_id, text
from graph.types.application import ApplicationInput, InformationRequestInput, UrgencyInput
from schema.base import new_id
from schema.enums import ApplicationStatus, DataCategory
from schema.models import Application, InformationRequest


def _authorize(ctx: Context, view: ClientView) -> None:
    ctx.guard.authorize(view.access, "application", "record", category=DataCategory.APPLICATION)


def _urgency(ctx: Context, row: Application, urgency: UrgencyInput) -> None:
    row.urgent = urgency.urgent
    row.urgency_grounds = text(urgency.grounds, "urgency grounds", limit=4000)
    row.urgency_assessed_by = ctx.principal.name or ctx.principal.subject
    row.urgency_assessed_at = ctx.now


async def record(ctx: Context, data: ApplicationInput) -> Application:
    """Record an application; a repeat of the same external id returns the first one."""
    view = await client_view(ctx, data.client_id)
    _authorize(ctx, view)
    external_id = text(data.external_id, "externalId", limit=200)
    _not_future(ctx, data.received_at, "receivedAt")
    org = organisation_of(ctx)
    digest = _digest(data, view.row.id)
    if external_id is not None:
        existing = await idempotency.recorded(ctx, Application, org, external_id)
        if existing is not None:
            if existing.content_hash != digest:
                raise Conflict(
                    "an application with this external id was recorded with other content"
                )
            return existing
    application_id = new_id()
    values = {
        "id": application_id,
        "client_id": view.row.id,
        "external_id": external_id,
        "received_at": data.received_at,
        "channel": data.channel,
        "status": data.status,
        "urgent": False,
        "recorded_at": ctx.now,
        "recorded_by_org": org,
        "content_hash": digest,
    }
    if external_id is not None and not await idempotency.claim(
        ctx, Application, org, external_id, view.row.id, application_id
    ):
        raise Conflict(
            "an application with this external id was recorded at the same moment; retry"
        )
    await ctx.session.execute(insert(Application).values(values))
    row = await fetch(ctx, Application, view.row.id, application_id)
    if data.urgency is not None:
        _urgency(ctx, row, data.urgency)
    await ctx.session.flush()
    return row


async def application_for_write(ctx: Context, application_id: str) -> Application:
    row = await by_id(ctx, Application, parse_id(application_id, "applicationId"))
    if row is None:
        raise NotFound("no such application")
    view = await client_view(ctx, row.client_id)
    _authorize(ctx, view)
    return row


async def update(
    ctx: Context,
    application_id: str,
    status: ApplicationStatus | None,
    urgency: UrgencyInput | None,
) -> Application:
    row = await application_for_write(ctx, application_id)
    if status is not None:
        row.status = status
    if urgency is not None:
        was_urgent = row.urgent
        since = (row.urgency_assessed_at or row.received_at).isoformat()
        _urgency(ctx, row, urgency)
        await ctx.session.flush()
        await auto_notices.after_urgency(ctx, row, was_urgent, since)
    await ctx.session.flush()
    return row


async def request_information(
    ctx: Context, application_id: str, data: InformationRequestInput
) -> Application:
    row = await application_for_write(ctx, application_id)
    items = [text(i, "item", limit=1000, required=True) for i in data.items]
    if not items:
        raise BadUserInput("an information request names at least one item")
    if data.due < ctx.today:
        raise BadUserInput("the due date is in the past")
    ctx.session.add(
        InformationRequest(
            client_id=row.client_id,
            application_id=row.id,
            requested_at=ctx.now,
            items=items,
            due=data.due,
            requested_by=ctx.principal.name or ctx.principal.subject,
        )
    )
    row.status = ApplicationStatus.WAITING_FOR_INFORMATION
    await ctx.session.flush()
    return row


async def answer_information_request(
    ctx: Context, application_id: str, request_id: str
) -> Application:
    row = await application_for_write(ctx, application_id)
    request = await ctx.session.get(
        InformationRequest, (row.client_id, parse_id(request_id, "requestId"))
    )
    if request is None or request.application_id != row.id:
        raise NotFound("no such information request")
    if request.answered_at is not None:
        raise Conflict("the information request is already answered")
    request.answered_at = ctx.now
    open_requests = await ctx.session.scalar(
        select(InformationRequest.id).where(
            InformationRequest.client_id == row.client_id,
            InformationRequest.application_id == row.id,
            InformationRequest.answered_at.is_(None),
            InformationRequest.id != request.id,
        )
    )
    if open_requests is None and row.status == ApplicationStatus.WAITING_FOR_INFORMATION:
        row.status = ApplicationStatus.IN_PROCESSING
    await ctx.session.flush()
    return row


def _digest(data: ApplicationInput, client_id: uuid.UUID) -> str:
    urgency = data.urgency
    document = {
        "client": str(client_id),
        "receivedAt": data.received_at.astimezone(UTC).isoformat(),
        "channel": data.channel.value,
        "status": data.status.value,
        "urgency": None if urgency is None else [urgency.urgent, urgency.grounds],
    }
    return fingerprint(document)


def _not_future(ctx: Context, moment: datetime, what: str) -> None:
    if moment.tzinfo is None:
        raise BadUserInput(f"{what} needs a time zone")
    if moment > ctx.now:
        raise BadUserInput(f"{what} is in the future")
