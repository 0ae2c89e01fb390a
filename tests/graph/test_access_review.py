"""Reviewing the access log (issue 6, item 8): ``Query.accessLog`` across clients for a
dpo, a client and a guardian, filtered and paged newest first with stable cursors, in a
number of statements that does not grow with the page; ``accessSummary`` with the
signals a dpo looks for; and a dpo's lookup by personal identity code for a
subject-access request (item 9)."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from starlette.applications import Starlette

from graph.app import create_app
from graph.settings import Settings
from ledger.access_review import bursts_of
from schema.models import AccessLogEntry
from tests.factories import (
    KELA_ADVISOR,
    KELA_HANDLER,
    LAPPI_WORKER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    guardian_principal,
    inform,
    personal_id,
    record_guardianship,
    register,
    save_plan,
)
from tests.support import Api, Clock, principal

KELA_DPO = principal("dpo", "kela")
PIRKANMAA_DPO = principal("dpo", "wc-pirkanmaa")
LAPPI_DPO = principal("dpo", "wc-lappi")
LOG = """query($c: ID, $o: ID, $from: DateTime, $to: DateTime, $first: Int, $after: String,
  $allowed: Boolean, $category: DataCategory, $action: AccessAction, $basis: Basis) {
  accessLog(clientId: $c, organisationId: $o, from: $from, to: $to, first: $first,
            after: $after, allowed: $allowed, category: $category, action: $action,
            basis: $basis) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id at subject organisation { id } category action allowed basis
                   consentSeq prohibitionSeq redactions { field reason } } }
  } }"""
READ = "query($id: ID!) { client(id: $id) { name plan { goals } } }"
SUMMARY = """query($from: DateTime!, $to: DateTime!) { accessSummary(from: $from, to: $to) {
  from to tallies { organisation { id } category allowed denied }
  registrations { clientId organisation { id } openedAt openedBy purpose }
  selfRecordedConsents { clientId seq eventId grantee { id } categories recordedAt withdrawnAt }
  denialBursts { subject organisation { id } start end denials clients }
  protectedIdentityReads { clientId subject organisation { id } requests first last }
} }"""
LOOKUP = """query($p: String!) { clientForSubjectAccess(personalId: $p) {
  id name personalId redactions { field reason } } }"""


def log_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in data["accessLog"]["edges"]]


async def listed(api: Api, who: Any, **variables: Any) -> dict[str, Any]:
    return dict((await api.ok(who, LOG, **variables))["accessLog"])


async def every_row(api: Api) -> list[AccessLogEntry]:
    async with api.runtime.sessions() as session:
        return list(await session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)))


@contextlib.contextmanager
def statements(api: Api) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = api.runtime.engine.sync_engine

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_dpo_lists_its_organisations_rows_across_clients(api, clock):
    clients = [await register(api) for _ in range(3)]
    for client_id in clients:
        await save_plan(api, client_id)
        await api.ok(KELA_HANDLER, READ, id=client_id)
        await api.ok(PIRKANMAA_WORKER, READ, id=client_id)
        clock.advance(minutes=1)
    kela = await listed(api, KELA_DPO, first=100)
    rows = kela["edges"]
    assert {r["node"]["organisation"]["id"] for r in rows} == {"kela"}
    ids = [int(r["node"]["id"]) for r in rows]
    assert ids == sorted(ids, reverse=True)
    assert kela["totalCount"] == len(rows) == 3 * 2  # IDENTITY and PLAN for each client
    assert all(r["node"]["redactions"] == [] for r in rows)
    county = await listed(api, PIRKANMAA_DPO, first=100)
    assert {r["node"]["organisation"]["id"] for r in county["edges"]} == {"wc-pirkanmaa"}

    # Paging newest first: the pages join up to the whole list as it was when the first
    # was read, whatever is added meanwhile (the dpo's own reads of the log among it).
    before = [r.id for r in await every_row(api) if r.organisation_id == "kela"]
    first = await listed(api, KELA_DPO, first=4)
    assert first["pageInfo"]["hasNextPage"] is True
    await api.ok(KELA_HANDLER, READ, id=clients[0])  # newer rows do not shift the pages
    rest = await listed(api, KELA_DPO, first=100, after=first["pageInfo"]["endCursor"])
    paged = [int(e["node"]["id"]) for e in first["edges"] + rest["edges"]]
    assert paged == sorted(before, reverse=True)
    assert rest["pageInfo"]["hasNextPage"] is False
    assert KELA_DPO.subject in {e["node"]["subject"] for e in first["edges"]}


async def test_filters(api, clock):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    other = await register(api)
    await save_plan(api, client_id)
    start = clock.now
    clock.advance(minutes=5)
    middle = clock.now
    await api.ok(KELA_HANDLER, READ, id=client_id)
    await api.ok(KELA_HANDLER, READ, id=other)
    clock.advance(minutes=5)
    await grant(api, client_principal(pid), client_id, "kela", ["PLAN"])
    await api.ok(KELA_HANDLER, READ, id=client_id)
    end = clock.now

    async def handler(**variables: Any) -> list[tuple[str, bool, str | None]]:
        """The Kela handler's rows the filters select (the dpo's own reads of the log are
        Kela's rows too, and grow with every query)."""
        out = await listed(api, KELA_DPO, first=100, **variables)
        return [
            (n["node"]["category"], n["node"]["allowed"], n["node"]["basis"])
            for n in out["edges"]
            if n["node"]["subject"] == KELA_HANDLER.subject
        ]

    assert len(await handler()) == 5  # IDENTITY and PLAN twice, IDENTITY of the other
    assert len(await handler(c=client_id)) == 4
    assert await handler(allowed=False) == [("PLAN", False, None)], "the plan before the grant"
    assert await handler(basis="CONSENT") == [("PLAN", True, "CONSENT")]
    assert len(await handler(category="IDENTITY")) == 3
    assert await handler(action="WRITE") == []
    window = await handler(**{"from": middle.isoformat(), "to": end.isoformat()})
    assert len(window) == 3, "the second read of the client is at the end: excluded"
    assert await handler(to=start.isoformat()) == []
    assert (await listed(api, KELA_DPO, o="wc-pirkanmaa"))["totalCount"] == 0
    own = await listed(api, client_principal(pid), o="wc-pirkanmaa", action="WRITE")
    assert {(n["node"]["category"], n["node"]["basis"]) for n in own["edges"]} == {
        ("IDENTITY", "REGISTRATION"),
        ("PLAN", "OWN"),
    }
    out = await api.run(KELA_DPO, LOG, **{"from": end.isoformat(), "to": start.isoformat()})
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]


