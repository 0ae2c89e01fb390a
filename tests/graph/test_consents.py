"""Consent through the API: who may write what, and refusals that append nothing."""

from sqlalchemy import func, select

from schema.models import ConsentEvent
from tests.factories import (
    GRANT,
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    guardian_principal,
    inform,
    personal_id,
    record_decision,
    record_guardianship,
    register,
    upload,
)
from tests.support import principal

WITHDRAW = 'mutation($c: ID!, $s: Int!, $m: ConsentMethod) { withdrawConsent(clientId: $c, grantSeq: $s, reason: "pois", method: $m) { seq type body } }'
PROHIBIT = "mutation($input: ProhibitionInput!) { prohibitDisclosure(input: $input) { seq type body grantor { kind personalId } } }"
LIFT = "mutation($c: ID!, $s: Int!) { liftProhibition(clientId: $c, prohibitionSeq: $s) { seq type body } }"
INFORMED = 'mutation($c: ID!) { recordInformed(clientId: $c, textVersion: "2026-1", channel: "kela.fi") { seq type grantor { kind } body actor { subject organisation roles } } }'
LEDGER = "query($c: ID!, $first: Int, $after: String) { consentLedger(clientId: $c, first: $first, after: $after) { edges { cursor node { seq type prev hash canonical actor { organisation } grantor { kind personalId } body } } pageInfo { hasNextPage endCursor } } }"
STATE = "query($c: ID!) { client(id: $c) { consents { seq grantee { id } categories method inForce withdrawnAt } prohibitions { seq category organisation { id } inForce liftedAt } } }"


def grant_input(client_id: str, grantee: str = "kela", categories=("PLAN",), **changes):
    return {
        "clientId": client_id,
        "granteeId": grantee,
        "categories": list(categories),
        "purpose": "Toimeentulotuki",
    } | changes


async def events(api) -> int:
    async with api.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ConsentEvent)) or 0)


async def client_with_pid(api) -> tuple[str, str]:
    pid = personal_id()
    return await register(api, personalId=pid), pid


async def test_the_client_grants_and_the_chain_links(api):
    client_id, pid = await client_with_pid(api)
    me = client_principal(pid)
    first = await grant(api, me, client_id, "kela", ["PLAN", "LIFE_ECONOMY"])
    second = await grant(
        api, me, client_id, "wc-lappi", ["LIFE_HOUSING"], validUntil="2027-12-31T22:00:00Z"
    )
    assert (first, second) == (2, 3), "seq 1 is the INFORMED event a grant needs first"
    ledger = (await api.ok(me, LEDGER, c=client_id))["consentLedger"]["edges"]
    informed, one, two = (e["node"] for e in ledger)
    assert informed["type"] == "INFORMED"
    assert informed["prev"] == "0" * 64
    assert one["prev"] == informed["hash"]
    assert two["prev"] == one["hash"]
    assert one["grantor"] == {"kind": "CLIENT", "personalId": None}
    assert one["body"]["categories"] == ["LIFE_ECONOMY", "PLAN"]
    assert one["body"]["grantee"] == "kela"
    assert '"categories":["LIFE_ECONOMY","PLAN"]' in one["canonical"]
    state = (await api.ok(me, STATE, c=client_id))["client"]
    assert [(g["seq"], g["grantee"]["id"], g["inForce"]) for g in state["consents"]] == [
        (2, "kela", True),
        (3, "wc-lappi", True),
    ]


async def test_staff_record_only_what_the_client_gave_on_paper_or_orally(api):
    client_id, _ = await client_with_pid(api)
    await api.fails(KELA_HANDLER, GRANT, "FORBIDDEN", input=grant_input(client_id))
    assert await events(api) == 0
    form = await upload(api, KELA_HANDLER, client_id)
    seq = await grant(
        api, KELA_HANDLER, client_id, "kela", ["PLAN"], method="WRITTEN", evidenceAttachmentId=form
    )
    ledger = (await api.ok(KELA_HANDLER, LEDGER, c=client_id))["consentLedger"]["edges"]
    [event] = [e["node"] for e in ledger if e["node"]["type"] == "GRANT"]
    assert event["seq"] == seq
    assert event["grantor"]["kind"] == "CLIENT"
    assert event["actor"]["organisation"] == "kela"
    assert event["body"]["method"] == "WRITTEN"
    await api.fails(KELA_HANDLER, WITHDRAW, "FORBIDDEN", c=client_id, s=seq, m="ELECTRONIC")
    assert (await api.ok(KELA_HANDLER, WITHDRAW, c=client_id, s=seq, m="ORAL"))["withdrawConsent"][
        "type"
    ] == "WITHDRAW"
    await api.fails(
        principal("dpo", "kela"), GRANT, "FORBIDDEN", input=grant_input(client_id, method="WRITTEN")
    )
    await api.fails(
        LAPPI_WORKER, GRANT, "NOT_FOUND", input=grant_input(client_id, method="WRITTEN")
    )


