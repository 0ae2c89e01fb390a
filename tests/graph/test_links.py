"""A field that names another row (an id, a link, a nested object) is disclosed only when
that row itself may be known of by the caller (issue 5, finding 5)."""

from typing import Any

from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    inform,
    personal_id,
    record_decision,
    register,
    save_plan,
    send_notice,
    upload,
)
from tests.support import principal

ATTACHMENTS = """query($id: ID!) { client(id: $id) { attachments { edges { node {
  id filename decisionId redactions { field category reason }
} } } } }"""
PROHIBITIONS = """query($id: ID!) { client(id: $id) { prohibitions {
  seq rowType rowId redactions { field category reason }
} } }"""
LEDGER = """query($id: ID!) { consentLedger(clientId: $id) { edges { node {
  seq type hash body canonical redactions { field reason }
} } } }"""
PROHIBIT = "mutation($input: ProhibitionInput!) { prohibitDisclosure(input: $input) { seq } }"
LOG = """query($id: ID!) { client(id: $id) { accessLog(first: 100) { edges { node {
  subject category allowed reason consentSeq prohibitionSeq redactions { field reason }
} } } } }"""


async def pirkanmaa_decision_with_attachment(api) -> tuple[str, str, str, str]:
    """A Pirkanmaa client, its Pirkanmaa decision (WC_DECISION: OWN for counties) and an
    attachment linked to it; then Kela's notice gives wc-lappi a relation."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    decision = await record_decision(
        api, PIRKANMAA_WORKER, client_id, f"P-{pid}", kind="SUPPLEMENTARY"
    )
    attachment = await upload(
        api, PIRKANMAA_WORKER, client_id, "INVOICE", "lasku.pdf", decisionId=decision
    )
    await send_notice(api, KELA_HANDLER, client_id, "wc-lappi", "APPLICATION_TRANSFER")
    return client_id, pid, decision, attachment


def nodes(out: dict[str, Any], path: str) -> list[dict[str, Any]]:
    return [e["node"] for e in out["client"][path]["edges"]]


async def test_an_attachment_does_not_name_a_decision_the_caller_may_not_see(api):
    """The observed leak: Lappi saw the decisionId of Pirkanmaa's attachment."""
    client_id, _, decision, attachment = await pirkanmaa_decision_with_attachment(api)
    [lappi] = nodes(await api.ok(LAPPI_WORKER, ATTACHMENTS, id=client_id), "attachments")
    assert (lappi["id"], lappi["filename"]) == (attachment, "lasku.pdf")
    assert lappi["decisionId"] is None
    assert lappi["redactions"] == [
        {"field": "decisionId", "category": "ATTACHMENT", "reason": "NOT_PERMITTED"}
    ]
    decisions = await api.ok(
        LAPPI_WORKER,
        "query($id: ID!) { client(id: $id) { decisions { edges { node { id } } } } }",
        id=client_id,
    )
    assert decision not in {n["id"] for n in nodes(decisions, "decisions")}

    [own] = nodes(await api.ok(PIRKANMAA_WORKER, ATTACHMENTS, id=client_id), "attachments")
    assert own["decisionId"] == decision
    assert own["redactions"] == []
    [kela] = nodes(await api.ok(KELA_HANDLER, ATTACHMENTS, id=client_id), "attachments")
    assert kela["decisionId"] == decision, "WC_DECISION is STATUTORY for a Kela handler"


