"""A consent mutation answers the grant or prohibition it made or ended (issue 7, item 6):
``ConsentEvent.grant`` / ``.prohibition`` are exactly what ``Client.consents`` /
``Client.prohibitions`` show the same caller, field by field and redaction by redaction,
so a UI needs no second query."""

from typing import Any

from tests.factories import (
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    personal_id,
    record_decision,
    register,
)
from tests.support import principal

GRANT_FIELDS = """seq grantee { id } categories purpose method validFrom validUntil recordedAt
  withdrawnAt inForce selfRecorded redactions { field category reason }"""
PROHIBITION_FIELDS = """seq organisation { id } category rowType rowId recordedAt liftedAt inForce
  redactions { field category reason }"""
EVENT = f"""seq type grant {{ {GRANT_FIELDS} }} prohibition {{ {PROHIBITION_FIELDS} }}
  redactions {{ field category reason }}"""
GRANT = f"mutation($input: ConsentGrantInput!) {{ grantConsent(input: $input) {{ {EVENT} }} }}"
WITHDRAW = (
    f"mutation($c: ID!, $s: Int!) {{ withdrawConsent(clientId: $c, grantSeq: $s) {{ {EVENT} }} }}"
)
PROHIBIT = (
    f"mutation($input: ProhibitionInput!) {{ prohibitDisclosure(input: $input) {{ {EVENT} }} }}"
)
LIFT = f"mutation($c: ID!, $s: Int!) {{ liftProhibition(clientId: $c, prohibitionSeq: $s) {{ {EVENT} }} }}"
INFORMED = f'mutation($c: ID!) {{ recordInformed(clientId: $c, textVersion: "2026-1", channel: "kela.fi") {{ {EVENT} }} }}'
BOTH = f"""query($c: ID!) {{
  consentLedger(clientId: $c, first: 30) {{ edges {{ node {{ {EVENT} }} }} }}
  client(id: $c) {{ consents {{ {GRANT_FIELDS} }} prohibitions {{ {PROHIBITION_FIELDS} }} }}
}}"""
DPO = principal("dpo", "wc-lappi", name="Tietosuojavastaava")


async def setup(api) -> tuple[str, str, dict[str, Any]]:
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    decision = await record_decision(api, PIRKANMAA_WORKER, client_id, "d-1", kind="SUPPLEMENTARY")
    return client_id, pid, {"decision": decision}


async def test_each_mutation_answers_what_it_made_or_ended_as_the_client_lists_show_it(api):
    client_id, pid, rows = await setup(api)
    me = client_principal(pid)
    informed = (await api.ok(me, INFORMED, c=client_id))["recordInformed"]
    assert (informed["grant"], informed["prohibition"], informed["redactions"]) == (None, None, [])

    granted = (
        await api.ok(
            me,
            GRANT,
            input={
                "clientId": client_id,
                "granteeId": "kela",
                "categories": ["PLAN", "LIFE_ECONOMY"],
                "purpose": "Toimeentulotuki",
                "validUntil": "2027-12-31T22:00:00Z",
            },
        )
    )["grantConsent"]
    state = (await api.ok(me, BOTH, c=client_id))["client"]
    assert granted["grant"] == state["consents"][0]
    assert granted["grant"]["categories"] == ["LIFE_ECONOMY", "PLAN"]
    assert granted["grant"]["inForce"] is True
    assert granted["prohibition"] is None

    withdrawn = (await api.ok(me, WITHDRAW, c=client_id, s=granted["seq"]))["withdrawConsent"]
    state = (await api.ok(me, BOTH, c=client_id))["client"]
    assert withdrawn["grant"] == state["consents"][0]
    assert withdrawn["grant"]["seq"] == granted["seq"]
    assert withdrawn["grant"]["withdrawnAt"] is not None
    assert withdrawn["grant"]["inForce"] is False

    prohibited = (
        await api.ok(
            me,
            PROHIBIT,
            input={"clientId": client_id, "rowType": "DECISION", "rowId": rows["decision"]},
        )
    )["prohibitDisclosure"]
    state = (await api.ok(me, BOTH, c=client_id))["client"]
    assert prohibited["prohibition"] == state["prohibitions"][0]
    assert prohibited["prohibition"]["rowType"] == "DECISION"
    assert prohibited["prohibition"]["rowId"] == rows["decision"]
    assert prohibited["grant"] is None

    lifted = (await api.ok(me, LIFT, c=client_id, s=prohibited["seq"]))["liftProhibition"]
    state = (await api.ok(me, BOTH, c=client_id))["client"]
    assert lifted["prohibition"] == state["prohibitions"][0]
    assert lifted["prohibition"]["liftedAt"] is not None
    assert lifted["prohibition"]["inForce"] is False


async def test_every_viewer_sees_in_each_event_what_their_client_lists_show(api):
    client_id, pid, rows = await setup(api)
    me = client_principal(pid)
    seq = await grant(api, me, client_id, "kela", ["PLAN"])
    await grant(api, me, client_id, "wc-lappi", ["LIFE_HOUSING"])
    await api.ok(me, WITHDRAW, c=client_id, s=seq)
    await api.ok(me, PROHIBIT, input={"clientId": client_id, "organisationId": "wc-lappi"})
    await api.ok(
        me,
        PROHIBIT,
        input={"clientId": client_id, "rowType": "DECISION", "rowId": rows["decision"]},
    )
    for viewer in (me, PIRKANMAA_WORKER, KELA_HANDLER, LAPPI_WORKER, DPO):
        out = await api.run(viewer, BOTH, c=client_id)
        assert "errors" not in out, out
        data = out["data"]
        events = [e["node"] for e in data["consentLedger"]["edges"]]
        lists = data["client"] or {"consents": [], "prohibitions": []}
        grants = {g["seq"]: g for g in lists["consents"] or []}
        prohibitions = {p["seq"]: p for p in lists["prohibitions"] or []}
        for event in events:
            withheld = {r["field"]: r["reason"] for r in event["redactions"]}
            if event["type"] in ("GRANT", "WITHDRAW"):
                assert_same(event, "grant", grants, withheld, viewer)
            elif event["type"] in ("PROHIBIT", "LIFT_PROHIBITION"):
                assert_same(event, "prohibition", prohibitions, withheld, viewer)
            else:
                assert (event["grant"], event["prohibition"]) == (None, None)
                assert "grant" not in withheld
                assert "prohibition" not in withheld


def assert_same(event, field: str, listed: dict[int, Any], withheld: dict[str, str], viewer):
    shown = event[field]
    if shown is None:
        assert withheld.get(field) is not None, (viewer.roles, event)
        return
    assert shown == listed[shown["seq"]], (viewer.roles, event)


async def test_the_row_type_is_an_enum_that_takes_the_same_values(api):
    client_id, pid, rows = await setup(api)
    me = client_principal(pid)
    out = await api.run(
        me, PROHIBIT, input={"clientId": client_id, "rowType": "SHOEBOX", "rowId": rows["decision"]}
    )
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]
    inline = f"""mutation($c: ID!, $d: ID!) {{
      prohibitDisclosure(input: {{clientId: $c, rowType: DECISION, rowId: $d}}) {{ {EVENT} }} }}"""
    done = await api.ok(me, inline, c=client_id, d=rows["decision"])
    assert done["prohibitDisclosure"]["prohibition"]["rowType"] == "DECISION"
