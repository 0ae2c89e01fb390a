"""Plans, applications and decisions: the writes of case work."""

import strawberry

from graph.context import Info
from graph.services import applications, decisions, plans
from graph.services.lookup import client_view
from graph.types.application import (
    Application,
    ApplicationInput,
    InformationRequestInput,
    UrgencyInput,
)
from graph.types.decision import Decision, DecisionInput
from graph.types.plan import Plan, PlanInput
from schema.enums import ApplicationStatus
from schema.models import Application as ApplicationRow


async def save_plan(
    info: Info, client_id: strawberry.ID, input: PlanInput, expected_version: int | None = None
) -> Plan:
    """Save a new version; ``expectedVersion`` is the version edited (none for the first)."""
    row = await plans.save(info.context, str(client_id), input, expected_version)
    view = await client_view(info.context, row.client_id)
    return Plan.from_row(row, view.access, info.context)


async def _application(info: Info, row: ApplicationRow) -> Application:
    view = await client_view(info.context, row.client_id)
    return Application.from_row(row, view.access, info.context)


async def record_application(info: Info, input: ApplicationInput) -> Application:
    return await _application(info, await applications.record(info.context, input))


async def request_information(
    info: Info, application_id: strawberry.ID, input: InformationRequestInput
) -> Application:
    return await _application(
        info, await applications.request_information(info.context, str(application_id), input)
    )


async def update_application(
    info: Info,
    id: strawberry.ID,
    status: ApplicationStatus | None = None,
    urgency: UrgencyInput | None = None,
) -> Application:
    return await _application(
        info, await applications.update(info.context, str(id), status, urgency)
    )


async def answer_information_request(
    info: Info, application_id: strawberry.ID, request_id: strawberry.ID
) -> Application:
    return await _application(
        info,
        await applications.answer_information_request(
            info.context, str(application_id), str(request_id)
        ),
    )


async def record_decision(info: Info, input: DecisionInput) -> Decision:
    """Idempotent on issuer + externalId: a repeat returns the same decision; a repeat
    with other content is CONFLICT."""
    row = await decisions.record(info.context, input)
    view = await client_view(info.context, row.client_id)
    return Decision.from_row(row, view.access, info.context)