async def test_the_client_and_a_full_guardian_see_everything_about_the_client(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    other = await register(api)
    full, econ = personal_id(), personal_id()
    await record_guardianship(api, client_id, full, "GUARDIAN_FULL")
    await record_guardianship(api, client_id, econ, "GUARDIAN_ECONOMIC")
    await api.ok(KELA_HANDLER, READ, id=client_id)
    await api.ok(KELA_HANDLER, READ, id=other)
    about = {str(r.id) for r in await every_row(api) if str(r.client_id) == client_id}
    mine = await listed(api, client_principal(pid), first=100)
    assert {n["node"]["id"] for n in mine["edges"]} >= about
    assert {
        n["node"]["organisation"]["id"] for n in mine["edges"] if n["node"]["organisation"]
    } >= {
        "kela",
        "wc-pirkanmaa",
    }
    ward = await listed(api, guardian_principal(full), first=100)
    assert {n["node"]["id"] for n in ward["edges"]} >= about
    assert all(
        str(r.client_id) == client_id
        for r in await every_row(api)
        if str(r.id) in {n["node"]["id"] for n in ward["edges"]}
    )
    # ACCESS_LOG is DENY for an economic guardian and for staff: nothing across clients,
    # and nothing of a client they may not read the log of.
    assert (await listed(api, guardian_principal(econ)))["edges"] == []
    assert (await listed(api, KELA_HANDLER))["edges"] == []
    assert (await listed(api, KELA_HANDLER, c=client_id))["edges"] == []
    assert (await listed(api, LAPPI_WORKER, c=client_id))["edges"] == []
    assert (await listed(api, KELA_DPO, c="not-an-id"))["edges"] == []


async def test_registrations_of_its_clients_by_others_reach_the_dpo(api, clock):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    clock.advance(minutes=1)
    await register(api, LAPPI_WORKER, personalId=pid, organiserId="wc-lappi", purpose="Uusi")
    seen = await listed(api, PIRKANMAA_DPO, basis="REGISTRATION")
    assert {(n["node"]["organisation"]["id"], n["node"]["subject"]) for n in seen["edges"]} == {
        ("wc-pirkanmaa", PIRKANMAA_WORKER.subject),
        ("wc-lappi", LAPPI_WORKER.subject),
    }
    assert (await listed(api, KELA_DPO, basis="REGISTRATION"))["edges"] == []
    summary = (await api.ok(PIRKANMAA_DPO, SUMMARY, **period(clock)))["accessSummary"]
    [opened] = summary["registrations"]
    assert (opened["clientId"], opened["organisation"]["id"], opened["purpose"]) == (
        client_id,
        "wc-lappi",
        "Uusi",
    )
    lappi = (await api.ok(LAPPI_DPO, SUMMARY, **period(clock)))["accessSummary"]
    assert [o["clientId"] for o in lappi["registrations"]] == [client_id]
    kela = (await api.ok(KELA_DPO, SUMMARY, **period(clock)))["accessSummary"]
    assert kela["registrations"] == []


def period(clock: Clock) -> dict[str, str]:
    return {
        "from": (clock.now - timedelta(days=1)).isoformat(),
        "to": (clock.now + timedelta(days=1)).isoformat(),
    }


async def test_page_size_does_not_change_the_statements(api):
    clients = [await register(api) for _ in range(12)]
    for client_id in clients:
        await save_plan(api, client_id)
        await api.ok(KELA_HANDLER, READ, id=client_id)
    counts = []
    for first in (2, 10, 24):
        with statements(api) as seen:
            out = await listed(api, KELA_DPO, first=first)
        assert len(out["edges"]) == first
        counts.append(len(seen))
    assert len(set(counts)) == 1, counts


async def test_the_summary_counts_per_organisation_and_category(api, clock):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    await save_plan(api, client_id)
    for _ in range(2):
        await api.ok(KELA_HANDLER, READ, id=client_id)
    await api.ok(KELA_ADVISOR, READ, id=client_id)
    summary = (await api.ok(KELA_DPO, SUMMARY, **period(clock)))["accessSummary"]
    tallies = {
        (t["organisation"]["id"], t["category"]): (t["allowed"], t["denied"])
        for t in summary["tallies"]
    }
    # one row per request, client and category: three requests read IDENTITY and PLAN
    assert tallies == {("kela", "IDENTITY"): (3, 0), ("kela", "PLAN"): (0, 3)}
    assert summary["denialBursts"] == [], "under the default threshold"
    await api.fails(KELA_HANDLER, SUMMARY, "FORBIDDEN", **period(clock))
    await api.fails(client_principal(pid), SUMMARY, "FORBIDDEN", **period(clock))
    out = await api.run(
        KELA_DPO, SUMMARY, **{"from": clock.now.isoformat(), "to": clock.now.isoformat()}
    )
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]