async def test_a_prohibition_does_not_name_a_row_the_caller_may_not_see(api):
    client_id, pid, decision, _ = await pirkanmaa_decision_with_attachment(api)
    me = client_principal(pid)
    await inform(api, me, client_id)
    seq = (
        await api.ok(
            me, PROHIBIT, input={"clientId": client_id, "rowType": "DECISION", "rowId": decision}
        )
    )["prohibitDisclosure"]["seq"]

    [lappi] = (await api.ok(LAPPI_WORKER, PROHIBITIONS, id=client_id))["client"]["prohibitions"]
    assert (lappi["seq"], lappi["rowType"], lappi["rowId"]) == (seq, "DECISION", None)
    assert lappi["redactions"] == [
        {"field": "rowId", "category": "CONSENT", "reason": "NOT_PERMITTED"}
    ]
    [own] = (await api.ok(PIRKANMAA_WORKER, PROHIBITIONS, id=client_id))["client"]["prohibitions"]
    assert own["rowId"] == decision

    # The ledger event names the row in its body and in the hashed text: both withheld.
    lappi_events = (await api.ok(LAPPI_WORKER, LEDGER, id=client_id))["consentLedger"]["edges"]
    [event] = [e["node"] for e in lappi_events if e["node"]["seq"] == seq]
    assert (event["type"], event["body"], event["canonical"]) == ("PROHIBIT", None, None)
    assert event["hash"]
    assert {r["field"] for r in event["redactions"]} == {"body", "canonical"}
    own_events = (await api.ok(PIRKANMAA_WORKER, LEDGER, id=client_id))["consentLedger"]["edges"]
    [seen] = [e["node"] for e in own_events if e["node"]["seq"] == seq]
    assert seen["body"]["target"]["rowId"] == decision


async def test_a_grant_does_not_name_evidence_the_caller_may_not_see(api):
    """A Kela advisor (ATTACHMENT: DENY) reads the ledger, but not the evidence's id."""
    client_id = await register(api)
    form = await upload(api, KELA_HANDLER, client_id)
    seq = await grant(
        api, KELA_HANDLER, client_id, "kela", ["PLAN"], method="WRITTEN", evidenceAttachmentId=form
    )
    advisor = (await api.ok(KELA_ADVISOR, LEDGER, id=client_id))["consentLedger"]["edges"]
    [event] = [e["node"] for e in advisor if e["node"]["seq"] == seq]
    assert (event["body"], event["canonical"]) == (None, None)
    handler = (await api.ok(KELA_HANDLER, LEDGER, id=client_id))["consentLedger"]["edges"]
    [event] = [e["node"] for e in handler if e["node"]["seq"] == seq]
    assert event["body"]["evidenceAttachmentId"] == form
    assert form in event["canonical"]


