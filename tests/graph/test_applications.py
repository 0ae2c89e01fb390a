"""Kela's applications, their urgency and information requests, visible to the organiser."""

from sqlalchemy import func, select

from schema.models import Application
from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    guardian_principal,
    personal_id,
    record_guardianship,
    register,
)
from tests.support import principal

RECORD = "mutation($input: ApplicationInput!) { recordApplication(input: $input) { id status channel receivedAt externalId urgency { urgent grounds assessedBy } } }"
REQUEST = "mutation($id: ID!, $input: InformationRequestInput!) { requestInformation(applicationId: $id, input: $input) { status informationRequests { id items due answeredAt } } }"
ANSWER = "mutation($id: ID!, $request: ID!) { answerInformationRequest(applicationId: $id, requestId: $request) { status informationRequests { answeredAt } } }"
UPDATE = "mutation($id: ID!, $status: ApplicationStatus, $urgency: UrgencyInput) { updateApplication(id: $id, status: $status, urgency: $urgency) { status urgency { urgent grounds } } }"
READ = "query($id: ID!) { client(id: $id) { applications { edges { node { id status channel urgency { urgent } informationRequests { items } redactions { field reason } } } } redactions { field reason } } }"


def application(client_id: str, **changes):
    return {
        "clientId": client_id,
        "receivedAt": "2026-11-20T08:00:00Z",
        "channel": "ONLINE",
        "externalId": "HAK-1",
    } | changes


async def count(api) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Application)) or 0)


async def test_recording_is_idempotent_on_the_external_id(api):
    client_id = await register(api)
    first = (
        await api.ok(
            KELA_HANDLER,
            RECORD,
            input=application(client_id, urgency={"urgent": True, "grounds": "Ei ruokaa"}),
        )
    )["recordApplication"]
    assert first["urgency"] == {
        "urgent": True,
        "grounds": "Ei ruokaa",
        "assessedBy": "Kaisa Käsittelijä",
    }
    again = (
        await api.ok(
            KELA_ADVISOR,
            RECORD,
            input=application(client_id, urgency={"urgent": True, "grounds": "Ei ruokaa"}),
        )
    )["recordApplication"]
    assert again["id"] == first["id"]
    await api.fails(KELA_HANDLER, RECORD, "CONFLICT", input=application(client_id, channel="PAPER"))
    await api.fails(KELA_HANDLER, RECORD, "CONFLICT", input=application(client_id))
    assert await count(api) == 1
    without_id = application(client_id)
    del without_id["externalId"]
    await api.ok(KELA_HANDLER, RECORD, input=without_id)
    await api.ok(KELA_HANDLER, RECORD, input=without_id)
    assert await count(api) == 3


async def test_only_kela_records_and_bad_input_changes_nothing(api):
    client_id = await register(api)
    await api.fails(PIRKANMAA_WORKER, RECORD, "FORBIDDEN", input=application(client_id))
    await api.fails(principal("dpo", "kela"), RECORD, "FORBIDDEN", input=application(client_id))
    await api.fails(
        KELA_HANDLER,
        RECORD,
        "BAD_USER_INPUT",
        input=application(client_id, receivedAt="2999-01-01T00:00:00Z"),
    )
    await api.fails(
        KELA_HANDLER, RECORD, "BAD_USER_INPUT", input=application(client_id, channel="FAX")
    )
    assert await count(api) == 0


async def test_information_requests_and_status(api, clock):
    client_id = await register(api)
    app_id = (await api.ok(KELA_HANDLER, RECORD, input=application(client_id)))[
        "recordApplication"
    ]["id"]
    due = (clock.now.date()).isoformat()
    await api.fails(
        KELA_HANDLER, REQUEST, "BAD_USER_INPUT", id=app_id, input={"items": [], "due": due}
    )
    await api.fails(
        KELA_HANDLER,
        REQUEST,
        "BAD_USER_INPUT",
        id=app_id,
        input={"items": ["Tiliote"], "due": "2020-01-01"},
    )
    await api.fails(
        PIRKANMAA_WORKER, REQUEST, "FORBIDDEN", id=app_id, input={"items": ["Tiliote"], "due": due}
    )
    asked = (
        await api.ok(
            KELA_HANDLER,
            REQUEST,
            id=app_id,
            input={"items": ["Tiliote", "Vuokrasopimus"], "due": due},
        )
    )["requestInformation"]
    assert asked["status"] == "WAITING_FOR_INFORMATION"
    [request] = asked["informationRequests"]
    assert request["items"] == ["Tiliote", "Vuokrasopimus"]
    assert request["answeredAt"] is None
    answered = (await api.ok(KELA_ADVISOR, ANSWER, id=app_id, request=request["id"]))[
        "answerInformationRequest"
    ]
    assert answered["status"] == "IN_PROCESSING"
    assert answered["informationRequests"][0]["answeredAt"] is not None
    await api.fails(KELA_ADVISOR, ANSWER, "CONFLICT", id=app_id, request=request["id"])
    updated = (
        await api.ok(
            KELA_HANDLER,
            UPDATE,
            id=app_id,
            status="DECIDED",
            urgency={"urgent": False, "grounds": "Ei kiireellinen"},
        )
    )["updateApplication"]
    assert updated == {
        "status": "DECIDED",
        "urgency": {"urgent": False, "grounds": "Ei kiireellinen"},
    }


async def test_the_organiser_and_guardians_see_applications_a_dpo_does_not(api):
    client_id = await register(api)
    economic = personal_id()
    await record_guardianship(api, client_id, economic, "GUARDIAN_ECONOMIC")
    app_id = (await api.ok(KELA_HANDLER, RECORD, input=application(client_id)))[
        "recordApplication"
    ]["id"]
    await api.ok(
        KELA_HANDLER, REQUEST, id=app_id, input={"items": ["Tiliote"], "due": "2099-01-01"}
    )
    for who in (PIRKANMAA_WORKER, guardian_principal(economic), KELA_ADVISOR):
        [node] = [
            e["node"]
            for e in (await api.ok(who, READ, id=client_id))["client"]["applications"]["edges"]
        ]
        assert node["status"] == "WAITING_FOR_INFORMATION"
        assert node["informationRequests"] == [{"items": ["Tiliote"]}]
    dpo = (await api.ok(principal("dpo", "kela"), READ, id=client_id))["client"]
    assert dpo["applications"] is None
    assert {"field": "applications", "reason": "NOT_PERMITTED"} in dpo["redactions"]
