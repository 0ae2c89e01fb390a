"""access.md's worked examples 1-7, end to end over HTTP with real signed JWTs."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from authz.basis import RedactionReason
from graph.context import Context
from schema.enums import DataCategory
from schema.models import AccessLogEntry
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    guardian_principal,
    personal_id,
    record_decision,
    record_guardianship,
    register,
    save_plan,
    send_notice,
)

READ_ALL = """
query($id: ID!) {
  client(id: $id) {
    id name
    redactions { field category reason }
    plan {
      goals
      redactions { field reason }
      lifeSituation {
        economy { summary } family { summary } health { summary } housing { summary }
        redactions { field category reason }
      }
    }
    decisions { edges { node { authority issuer { id } totalAmountCents calculation { amountCents } redactions { field reason } } } }
    notices { edges { node { type sender { id } recipient { id } redactions { field reason } } } }
    attachments { edges { node { kind filename } } }
  }
}
"""


async def log_rows(app, subject: str) -> list[AccessLogEntry]:
    async with app.state.runtime.sessions() as session:
        return list(
            await session.scalars(select(AccessLogEntry).where(AccessLogEntry.subject == subject))
        )


async def resident_with_plan_and_decision(api) -> tuple[str, str]:
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await save_plan(api, client_id)
    await record_decision(api, KELA_HANDLER, client_id, f"kela-{pid}")
    return client_id, pid


async def test_example_1_county_worker_reads_everything_on_statutory_basis(api, http, app):
    client_id, _ = await resident_with_plan_and_decision(api)
    token = http.token("social_worker", org="wc-pirkanmaa", sub="sanna")
    data = await http.ok(READ_ALL, token, id=client_id)
    client = data["client"]
    assert client["name"] == "Aino Asiakas"
    plan = client["plan"]
    assert plan["goals"] == ["Maksusuunnitelma"]
    life = plan["lifeSituation"]
    assert {k: life[k]["summary"] for k in ("economy", "family", "health", "housing")} == {
        "economy": "Vuokrarästejä",
        "family": "Asuu yksin",
        "health": "Uniongelmia",
        "housing": "Irtisanomisen uhka",
    }
    assert life["redactions"] == []
    assert plan["redactions"] == []
    [decision] = [e["node"] for e in client["decisions"]["edges"]]
    assert decision["authority"] == "KELA"
    assert [r["amountCents"] for r in decision["calculation"]] == [55_580, 64_420]
    assert decision["redactions"] == []

    rows = await log_rows(app, "sanna")
    by_category: dict[tuple[str, str], AccessLogEntry] = {}
    for row in rows:
        assert row.client_id.hex == client_id.replace("-", "")
        assert (row.category, row.action) not in by_category, (
            "one row per (request, client, category, decision)"
        )
        by_category[(row.category, row.action)] = row
    for category in (
        "PLAN",
        "LIFE_ECONOMY",
        "LIFE_FAMILY",
        "LIFE_HEALTH",
        "LIFE_HOUSING",
        "KELA_DECISION",
        "KELA_CALCULATION",
    ):
        row = by_category[(category, "READ")]
        assert row.allowed, category
        assert row.basis == "STATUTORY", category
        assert row.policy_rule == f"p, social_worker, {category}, read, STATUTORY"
        assert row.organisation_id == "wc-pirkanmaa"
        assert row.azp == "test-system"
        assert len(row.policy_hash) == 64
    assert len({row.request_id for row in rows}) == 1


async def test_example_2_kela_needs_consent_and_loses_it_on_withdrawal(api, http, app):
    client_id, pid = await resident_with_plan_and_decision(api)
    handler = http.token("kela_handler", org="kela", sub="kaisa")
    client_token = http.token("client", person=pid)

    data = await http.ok(READ_ALL, handler, id=client_id)
    assert_withheld_for_consent(data["client"]["plan"])

    await http.ok(  # a grant needs the client informed first
        'mutation($c: ID!) { recordInformed(clientId: $c, textVersion: "2026-1", channel: "kela.fi") { seq } }',
        client_token,
        c=client_id,
    )
    granted = await http.ok(
        "mutation($input: ConsentGrantInput!) { grantConsent(input: $input) { seq type grantor { kind } } }",
        client_token,
        input={
            "clientId": client_id,
            "granteeId": "kela",
            "categories": ["PLAN", "LIFE_HEALTH"],
            "purpose": "Toimeentulotuki",
        },
    )
    seq = granted["grantConsent"]["seq"]
    assert granted["grantConsent"]["grantor"] == {"kind": "CLIENT"}

    data = await http.ok(READ_ALL, handler, id=client_id)
    life = data["client"]["plan"]["lifeSituation"]
    assert life["health"] == {"summary": "Uniongelmia"}
    assert {"field": "family", "category": "LIFE_FAMILY", "reason": "CONSENT_REQUIRED"} in life[
        "redactions"
    ]
    health_rows = [
        r for r in await log_rows(app, "kaisa") if r.category == "LIFE_HEALTH" and r.allowed
    ]
    assert [(r.basis, r.consent_seq) for r in health_rows] == [("CONSENT", seq)]

    await http.ok(
        'mutation($c: ID!, $s: Int!) { withdrawConsent(clientId: $c, grantSeq: $s, reason: "changed my mind") { type } }',
        client_token,
        c=client_id,
        s=seq,
    )
    data = await http.ok(READ_ALL, handler, id=client_id)
    assert_withheld_for_consent(data["client"]["plan"])


def assert_withheld_for_consent(plan) -> None:
    """``plan.lifeSituation.health``: null, redaction CONSENT_REQUIRED. The plan is a
    container: present (its fields may be had with consent), every field withheld."""
    assert plan["goals"] is None
    assert {"field": "goals", "reason": "CONSENT_REQUIRED"} in plan["redactions"]
    life = plan["lifeSituation"]
    assert life["health"] is None
    assert {"field": "health", "category": "LIFE_HEALTH", "reason": "CONSENT_REQUIRED"} in life[
        "redactions"
    ]
    assert all(life[area] is None for area in ("economy", "family", "health", "housing"))


async def test_example_3_prohibition_beats_the_grant_but_not_the_statute(api, http):
    client_id, pid = await resident_with_plan_and_decision(api)
    await grant(api, client_principal(pid), client_id, "kela", ["PLAN", "LIFE_HEALTH"])
    client_token = http.token("client", person=pid)
    await http.ok(
        "mutation($input: ProhibitionInput!) { prohibitDisclosure(input: $input) { type body } }",
        client_token,
        input={"clientId": client_id, "category": "LIFE_HEALTH"},
    )
    handler = await http.ok(READ_ALL, http.token("kela_handler", org="kela"), id=client_id)
    life = handler["client"]["plan"]["lifeSituation"]
    assert life["health"] is None
    assert {"field": "health", "category": "LIFE_HEALTH", "reason": "CONSENT_REQUIRED"} in life[
        "redactions"
    ]
    worker = await http.ok(READ_ALL, http.token("social_worker", org="wc-pirkanmaa"), id=client_id)
    assert worker["client"]["plan"]["lifeSituation"]["health"] == {"summary": "Uniongelmia"}


async def test_example_4_a_notice_opens_the_client_to_another_county(api, http):
    client_id, pid = await resident_with_plan_and_decision(api)
    await record_decision(
        api, PIRKANMAA_WORKER, client_id, f"pirkanmaa-{pid}", kind="SUPPLEMENTARY"
    )
    lappi = http.token("social_worker", org="wc-lappi")

    response = await http.post(READ_ALL, lappi, {"id": client_id})
    assert response.status_code == 200
    assert response.json() == {"data": {"client": None}}

    await send_notice(api, KELA_HANDLER, client_id, "wc-lappi", "APPLICATION_TRANSFER")
    data = await http.ok(READ_ALL, lappi, id=client_id)
    client = data["client"]
    assert client["name"] == "Aino Asiakas"
    decisions = [e["node"] for e in client["decisions"]["edges"]]
    assert [(d["authority"], d["issuer"]["id"]) for d in decisions] == [("KELA", "kela")]
    [notice] = [e["node"] for e in client["notices"]["edges"]]
    assert notice["type"] == "APPLICATION_TRANSFER"
    assert (notice["sender"]["id"], notice["recipient"]["id"]) == ("kela", "wc-lappi")
    assert notice["redactions"] == []


async def test_example_5_economic_guardian_sees_money_not_the_plan_until_the_end_date(
    api, http, clock
):
    client_id, _ = await resident_with_plan_and_decision(api)
    guardian_pid = personal_id()
    until = clock.now.date() + timedelta(days=10)
    await record_guardianship(
        api, client_id, guardian_pid, "GUARDIAN_ECONOMIC", validUntil=until.isoformat()
    )
    worker = http.token("social_worker", org="wc-pirkanmaa")
    upload = await http.upload(
        worker,
        {"clientId": client_id, "kind": "RENT_AGREEMENT"},
        "vuokrasopimus.pdf",
        b"%PDF-1.4 rent",
    )
    assert upload.status_code == 200
    assert "errors" not in upload.json(), upload.text
    token = http.token("guardian", person=guardian_pid)

    data = await http.ok(READ_ALL, token, id=client_id)
    client = data["client"]
    # The plan is a container: its PLAN fields are NOT_PERMITTED, but the economic
    # guardian sees the life situation's economy and housing, as the matrix allows.
    plan = client["plan"]
    assert plan["goals"] is None
    assert {"field": "goals", "reason": "NOT_PERMITTED"} in plan["redactions"]
    life = plan["lifeSituation"]
    assert life["economy"] == {"summary": "Vuokrarästejä"}
    assert life["housing"] == {"summary": "Irtisanomisen uhka"}
    assert (life["family"], life["health"]) == (None, None)
    assert {"field": "family", "category": "LIFE_FAMILY", "reason": "NOT_PERMITTED"} in life[
        "redactions"
    ]
    assert [e["node"]["authority"] for e in client["decisions"]["edges"]] == ["KELA"]
    assert client["decisions"]["edges"][0]["node"]["calculation"] is not None
    assert [e["node"]["filename"] for e in client["attachments"]["edges"]] == ["vuokrasopimus.pdf"]
    assert client["notices"]["edges"] == []

    clock.advance(days=11)
    response = await http.post(READ_ALL, token, {"id": client_id})
    assert response.json() == {"data": {"client": None}}


async def test_example_5_life_family_is_not_permitted_to_an_economic_guardian(api):
    """No query reaches LifeSituation without the plan, so the decision is asked directly."""
    client_id, _ = await resident_with_plan_and_decision(api)
    guardian_pid = personal_id()
    await record_guardianship(api, client_id, guardian_pid, "GUARDIAN_ECONOMIC")
    ctx = Context.open(api.runtime, guardian_principal(guardian_pid))
    try:
        view = await ctx.loaders.client.load(uuid.UUID(client_id))
        assert view is not None
        assert (
            ctx.guard.decide(view.access, DataCategory.LIFE_FAMILY).reason
            == RedactionReason.NOT_PERMITTED
        )
        assert ctx.guard.decide(view.access, DataCategory.LIFE_ECONOMY).allowed
    finally:
        await ctx.session.close()


async def test_example_6_a_dpo_sees_only_their_organisations_log_rows_and_no_content(
    api, http, app
):
    client_id, _ = await resident_with_plan_and_decision(api)
    await http.ok(READ_ALL, http.token("kela_handler", org="kela", sub="kaisa"), id=client_id)
    await http.ok(
        READ_ALL, http.token("social_worker", org="wc-pirkanmaa", sub="sanna"), id=client_id
    )
    dpo = http.token("dpo", org="kela", sub="tiina")
    data = await http.ok(
        """query($id: ID!) { client(id: $id) {
             name plan { goals } redactions { field reason }
             accessLog(first: 100) { edges { node { subject organisation { id } category allowed basis } } }
           } }""",
        dpo,
        id=client_id,
    )
    client = data["client"]
    # The plan is a container none of whose fields a dpo may know of: null, and (as a row
    # a list leaves out) not among the redactions; the denial is on the log.
    assert client["plan"] is None
    assert "plan" not in {r["field"] for r in client["redactions"]}
    denied = {(r.category, r.reason) for r in await log_rows(app, "tiina") if not r.allowed}
    assert ("PLAN", "NOT_PERMITTED") in denied
    rows = [e["node"] for e in client["accessLog"]["edges"]]
    assert rows, "Kela's own reads are there"
    assert {r["organisation"]["id"] for r in rows} == {"kela"}
    assert "sanna" not in {r["subject"] for r in rows}
    assert "kaisa" in {r["subject"] for r in rows}


EXPLAIN = """query($c: ID!, $o: ID!, $r: Role!, $k: DataCategory!, $at: DateTime) {
  explainAccess(clientId: $c, organisationId: $o, role: $r, category: $k, at: $at) {
    allowed basis reason policyRule consentEventSeq prohibitionEventSeq at relations
  } }"""


async def test_example_7_explain_access_at_any_past_moment_replayed_from_the_ledger(
    api, http, clock
):
    """explainAccess answers the decision, basis, policy rule and the consent or prohibition
    event, for any past moment: the grant that allowed Kela LIFE_HEALTH still explains
    the moment it was valid after a prohibition took it away, and the log row agrees."""
    client_id, pid = await resident_with_plan_and_decision(api)
    me = http.token("client", person=pid)
    seq = await grant(api, client_principal(pid), client_id, "kela", ["PLAN", "LIFE_HEALTH"])
    clock.advance(minutes=5)
    read_at = clock.now
    await http.ok(READ_ALL, http.token("kela_handler", org="kela", sub="kaisa"), id=client_id)
    clock.advance(minutes=5)
    prohibited = await http.ok(
        "mutation($input: ProhibitionInput!) { prohibitDisclosure(input: $input) { seq } }",
        me,
        input={"clientId": client_id, "category": "LIFE_HEALTH"},
    )
    clock.advance(minutes=5)
    asked = {"c": client_id, "o": "kela", "r": "kela_handler", "k": "LIFE_HEALTH"}

    then = (await http.ok(EXPLAIN, me, **asked, at=read_at.isoformat()))["explainAccess"]
    assert then == {
        "allowed": True,
        "basis": "CONSENT",
        "reason": None,
        "policyRule": "p, kela_handler, LIFE_HEALTH, read, CONSENT",
        "consentEventSeq": seq,
        "prohibitionEventSeq": None,
        "at": read_at.isoformat(),
        "relations": ["KELA"],
    }
    now = (await http.ok(EXPLAIN, me, **asked))["explainAccess"]
    assert (now["allowed"], now["basis"], now["reason"]) == (False, None, "CONSENT_REQUIRED")
    assert now["prohibitionEventSeq"] == prohibited["prohibitDisclosure"]["seq"]
    assert now["consentEventSeq"] is None
    assert now["at"] == clock.now.isoformat()

    # The access-log row of the read at that moment replays to what it logged.
    log = await http.ok(
        "query($c: ID!) { accessLog(clientId: $c, category: LIFE_HEALTH, allowed: true) {"
        " edges { node { id subject consentSeq } } } }",
        me,
        c=client_id,
    )
    [row] = [e["node"] for e in log["accessLog"]["edges"]]
    assert (row["subject"], row["consentSeq"]) == ("kaisa", seq)
    replayed = await http.ok(
        "query($id: ID!) { explainAccessLogEntry(id: $id) { agrees differences"
        " replay { allowed basis consentEventSeq } } }",
        me,
        id=row["id"],
    )
    assert replayed["explainAccessLogEntry"] == {
        "agrees": True,
        "differences": [],
        "replay": {"allowed": True, "basis": "CONSENT", "consentEventSeq": seq},
    }