async def test_a_dpo_opens_the_prohibition_its_organisations_access_log_row_names(api):
    """Issue 6, item 9: Kela's dpo audits Kela's reads, and the category prohibition that
    blocked one names no organisation. It used to be withheld from the dpo (the row's
    prohibitionSeq, the prohibition, its ledger event); the dpo's own access-log row points
    at it, so the dpo opens it now. (This test asserted the withholding before issue 6.)
    Another organisation's dpo, whose rows name nothing, still sees none of it."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    me = client_principal(pid)
    granted = await grant(api, me, client_id, "kela", ["LIFE_ECONOMY"])
    prohibited = (await api.ok(me, PROHIBIT, input={"clientId": client_id, "category": "PLAN"}))[
        "prohibitDisclosure"
    ]["seq"]
    lifted = (
        await api.ok(
            me,
            "mutation($c: ID!, $s: Int!) { liftProhibition(clientId: $c, prohibitionSeq: $s) { seq } }",
            c=client_id,
            s=prohibited,
        )
    )["liftProhibition"]["seq"]
    await api.ok(me, PROHIBIT, input={"clientId": client_id, "category": "PLAN"})
    await save_plan(api, client_id)
    kela_dpo = principal("dpo", "kela")
    before = (await api.ok(kela_dpo, LEDGER, id=client_id))["consentLedger"]["edges"]
    assert {e["node"]["seq"] for e in before} == {granted}, "before the read only the grant"

    await api.ok(
        KELA_HANDLER,
        "query($id: ID!) { client(id: $id) { plan { goals lifeSituation { economy { summary } } } } }",
        id=client_id,
    )
    blocking = prohibited + 2  # the second PLAN prohibition, in force at the read
    for who in (kela_dpo, me):
        rows = [
            e["node"]
            for e in (await api.ok(who, LOG, id=client_id))["client"]["accessLog"]["edges"]
            if e["node"]["subject"] == KELA_HANDLER.subject
        ]
        blocked = [r for r in rows if r["category"] == "PLAN" and not r["allowed"]]
        assert blocked
        for row in blocked:
            assert row["prohibitionSeq"] == blocking
            assert {"field": "prohibitionSeq", "reason": "NOT_PERMITTED"} not in row["redactions"]
        allowed = [r for r in rows if r["category"] == "LIFE_ECONOMY" and r["allowed"]]
        assert [r["consentSeq"] for r in allowed] == [granted]

    events = {
        e["node"]["seq"]: e["node"]
        for e in (await api.ok(kela_dpo, LEDGER, id=client_id))["consentLedger"]["edges"]
    }
    assert set(events) == {granted, blocking}
    assert events[blocking]["type"] == "PROHIBIT"
    assert events[blocking]["body"]["target"] == {"kind": "CATEGORY", "category": "PLAN"}
    assert events[blocking]["redactions"] == []
    assert lifted not in events, "the first prohibition blocked nothing of Kela's"
    listed = (await api.ok(kela_dpo, PROHIBITIONS, id=client_id))["client"]["prohibitions"]
    assert [p["seq"] for p in listed] == [blocking]

    lappi_dpo = principal("dpo", "wc-lappi")
    assert (await api.ok(lappi_dpo, LEDGER, id=client_id))["consentLedger"]["edges"] == []
    assert (await api.ok(lappi_dpo, PROHIBITIONS, id=client_id))["client"]["prohibitions"] == []


async def test_a_dpo_reads_a_ledger_event_whole_though_it_names_evidence(api):
    """Issue 6, item 9: to a dpo a ledger event is one signed consent record, shown whole
    where its CONSENT fields are: the evidence attachment's id is part of the record. The
    attachment itself stays withheld from the dpo. (Issue 5's link rule withheld the body
    and the hashed text from a dpo; a Kela advisor, who may not see attachments, still
    gets neither.)"""
    client_id = await register(api)
    form = await upload(api, KELA_HANDLER, client_id)
    seq = await grant(
        api, KELA_HANDLER, client_id, "kela", ["PLAN"], method="WRITTEN", evidenceAttachmentId=form
    )
    dpo = principal("dpo", "kela")
    [event] = [
        e["node"]
        for e in (await api.ok(dpo, LEDGER, id=client_id))["consentLedger"]["edges"]
        if e["node"]["seq"] == seq
    ]
    assert event["body"]["evidenceAttachmentId"] == form
    assert form in event["canonical"]
    assert event["redactions"] == []
    attachments = (await api.ok(dpo, ATTACHMENTS, id=client_id))["client"]["attachments"]
    assert attachments["edges"] == []
    advisor = (await api.ok(KELA_ADVISOR, LEDGER, id=client_id))["consentLedger"]["edges"]
    [seen] = [e["node"] for e in advisor if e["node"]["seq"] == seq]
    assert (seen["body"], seen["canonical"]) == (None, None)


async def test_a_dpo_opens_the_withdrawal_of_a_grant_its_organisation_recorded(api):
    """Issue 6, item 9: a consent row names the event that ended it. Pirkanmaa's worker
    recorded a written grant to Kela; the client withdrew it themself (an event neither
    recorded by Pirkanmaa nor about it): Pirkanmaa's dpo, who sees the grant, opens the
    withdrawal too. Lappi's dpo sees neither."""
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    form = await upload(api, PIRKANMAA_WORKER, client_id)
    seq = await grant(
        api,
        PIRKANMAA_WORKER,
        client_id,
        "kela",
        ["PLAN"],
        method="WRITTEN",
        evidenceAttachmentId=form,
    )
    withdrawn = (
        await api.ok(
            client_principal(pid),
            "mutation($c: ID!, $s: Int!) { withdrawConsent(clientId: $c, grantSeq: $s) { seq } }",
            c=client_id,
            s=seq,
        )
    )["withdrawConsent"]["seq"]
    events = (await api.ok(principal("dpo", "wc-pirkanmaa"), LEDGER, id=client_id))[
        "consentLedger"
    ]["edges"]
    seen = {e["node"]["seq"]: e["node"] for e in events}
    assert withdrawn in seen
    assert seen[withdrawn]["type"] == "WITHDRAW"
    assert seen[withdrawn]["body"]["grant"] == seq
    lappi = (await api.ok(principal("dpo", "wc-lappi"), LEDGER, id=client_id))["consentLedger"]
    assert lappi["edges"] == []
