"""The access log and the cost of deciding: one log INSERT per request, one consent-state
query per batch of clients, Casbin asked once per key, not per field per row."""

import contextlib
from collections.abc import Iterator

from sqlalchemy import event, select

from schema.models import AccessLogEntry
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    PLAN_INPUT,
    SAVE_PLAN,
    client_principal,
    grant,
    guardian_principal,
    personal_id,
    record_decision,
    record_guardianship,
    register,
    save_plan,
)
from tests.support import principal

# Within the default query cost (graph/cost.py): pages of 10 clients and 5 decisions.
WIDE = """
query($first: Int) { clients(first: $first) { edges { node {
  id name personalId address phone email redactions { field reason }
  plan { goals lifeSituation { economy { summary } health { summary } } }
  decisions(first: 5) { edges { node { authority grounds calculation { amountCents } redactions { field reason } } } }
  consents { seq }
} } } }
"""


@contextlib.contextmanager
def statements(api) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = api.runtime.engine.sync_engine

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def rows_of(api, subject: str) -> list[AccessLogEntry]:
    async with api.runtime.sessions() as session:
        return list(
            await session.scalars(select(AccessLogEntry).where(AccessLogEntry.subject == subject))
        )


async def clients_with_records(api, n: int) -> list[str]:
    ids = []
    for i in range(n):
        client_id = await register(api)
        await save_plan(api, client_id)
        await record_decision(api, KELA_HANDLER, client_id, f"K-{i}-{client_id}")
        ids.append(client_id)
    return ids


async def test_one_insert_and_one_consent_query_per_response(api):
    await clients_with_records(api, 6)
    who = principal("kela_handler", "kela")
    with statements(api) as seen:
        data = await api.ok(who, WIDE, first=10)
    assert len(data["clients"]["edges"]) == 6
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT INTO ACCESS_LOG")]
    assert len(inserts) == 1
    consent_queries = [s for s in seen if "FROM consent_rules" in s]
    assert len(consent_queries) == 1
    assert len(seen) < 20, seen
    rows = await rows_of(api, who.subject)
    assert len(rows) == len(
        {(r.client_id, r.category, r.allowed, r.basis, r.consent_seq) for r in rows}
    )
    assert len({r.client_id for r in rows}) == 6


async def test_casbin_is_asked_per_key_not_per_field_or_row(api):
    await clients_with_records(api, 3)
    policy = api.runtime.policy
    who = principal("kela_advisor", "kela")
    await api.ok(who, WIDE, first=10)
    after_first = policy.enforcer_calls
    await clients_with_records(api, 5)
    await api.ok(who, WIDE, first=10)
    assert policy.enforcer_calls == after_first, "more rows ask Casbin nothing new"
    assert after_first <= 18 * 4


async def test_denials_are_logged_with_their_reason(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await save_plan(api, client_id)
    who = principal("kela_handler", "kela")
    await api.ok(who, "query($id: ID!) { client(id: $id) { plan { goals } } }", id=client_id)
    [row] = [r for r in await rows_of(api, who.subject) if r.category == "PLAN"]
    assert (row.allowed, row.reason, row.basis) == (False, "CONSENT_REQUIRED", None)
    assert row.policy_rule == "p, kela_handler, PLAN, read, CONSENT"
    seq = await grant(api, client_principal(pid), client_id, "kela", ["PLAN"])
    await api.ok(who, "query($id: ID!) { client(id: $id) { plan { goals } } }", id=client_id)
    allowed = [r for r in await rows_of(api, who.subject) if r.category == "PLAN" and r.allowed]
    assert [(r.basis, r.consent_seq) for r in allowed] == [("CONSENT", seq)]


async def test_a_refused_write_is_logged_though_it_is_rolled_back(api):
    client_id = await register(api)
    await api.fails(KELA_HANDLER, SAVE_PLAN, "FORBIDDEN", clientId=client_id, input=PLAN_INPUT)
    [row] = [r for r in await rows_of(api, KELA_HANDLER.subject) if r.action == "WRITE"]
    assert (row.category, row.allowed, row.reason) == ("PLAN", False, "NOT_PERMITTED")
    assert row.policy_rule is None  # no policy line lets Kela save plans


async def test_who_reads_the_clients_own_access_log(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    parent = personal_id()
    await record_guardianship(api, client_id, parent, "GUARDIAN_FULL")
    await api.ok(PIRKANMAA_WORKER, "query($id: ID!) { client(id: $id) { name } }", id=client_id)
    query = "query($id: ID!) { client(id: $id) { accessLog(first: 100) { edges { node { subject organisation { id } category action allowed basis policyRule policyHash } } } redactions { field reason } } }"
    mine = (await api.ok(client_principal(pid), query, id=client_id))["client"]["accessLog"][
        "edges"
    ]
    assert any(
        e["node"]["subject"] == PIRKANMAA_WORKER.subject and e["node"]["category"] == "IDENTITY"
        for e in mine
    )
    assert (await api.ok(guardian_principal(parent), query, id=client_id))["client"][
        "accessLog"
    ] is not None
    kela = (await api.ok(KELA_HANDLER, query, id=client_id))["client"]
    assert kela["accessLog"] is None
    assert {"field": "accessLog", "reason": "NOT_PERMITTED"} in kela["redactions"]
    reads = [
        r for r in await rows_of(api, client_principal(pid).subject) if r.category == "ACCESS_LOG"
    ]
    assert [(r.allowed, r.basis) for r in reads] == [(True, "SELF")]


async def test_access_log_pages_newest_first(api):
    client_id = await register(api)
    for _ in range(3):
        await api.ok(PIRKANMAA_WORKER, "query($id: ID!) { client(id: $id) { name } }", id=client_id)
    dpo = principal("dpo", "wc-pirkanmaa")
    query = "query($id: ID!, $after: String) { client(id: $id) { accessLog(first: 2, after: $after) { edges { node { id at } } pageInfo { hasNextPage endCursor } } } }"
    page = (await api.ok(dpo, query, id=client_id))["client"]["accessLog"]
    ids = [int(e["node"]["id"]) for e in page["edges"]]
    assert ids == sorted(ids, reverse=True)
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await api.ok(dpo, query, id=client_id, after=page["pageInfo"]["endCursor"]))["client"][
        "accessLog"
    ]
    assert all(int(e["node"]["id"]) < ids[-1] for e in rest["edges"])
