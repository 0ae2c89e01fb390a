"""Explaining an access (issue 6, item 6): ``explainAccess`` for any past moment, replayed
from the ledger and the client's history as they stood then, under the policy in force
then; ``explainAccessLogEntry`` replays one logged decision and says whether it agrees.
Who may ask, and that asking is logged."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from schema.models import AccessLogEntry
from tests.factories import (
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    guardian_principal,
    personal_id,
    record_guardianship,
    register,
    save_plan,
)
from tests.support import Api, principal

EXPLAIN = """query($c: ID!, $o: ID!, $r: Role!, $k: DataCategory!, $at: DateTime, $g: ID, $own: Boolean) {
  explainAccess(clientId: $c, organisationId: $o, role: $r, category: $k, at: $at,
                guardianshipId: $g, own: $own) {
    allowed basis reason policyRule consentEventSeq prohibitionEventSeq at
    relations subjects clientRegistered protectedIdentity organiser { id }
    relationships { id } guardianships noticeParty factsRecorded ledgerEvents
    policySha256 policySince policyRecorded own roles category action
  } }"""
ENTRY = """query($id: ID!) { explainAccessLogEntry(id: $id) {
  agrees replayable differences notes
  entry { id category action allowed basis subject }
  replay { allowed basis reason policyRule consentEventSeq prohibitionEventSeq relations
           subjects guardianships policySha256 own }
} }"""
WITHDRAW = "mutation($c: ID!, $s: Int!) { withdrawConsent(clientId: $c, grantSeq: $s) { seq } }"
UPDATE = (
    "mutation($id: ID!, $input: UpdateClientInput!) { updateClient(id: $id, input: $input) { id } }"
)
READ = "query($id: ID!) { client(id: $id) { name address plan { goals lifeSituation { economy { summary } } } } }"
KELA_DPO = principal("dpo", "kela")


async def explain(api: Api, who: Any, client_id: str, **asked: Any) -> dict[str, Any]:
    variables = {"c": client_id, "at": None, "g": None, "own": None} | asked
    return dict((await api.ok(who, EXPLAIN, **variables))["explainAccess"])


async def rows_of(api: Api, subject: str, category: str | None = None) -> list[AccessLogEntry]:
    async with api.runtime.sessions() as session:
        query = select(AccessLogEntry).where(AccessLogEntry.subject == subject)
        if category is not None:
            query = query.where(AccessLogEntry.category == category)
        return list(await session.scalars(query.order_by(AccessLogEntry.id)))


async def replayed(api: Api, who: Any, entry: AccessLogEntry) -> dict[str, Any]:
    return dict((await api.ok(who, ENTRY, id=str(entry.id)))["explainAccessLogEntry"])


async def client_with_plan(api: Api) -> tuple[str, str]:
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await save_plan(api, client_id)
    return client_id, pid


async def test_a_grant_withdrawn_later_still_explains_the_access_it_allowed(api, clock):
    client_id, pid = await client_with_plan(api)
    me = client_principal(pid)
    seq = await grant(api, me, client_id, "kela", ["PLAN", "LIFE_ECONOMY"])
    clock.advance(minutes=10)
    read_at = clock.now
    await api.ok(KELA_HANDLER, READ, id=client_id)
    clock.advance(hours=1)
    await api.ok(me, WITHDRAW, c=client_id, s=seq)
    clock.advance(minutes=10)

    asked = {"o": "kela", "r": "kela_handler", "k": "LIFE_ECONOMY"}
    then = await explain(api, me, client_id, **asked, at=read_at.isoformat())
    assert (then["allowed"], then["basis"], then["consentEventSeq"]) == (True, "CONSENT", seq)
    assert then["policyRule"] == "p, kela_handler, LIFE_ECONOMY, read, CONSENT"
    assert then["ledgerEvents"] == 2  # INFORMED and the GRANT; not yet the WITHDRAW
    now = await explain(api, me, client_id, **asked)
    assert (now["allowed"], now["reason"], now["consentEventSeq"]) == (
        False,
        "CONSENT_REQUIRED",
        None,
    )
    assert now["ledgerEvents"] == 3
    before_the_grant = await explain(
        api, me, client_id, **asked, at=(read_at - timedelta(minutes=20)).isoformat()
    )
    assert before_the_grant["allowed"] is False

    [row] = await rows_of(api, KELA_HANDLER.subject, "LIFE_ECONOMY")
    found = await replayed(api, me, row)
    assert (found["agrees"], found["differences"]) == (True, [])
    assert found["replay"]["consentEventSeq"] == seq


async def test_an_ended_guardianship_explains_a_past_access(api, clock):
    client_id, _ = await client_with_plan(api)
    parent = personal_id()
    until = (clock.now + timedelta(days=2)).date()
    made = await record_guardianship(
        api, client_id, parent, "GUARDIAN_ECONOMIC", validUntil=until.isoformat()
    )
    guardian = guardian_principal(parent)
    read_at = clock.now
    assert (await api.ok(guardian, READ, id=client_id))["client"]["name"] == "Aino Asiakas"
    clock.advance(days=5)
    assert (await api.ok(guardian, READ, id=client_id))["client"] is None

    asked = {"o": "kela", "r": "guardian", "k": "LIFE_ECONOMY", "g": made["id"]}
    me = client_principal(await personal_id_of(api, client_id))
    then = await explain(api, me, client_id, **asked, at=read_at.isoformat())
    assert (then["allowed"], then["basis"]) == (True, "GUARDIANSHIP")
    assert (then["relations"], then["subjects"]) == (["GUARDIAN"], ["guardian:ECON"])
    assert then["guardianships"] == ["GUARDIAN_ECONOMIC"]
    assert then["policyRule"] == "p, guardian:ECON, LIFE_ECONOMY, read, GUARDIANSHIP"
    now = await explain(api, me, client_id, **asked)
    assert (now["allowed"], now["reason"], now["relations"]) == (False, "NOT_PERMITTED", [])
    family = await explain(
        api, me, client_id, **(asked | {"k": "LIFE_FAMILY"}), at=read_at.isoformat()
    )
    assert (family["allowed"], family["policyRule"]) == (
        False,
        "p, guardian:ECON, LIFE_FAMILY, read, DENY",
    )

    rows = await rows_of(api, guardian.subject)
    assert {r.subjects for r in rows} == {"guardian:ECON"}
    for row in rows:
        found = await replayed(api, me, row)
        assert found["agrees"], (row.category, found)
        assert found["replay"]["guardianships"] == ["GUARDIAN_ECONOMIC"]


async def personal_id_of(api: Api, client_id: str) -> str:
    data = await api.ok(
        PIRKANMAA_WORKER, "query($id: ID!) { client(id: $id) { personalId } }", id=client_id
    )
    return str(data["client"]["personalId"])


async def test_a_relationship_opened_after_the_moment_explains_nothing_before_it(api, clock):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    clock.advance(hours=1)
    before = clock.now
    clock.advance(hours=1)
    await register(api, LAPPI_WORKER, personalId=pid, organiserId="wc-lappi")
    me = client_principal(pid)
    asked = {"o": "wc-lappi", "r": "social_worker", "k": "IDENTITY"}

    then = await explain(api, me, client_id, **asked, at=before.isoformat())
    assert (then["allowed"], then["reason"], then["relations"]) == (False, "NOT_PERMITTED", [])
    assert [o["id"] for o in then["relationships"]] == ["wc-pirkanmaa"]
    now = await explain(api, me, client_id, **asked)
    assert (now["allowed"], now["basis"], now["relations"]) == (True, "STATUTORY", ["COUNTY"])
    assert [o["id"] for o in now["relationships"]] == ["wc-lappi", "wc-pirkanmaa"]
    ahead = await explain(api, me, client_id, **asked, at=(before - timedelta(days=1)).isoformat())
    assert ahead["clientRegistered"] is False
    assert ahead["relations"] == []

    # The registration row that opened it replays to the REGISTRATION basis.
    [opened] = [r for r in await rows_of(api, LAPPI_WORKER.subject) if r.action == "WRITE"]
    found = await replayed(api, me, opened)
    assert found["agrees"], found
    assert (found["entry"]["basis"], found["replay"]["basis"]) == ("REGISTRATION", "REGISTRATION")


async def test_protected_identity_is_explained_from_its_history(api, clock):
    client_id, pid = await client_with_plan(api)
    clock.advance(minutes=5)
    open_at = clock.now
    await api.ok(KELA_HANDLER, READ, id=client_id)
    clock.advance(minutes=5)
    await api.ok(PIRKANMAA_WORKER, UPDATE, id=client_id, input={"protectedIdentity": True})
    clock.advance(minutes=5)
    await api.ok(KELA_HANDLER, READ, id=client_id)
    me = client_principal(pid)
    asked = {"o": "kela", "r": "kela_handler", "k": "CONTACT"}

    then = await explain(api, me, client_id, **asked, at=open_at.isoformat())
    assert (then["allowed"], then["protectedIdentity"], then["factsRecorded"]) == (
        True,
        False,
        True,
    )
    now = await explain(api, me, client_id, **asked)
    assert (now["allowed"], now["reason"], now["protectedIdentity"]) == (
        False,
        "PROTECTED_IDENTITY",
        True,
    )
    contact = await rows_of(api, KELA_HANDLER.subject, "CONTACT")
    assert [(r.allowed, r.reason) for r in contact] == [(True, None), (False, "PROTECTED_IDENTITY")]
    for row in contact:
        assert (await replayed(api, me, row))["agrees"]


async def test_who_may_ask_and_that_asking_is_logged(api):
    client_id, pid = await client_with_plan(api)
    asked = {"o": "kela", "r": "kela_handler", "k": "PLAN"}
    variables = {"c": client_id, "at": None, "g": None, "own": None} | asked
    await api.fails(KELA_HANDLER, EXPLAIN, "FORBIDDEN", **variables)
    await api.fails(LAPPI_WORKER, EXPLAIN, "NOT_FOUND", **variables)
    # A dpo explains its own organisation's accesses only.
    assert (await explain(api, KELA_DPO, client_id, **asked))["allowed"] is False
    await api.fails(principal("dpo", "wc-lappi"), EXPLAIN, "FORBIDDEN", **variables)
    county = {"o": "wc-pirkanmaa", "r": "social_worker", "k": "PLAN"}
    assert (await explain(api, principal("dpo", "wc-pirkanmaa"), client_id, **county))["allowed"]
    # The client explains anyone's access to themself; a role an organisation cannot hold
    # is bad input.
    me = client_principal(pid)
    assert (await explain(api, me, client_id, **county))["basis"] == "STATUTORY"
    await api.fails(
        me, EXPLAIN, "BAD_USER_INPUT", **(variables | {"o": "wc-lappi", "r": "kela_handler"})
    )
    future = variables | {"at": "2999-01-01T00:00:00Z"}
    await api.fails(me, EXPLAIN, "BAD_USER_INPUT", **future)
    logged = await rows_of(api, KELA_DPO.subject, "ACCESS_LOG")
    assert [(r.allowed, r.basis, r.action) for r in logged] == [(True, "STATUTORY", "READ")]
    refused = await rows_of(api, KELA_HANDLER.subject, "ACCESS_LOG")
    assert [(r.allowed, r.reason) for r in refused] == [(False, "NOT_PERMITTED")]


async def test_a_dpo_explains_its_organisations_log_rows_and_no_others(api):
    client_id, _ = await client_with_plan(api)
    await api.ok(KELA_HANDLER, READ, id=client_id)
    await api.ok(PIRKANMAA_WORKER, READ, id=client_id)
    [kela_row] = await rows_of(api, KELA_HANDLER.subject, "PLAN")
    county_row = next(
        r for r in await rows_of(api, PIRKANMAA_WORKER.subject, "PLAN") if r.action == "READ"
    )
    found = await replayed(api, KELA_DPO, kela_row)
    assert found["agrees"]
    assert found["replay"]["reason"] == "CONSENT_REQUIRED"
    out = await api.ok(KELA_DPO, ENTRY, id=str(county_row.id))
    assert out["explainAccessLogEntry"] is None
    out = await api.ok(KELA_HANDLER, ENTRY, id=str(kela_row.id))
    assert out["explainAccessLogEntry"] is None
    await api.fails(KELA_DPO, ENTRY, "BAD_USER_INPUT", id="not-a-row")
    # Beyond a bigint, or not positive: no row can have it, and the database is not asked.
    for id_ in (str(2**63), "-1", "0"):
        await api.fails(KELA_DPO, ENTRY, "BAD_USER_INPUT", id=id_)


# ---- a policy reload between then and now ------------------------------------------------

CONSENT_LINE = "p, kela_handler, PLAN, read, CONSENT"
STATUTORY_LINE = "p, kela_handler, PLAN, read, STATUTORY"


async def test_a_policy_reload_between_then_and_now(policy_api, policy_file, clock):
    api = policy_api
    client_id, pid = await client_with_plan(api)
    clock.advance(minutes=5)
    before = clock.now
    await api.ok(KELA_HANDLER, READ, id=client_id)
    old_sha = api.runtime.policy.sha256
    clock.advance(minutes=5)
    policy_file.write_text(
        policy_file.read_text(encoding="utf-8").replace(CONSENT_LINE, STATUTORY_LINE),
        encoding="utf-8",
    )
    reloaded = await api.ok(KELA_DPO, "mutation { reloadPolicy { sha256 changed } }")
    assert reloaded["reloadPolicy"]["changed"] is True
    clock.advance(minutes=5)
    await api.ok(KELA_HANDLER, READ, id=client_id)
    me = client_principal(pid)
    asked = {"o": "kela", "r": "kela_handler", "k": "PLAN"}

    then = await explain(api, me, client_id, **asked, at=before.isoformat())
    assert (then["allowed"], then["reason"], then["policyRule"]) == (
        False,
        "CONSENT_REQUIRED",
        CONSENT_LINE,
    )
    assert (then["policySha256"], then["policyRecorded"]) == (old_sha, True)
    now = await explain(api, me, client_id, **asked)
    assert (now["allowed"], now["basis"], now["policyRule"]) == (True, "STATUTORY", STATUTORY_LINE)
    assert now["policySha256"] == reloaded["reloadPolicy"]["sha256"]

    rows = await rows_of(api, KELA_HANDLER.subject, "PLAN")
    assert [r.allowed for r in rows] == [False, True]
    for row in rows:
        found = await replayed(api, me, row)
        assert found["agrees"], found
        assert found["replay"]["policySha256"] == row.policy_hash