async def test_self_recorded_consents_and_protected_reads_are_signalled_and_logged(api, clock):
    pid = personal_id()
    client_id = await register(api, personalId=pid, protectedIdentity=True)
    await inform(api, KELA_HANDLER, client_id)
    recorded = await api.ok(
        KELA_HANDLER,
        "mutation($input: ConsentGrantInput!) { grantConsent(input: $input) { id seq } }",
        input={
            "clientId": client_id,
            "granteeId": "kela",
            "categories": ["PLAN"],
            "purpose": "Toimeentulotuki",
            "method": "ORAL",
            "note": "Asiakas antoi suostumuksen puhelimessa",
        },
    )
    await grant(api, client_principal(pid), client_id, "kela", ["LIFE_ECONOMY"])
    await api.ok(KELA_HANDLER, READ, id=client_id)
    summary = (await api.ok(KELA_DPO, SUMMARY, **period(clock)))["accessSummary"]
    [signal] = summary["selfRecordedConsents"]
    assert (signal["clientId"], signal["seq"], signal["eventId"]) == (
        client_id,
        recorded["grantConsent"]["seq"],
        recorded["grantConsent"]["id"],
    )
    assert (signal["grantee"]["id"], signal["categories"], signal["withdrawnAt"]) == (
        "kela",
        ["PLAN"],
        None,
    )
    [read] = summary["protectedIdentityReads"]
    assert (read["clientId"], read["subject"], read["requests"]) == (
        client_id,
        KELA_HANDLER.subject,
        3,  # the answers of INFORMED and of the grant (their fields), and the read
    )
    assert (await api.ok(LAPPI_DPO, SUMMARY, **period(clock)))["accessSummary"][
        "selfRecordedConsents"
    ] == []
    named = [
        (r.category, r.allowed, r.basis)
        for r in await every_row(api)
        if r.subject == KELA_DPO.subject
    ]
    assert sorted(named) == [("ACCESS_LOG", True, "STATUTORY"), ("CONSENT", True, "STATUTORY")]


