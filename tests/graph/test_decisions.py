"""Decisions of both authorities: idempotent recording, write policy, row categories."""

from typing import Any

from sqlalchemy import func, select

from authz.principal import Principal
from schema.models import CalculationRow, Decision
from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    PIRKANMAA_COUNSELLOR,
    PIRKANMAA_WORKER,
    RECORD_DECISION,
    decision_input,
    record_decision,
    register,
)

DECISIONS = """
query($id: ID!, $authority: Authority) { client(id: $id) { decisions(authority: $authority) { edges { node {
  id authority issuer { id } kind externalId decidedAt periodStart periodEnd outcome totalAmountCents grounds
  calculation { type description amountCents } basicAmountReduction { percent grounds until }
  paymentCommitments { payee purpose amountCents validUntil } redactions { field category reason }
} } } } }
"""


async def count(api, model) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_kela_decision_with_its_calculation_reduction_and_commitments(api):
    client_id = await register(api)
    await record_decision(
        api,
        KELA_HANDLER,
        client_id,
        "K-1",
        basicAmountReduction={"percent": 20, "grounds": "Kieltäytyi työstä", "until": "2027-01-31"},
        paymentCommitments=[
            {
                "payee": "Apteekki",
                "purpose": "Lääkkeet",
                "amountCents": 4500,
                "validUntil": "2026-12-31",
            }
        ],
    )
    [node] = [
        e["node"]
        for e in (await api.ok(PIRKANMAA_WORKER, DECISIONS, id=client_id))["client"]["decisions"][
            "edges"
        ]
    ]
    assert node["authority"] == "KELA"
    assert node["issuer"] == {"id": "kela"}
    assert node["decidedAt"].startswith("2026-11-02T10:00:00")
    assert node["calculation"] == [
        {"type": "EXPENSE", "description": "Perusosa", "amountCents": 55_580},
        {"type": "EXPENSE", "description": "Vuokra", "amountCents": 64_420},
    ]
    assert node["basicAmountReduction"] == {
        "percent": 20,
        "grounds": "Kieltäytyi työstä",
        "until": "2027-01-31",
    }
    assert node["paymentCommitments"] == [
        {
            "payee": "Apteekki",
            "purpose": "Lääkkeet",
            "amountCents": 4500,
            "validUntil": "2026-12-31",
        }
    ]
    assert node["redactions"] == []


async def test_recording_is_idempotent_on_issuer_and_external_id(api):
    client_id = await register(api)
    first = await record_decision(api, KELA_HANDLER, client_id, "K-7")
    again = await record_decision(api, KELA_HANDLER, client_id, "K-7")
    assert again == first
    assert await count(api, Decision) == 1
    assert await count(api, CalculationRow) == 2
    changed = decision_input(client_id, "K-7", totalAmountCents=1)
    out = await api.fails(KELA_HANDLER, RECORD_DECISION, "CONFLICT", input=changed)
    assert out["data"] is None
    assert await count(api, Decision) == 1
    other_issuer = await record_decision(
        api, PIRKANMAA_WORKER, client_id, "K-7", kind="SUPPLEMENTARY"
    )
    assert other_issuer != first


async def test_who_records_which_decisions(api):
    client_id = await register(api)
    for who, kind in ((KELA_ADVISOR, "BASIC"), (PIRKANMAA_COUNSELLOR, "SUPPLEMENTARY")):
        await api.fails(
            who, RECORD_DECISION, "FORBIDDEN", input=decision_input(client_id, "X", kind)
        )
    await api.fails(
        PIRKANMAA_WORKER,
        RECORD_DECISION,
        "BAD_USER_INPUT",
        input=decision_input(client_id, "X", "BASIC"),
    )
    await api.fails(
        KELA_HANDLER,
        RECORD_DECISION,
        "BAD_USER_INPUT",
        input=decision_input(client_id, "X", "PREVENTIVE"),
    )
    assert await count(api, Decision) == 0


async def test_decision_input_is_checked_and_changes_nothing(api):
    client_id = await register(api)
    other = await register(api)
    bad: list[tuple[Principal, dict[str, Any]]] = [
        (KELA_HANDLER, {"basicAmountReduction": {"percent": 30}}),
        (PIRKANMAA_WORKER, {"kind": "SUPPLEMENTARY", "basicAmountReduction": {"percent": 20}}),
        (KELA_HANDLER, {"totalAmountCents": -5}),
        (KELA_HANDLER, {"periodStart": "2026-12-01", "periodEnd": "2026-11-01"}),
        (KELA_HANDLER, {"externalId": "  "}),
        (KELA_HANDLER, {"influencingAttachmentIds": ["01a209d2-0302-7f2d-92fe-5e19adc299b9"]}),
        (KELA_HANDLER, {"applicationId": "not-an-id"}),
    ]
    for who, change in bad:
        await api.fails(
            who, RECORD_DECISION, "BAD_USER_INPUT", input=decision_input(client_id, "B-1", **change)
        )
    assert await count(api, Decision) == 0
    await record_decision(api, KELA_HANDLER, other, "B-2")
    assert await count(api, Decision) == 1


async def test_each_authoritys_rows_carry_their_own_categories(api):
    client_id = await register(api)
    await record_decision(api, KELA_HANDLER, client_id, "K-1")
    await record_decision(api, PIRKANMAA_WORKER, client_id, "W-1", kind="SUPPLEMENTARY")
    advisor = (await api.ok(KELA_ADVISOR, DECISIONS, id=client_id))["client"]["decisions"]["edges"]
    by_authority = {e["node"]["authority"] or "hidden": e["node"] for e in advisor}
    wc = by_authority["hidden"]
    assert wc["grounds"] is None
    assert {(r["field"], r["category"], r["reason"]) for r in wc["redactions"]} >= {
        ("grounds", "WC_DECISION", "CONSENT_REQUIRED"),
        ("calculation", "WC_DECISION", "CONSENT_REQUIRED"),
    }
    assert by_authority["KELA"]["redactions"] == []
    counsellor = (await api.ok(PIRKANMAA_COUNSELLOR, DECISIONS, id=client_id, authority="KELA"))[
        "client"
    ]["decisions"]["edges"]
    [kela] = [e["node"] for e in counsellor]
    assert kela["grounds"] == "Perusosa ja vuokra"
    assert kela["calculation"] is None
    assert kela["basicAmountReduction"] is None
    assert ("calculation", "KELA_CALCULATION", "CONSENT_REQUIRED") in {
        (r["field"], r["category"], r["reason"]) for r in kela["redactions"]
    }
    only_wc = (await api.ok(KELA_HANDLER, DECISIONS, id=client_id, authority="WELLBEING_COUNTY"))[
        "client"
    ]["decisions"]["edges"]
    assert [e["node"]["externalId"] for e in only_wc] == ["W-1"]