async def test_guardians_decide_within_their_guardianship(api):
    ward, _ = await client_with_pid(api)
    full, economic = personal_id(), personal_id()
    await record_guardianship(api, ward, full, "GUARDIAN_FULL")
    await record_guardianship(api, ward, economic, "GUARDIAN_ECONOMIC")
    await grant(api, guardian_principal(full), ward, "kela", ["PLAN", "LIFE_HEALTH"])
    econ = guardian_principal(economic)
    await grant(api, econ, ward, "kela", ["LIFE_ECONOMY", "WC_DECISION"])
    await api.fails(
        econ, GRANT, "FORBIDDEN", input=grant_input(ward, categories=["LIFE_ECONOMY", "PLAN"])
    )
    await api.fails(econ, PROHIBIT, "FORBIDDEN", input={"clientId": ward, "organisationId": "kela"})
    prohibited = (
        await api.ok(econ, PROHIBIT, input={"clientId": ward, "category": "LIFE_HOUSING"})
    )["prohibitDisclosure"]
    assert prohibited["grantor"] == {"kind": "GUARDIAN", "personalId": economic}
    await api.fails(econ, WITHDRAW, "FORBIDDEN", c=ward, s=2)
    assert (await api.ok(econ, WITHDRAW, c=ward, s=3))["withdrawConsent"]["body"]["grant"] == 3
    assert await events(api) == 5  # INFORMED, two grants, the prohibition, the withdrawal


async def test_refused_operations_append_nothing(api):
    client_id, pid = await client_with_pid(api)
    me = client_principal(pid)
    seq = await grant(api, me, client_id, "kela", ["PLAN"])
    await api.ok(me, WITHDRAW, c=client_id, s=seq)
    before = await events(api)
    await api.fails(me, WITHDRAW, "CONFLICT", c=client_id, s=seq)
    await api.fails(me, WITHDRAW, "CONFLICT", c=client_id, s=99)
    await api.fails(
        me, GRANT, "BAD_USER_INPUT", input=grant_input(client_id, grantee="wc-atlantis")
    )
    await api.fails(me, GRANT, "BAD_USER_INPUT", input=grant_input(client_id, categories=[]))
    await api.fails(
        me, GRANT, "BAD_USER_INPUT", input=grant_input(client_id, categories=["SECRETS"])
    )
    await api.fails(
        me,
        GRANT,
        "BAD_USER_INPUT",
        input=grant_input(
            client_id, validFrom="2027-02-01T00:00:00Z", validUntil="2027-01-01T00:00:00Z"
        ),
    )
    await api.fails(me, PROHIBIT, "BAD_USER_INPUT", input={"clientId": client_id})
    await api.fails(
        me,
        PROHIBIT,
        "BAD_USER_INPUT",
        input={"clientId": client_id, "category": "PLAN", "organisationId": "kela"},
    )
    await api.fails(
        me,
        PROHIBIT,
        "BAD_USER_INPUT",
        input={
            "clientId": client_id,
            "rowType": "DECISION",
            "rowId": "01a209d2-0302-7f2d-92fe-5e19adc299b9",
        },
    )
    await api.fails(me, LIFT, "CONFLICT", c=client_id, s=seq)
    assert await events(api) == before


async def test_prohibitions_by_row_and_their_lifting(api):
    client_id, pid = await client_with_pid(api)
    me = client_principal(pid)
    decision = await record_decision(api, KELA_HANDLER, client_id, "K-1")
    other_client = await register(api)
    other_decision = await record_decision(api, KELA_HANDLER, other_client, "K-2")
    await api.fails(
        me,
        PROHIBIT,
        "BAD_USER_INPUT",
        input={"clientId": client_id, "rowType": "DECISION", "rowId": other_decision},
    )
    seq = (
        await api.ok(
            me, PROHIBIT, input={"clientId": client_id, "rowType": "DECISION", "rowId": decision}
        )
    )["prohibitDisclosure"]["seq"]
    state = (await api.ok(me, STATE, c=client_id))["client"]["prohibitions"]
    assert [(p["seq"], p["inForce"]) for p in state] == [(seq, True)]
    lifted = (await api.ok(me, LIFT, c=client_id, s=seq))["liftProhibition"]
    assert lifted["body"] == {"prohibition": seq, "method": "ELECTRONIC"}
    state = (await api.ok(me, STATE, c=client_id))["client"]["prohibitions"]
    assert state[0]["inForce"] is False
    assert state[0]["liftedAt"] is not None