@pytest.fixture
async def bursty(settings: Settings, clock: Clock) -> AsyncIterator[Api]:
    app: Starlette = create_app(
        replace(settings, audit_burst_denials=3, audit_burst_seconds=120), clock=clock
    )
    async with app.router.lifespan_context(app):
        yield Api(app)


async def test_a_burst_of_denials(bursty, clock):
    api = bursty
    clients = [await register(api) for _ in range(4)]
    for client_id in clients:
        await save_plan(api, client_id)
    for client_id in clients[:3]:
        await api.ok(KELA_ADVISOR, READ, id=client_id)
        clock.advance(seconds=20)
    clock.advance(minutes=10)
    await api.ok(KELA_ADVISOR, READ, id=clients[3])  # alone, long after: no burst
    [burst] = (await api.ok(KELA_DPO, SUMMARY, **period(clock)))["accessSummary"]["denialBursts"]
    assert (burst["subject"], burst["organisation"]["id"], burst["denials"], burst["clients"]) == (
        KELA_ADVISOR.subject,
        "kela",
        3,
        3,
    )


def test_bursts_merge_overlapping_windows_and_count_each_denial_once():
    t0 = Clock().now
    a, b = uuid.uuid4(), uuid.uuid4()
    denials = [
        (t0 + timedelta(seconds=s), c) for s, c in ((0, a), (10, b), (20, a), (25, b), (200, a))
    ]
    [burst] = bursts_of("s", "kela", denials, 3, timedelta(seconds=30))
    assert (burst.start, burst.end, burst.denials, burst.clients) == (t0, denials[3][0], 4, {a, b})
    assert bursts_of("s", "kela", denials, 5, timedelta(seconds=30)) == []
    two = bursts_of("s", None, denials, 1, timedelta(seconds=5))
    assert [(x.denials, len(x.clients)) for x in two] == [(1, 1)] * 5


async def test_a_dpo_finds_a_client_by_code_without_it_echoed(api):
    pid = personal_id()
    client_id = await register(api, personalId=pid)
    out = await api.ok(KELA_DPO, LOOKUP, p=pid)
    found = out["clientForSubjectAccess"]
    assert (found["id"], found["name"], found["personalId"]) == (client_id, "Aino Asiakas", None)
    assert {"field": "personalId", "reason": "NOT_PERMITTED"} in found["redactions"]
    assert pid not in str(out)
    [lookup] = [
        r
        for r in await every_row(api)
        if r.subject == KELA_DPO.subject and r.category == "PERSONAL_ID" and r.allowed
    ]
    assert (lookup.action, lookup.basis, lookup.policy_rule) == (
        "READ",
        "STATUTORY",
        "p, dpo, client, find_by_code, STATUTORY",
    )
    replayed = await api.ok(
        client_principal(pid),
        "query($id: ID!) { explainAccessLogEntry(id: $id) { agrees } }",
        id=str(lookup.id),
    )
    assert replayed["explainAccessLogEntry"] == {"agrees": True}
    assert (await api.ok(KELA_DPO, LOOKUP, p=personal_id()))["clientForSubjectAccess"] is None
    await api.fails(KELA_HANDLER, LOOKUP, "FORBIDDEN", p=pid)
    await api.fails(client_principal(pid), LOOKUP, "FORBIDDEN", p=pid)
    await api.fails(KELA_DPO, LOOKUP, "BAD_USER_INPUT", p="010180-0000")
