"""The shared plan: every save a new version, stale saves refused, history kept."""

from sqlalchemy import func, select

from schema.models import AccessLogEntry, PlanVersion
from tests.factories import (
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_COUNSELLOR,
    PIRKANMAA_WORKER,
    PLAN_INPUT,
    SAVE_PLAN,
    register,
    save_plan,
    send_notice,
)

HISTORY = """
query($id: ID!, $first: Int, $after: String) { client(id: $id) {
  plan { version status goals updatedBy organisation { id } nextFollowUp kelaSpecialServicePlanned
         measures { description responsibleOrganisation { id } status due }
         serviceNeedAssessment { status outcome date } }
  planHistory(first: $first, after: $after) { edges { cursor node { version goals } } pageInfo { hasNextPage endCursor } }
} }
"""


async def versions(api, client_id: str) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(PlanVersion)) or 0)


async def test_each_save_is_a_new_version_and_history_is_kept(api):
    client_id = await register(api)
    first = await save_plan(api, client_id)
    assert first["version"] == 1
    second = await save_plan(
        api,
        client_id,
        PIRKANMAA_COUNSELLOR,
        expected=1,
        goals=["Työkokeilu"],
        nextFollowUp="2027-01-15",
        kelaSpecialServicePlanned=True,
        serviceNeedAssessment={
            "status": "COMPLETED",
            "outcome": "Sosiaalityön asiakkuus",
            "date": "2026-11-20",
        },
        measures=[
            {
                "description": "Velkaneuvonta",
                "responsibleOrganisationId": "kela",
                "status": "IN_PROGRESS",
                "due": "2026-12-31",
            }
        ],
    )
    assert second["version"] == 2
    data = (await api.ok(PIRKANMAA_WORKER, HISTORY, id=client_id))["client"]
    assert data["plan"] == {
        "version": 2,
        "status": "ACTIVE",
        "goals": ["Työkokeilu"],
        "updatedBy": "Olli Ohjaaja",
        "organisation": {"id": "wc-pirkanmaa"},
        "nextFollowUp": "2027-01-15",
        "kelaSpecialServicePlanned": True,
        "measures": [
            {
                "description": "Velkaneuvonta",
                "responsibleOrganisation": {"id": "kela"},
                "status": "IN_PROGRESS",
                "due": "2026-12-31",
            }
        ],
        "serviceNeedAssessment": {
            "status": "COMPLETED",
            "outcome": "Sosiaalityön asiakkuus",
            "date": "2026-11-20",
        },
    }
    history = data["planHistory"]["edges"]
    assert [(e["node"]["version"], e["node"]["goals"]) for e in history] == [
        (2, ["Työkokeilu"]),
        (1, ["Maksusuunnitelma"]),
    ]
    page = (await api.ok(PIRKANMAA_WORKER, HISTORY, id=client_id, first=1))["client"]["planHistory"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (
        await api.ok(
            PIRKANMAA_WORKER, HISTORY, id=client_id, first=1, after=page["pageInfo"]["endCursor"]
        )
    )["client"]["planHistory"]
    assert [e["node"]["version"] for e in rest["edges"]] == [1]


async def test_a_stale_version_is_a_conflict_and_writes_nothing(api):
    client_id = await register(api)
    await save_plan(api, client_id)
    await save_plan(api, client_id, expected=1)
    for stale in (1, None, 3):
        out = await api.fails(
            PIRKANMAA_WORKER,
            SAVE_PLAN,
            "CONFLICT",
            clientId=client_id,
            input=PLAN_INPUT,
            expected=stale,
        )
        assert out["data"] is None
    assert await versions(api, client_id) == 2
    fresh = await register(api)
    await api.fails(
        PIRKANMAA_WORKER, SAVE_PLAN, "CONFLICT", clientId=fresh, input=PLAN_INPUT, expected=4
    )
    assert (await save_plan(api, fresh, expected=0))["version"] == 1


async def test_only_the_organisers_social_staff_save_the_plan(api, app):
    client_id = await register(api)
    await send_notice(api, KELA_HANDLER, client_id, "wc-lappi")
    for who in (KELA_HANDLER, LAPPI_WORKER):
        await api.fails(who, SAVE_PLAN, "FORBIDDEN", clientId=client_id, input=PLAN_INPUT)
    assert await versions(api, client_id) == 0
    async with app.state.runtime.sessions() as session:
        refused = list(
            await session.scalars(
                select(AccessLogEntry).where(
                    AccessLogEntry.action == "WRITE", AccessLogEntry.category == "PLAN"
                )
            )
        )
    assert {(r.organisation_id, r.allowed) for r in refused} == {
        ("kela", False),
        ("wc-lappi", False),
    }
    lappi = next(r for r in refused if r.organisation_id == "wc-lappi")
    assert lappi.policy_rule == "p, social_worker, plan, save, OWN"


async def test_plan_input_is_checked(api):
    client_id = await register(api)
    bad_org = PLAN_INPUT | {
        "measures": [{"description": "x", "responsibleOrganisationId": "wc-atlantis"}]
    }
    await api.fails(
        PIRKANMAA_WORKER, SAVE_PLAN, "BAD_USER_INPUT", clientId=client_id, input=bad_org
    )
    await api.fails(
        PIRKANMAA_WORKER,
        SAVE_PLAN,
        "BAD_USER_INPUT",
        clientId=client_id,
        input=PLAN_INPUT | {"goals": ["  "]},
    )
    await api.fails(
        PIRKANMAA_WORKER,
        SAVE_PLAN,
        "BAD_USER_INPUT",
        clientId=client_id,
        input=PLAN_INPUT | {"status": "FINISHED"},
    )
    await api.fails(
        PIRKANMAA_WORKER,
        SAVE_PLAN,
        "NOT_FOUND",
        clientId="01a209d2-0302-7f2d-92fe-5e19adc299b9",
        input=PLAN_INPUT,
    )
    assert await versions(api, client_id) == 0