async def test_recording_that_the_client_was_informed(api):
    client_id, pid = await client_with_pid(api)
    staff = (await api.ok(PIRKANMAA_WORKER, INFORMED, c=client_id))["recordInformed"]
    assert staff["type"] == "INFORMED"
    assert staff["grantor"] is None
    assert staff["body"] == {"textVersion": "2026-1", "channel": "kela.fi"}
    assert staff["actor"] == {
        "subject": "social_worker@wc-pirkanmaa",
        "organisation": "wc-pirkanmaa",
        "roles": ["social_worker"],
    }
    assert (await api.ok(client_principal(pid), INFORMED, c=client_id))["recordInformed"][
        "seq"
    ] == 2
    await api.fails(principal("dpo", "kela"), INFORMED, "FORBIDDEN", c=client_id)


async def test_the_ledger_query_pages_and_a_dpo_sees_their_organisations_events(api):
    client_id, pid = await client_with_pid(api)
    me = client_principal(pid)
    await inform(api, me, client_id)  # 1
    await grant(api, me, client_id, "kela", ["PLAN"])  # 2
    await grant(api, me, client_id, "wc-lappi", ["PLAN"])  # 3
    await grant(
        api,
        PIRKANMAA_WORKER,
        client_id,
        "wc-pirkanmaa",
        ["LIFE_HEALTH"],
        method="ORAL",
        note="Asiakas antoi luvan vastaanotolla 1.12.",
    )  # 4
    await api.ok(me, WITHDRAW, c=client_id, s=2)  # 5
    page = (await api.ok(KELA_HANDLER, LEDGER, c=client_id, first=2))["consentLedger"]
    assert [e["node"]["seq"] for e in page["edges"]] == [1, 2]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await api.ok(KELA_HANDLER, LEDGER, c=client_id, after=page["pageInfo"]["endCursor"]))[
        "consentLedger"
    ]
    assert [e["node"]["seq"] for e in rest["edges"]] == [3, 4, 5]
    kela_dpo = (await api.ok(principal("dpo", "kela"), LEDGER, c=client_id))["consentLedger"][
        "edges"
    ]
    assert [e["node"]["seq"] for e in kela_dpo] == [2, 5]
    pirkanmaa_dpo = (await api.ok(principal("dpo", "wc-pirkanmaa"), LEDGER, c=client_id))[
        "consentLedger"
    ]["edges"]
    assert [e["node"]["seq"] for e in pirkanmaa_dpo] == [4]
    dpo_state = (await api.ok(principal("dpo", "kela"), STATE, c=client_id))["client"]["consents"]
    assert [g["grantee"]["id"] for g in dpo_state] == ["kela"]
    assert (await api.ok(LAPPI_WORKER, LEDGER, c=await register(api)))["consentLedger"][
        "edges"
    ] == []


async def test_a_full_guardian_acts_for_the_client_in_everything(api):
    ward, _ = await client_with_pid(api)
    parent = personal_id()
    await record_guardianship(api, ward, parent, "PARENT_OF_MINOR", validUntil="2099-01-01")
    who = guardian_principal(parent)
    await grant(api, who, ward, "wc-pirkanmaa", ["NOTICE_DETAIL"])
    prohibited = (
        await api.ok(who, PROHIBIT, input={"clientId": ward, "organisationId": "wc-lappi"})
    )["prohibitDisclosure"]
    assert prohibited["body"]["target"] == {"kind": "ORGANISATION", "organisation": "wc-lappi"}
    assert prohibited["grantor"] == {"kind": "GUARDIAN", "personalId": parent}


async def test_plans_are_not_prohibited_row_by_row(api):
    client_id, pid = await client_with_pid(api)
    await api.fails(
        client_principal(pid),
        PROHIBIT,
        "BAD_USER_INPUT",
        input={"clientId": client_id, "rowType": "PLAN", "rowId": client_id},
    )


async def test_a_dpo_sees_the_grants_their_organisation_recorded(api):
    client_id, pid = await client_with_pid(api)
    form = await upload(api, PIRKANMAA_WORKER, client_id)
    await grant(
        api,
        PIRKANMAA_WORKER,
        client_id,
        "kela",
        ["PLAN"],
        method="WRITTEN",
        evidenceAttachmentId=form,
    )
    await grant(api, client_principal(pid), client_id, "wc-lappi", ["PLAN"])
    await api.ok(
        PIRKANMAA_WORKER,
        PROHIBIT,
        input={"clientId": client_id, "category": "LIFE_HEALTH", "method": "ORAL"},
    )
    pirkanmaa = (await api.ok(principal("dpo", "wc-pirkanmaa"), STATE, c=client_id))["client"]
    assert [g["grantee"]["id"] for g in pirkanmaa["consents"]] == ["kela"]
    assert [p["category"] for p in pirkanmaa["prohibitions"]] == ["LIFE_HEALTH"]
    lappi = (await api.ok(principal("dpo", "wc-lappi"), STATE, c=client_id))["client"]
    assert [g["grantee"]["id"] for g in lappi["consents"]] == ["wc-lappi"]
    assert lappi["prohibitions"] == []
