"""Every hot read names its client, so on a database partitioned by client (as on Citus,
sharded by it) it reads one partition of each table: the statements the main read paths
run are captured and ``EXPLAIN``ed on the partitioned schema, and none may scan two
partitions of a table. The reads that fan out by design (``docs/scaling.md``) are shown
to do so."""

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from graph.app import create_app
from graph.settings import Settings
from schema.distribution import CLIENT_TABLES
from schema.partitioning import PARTITION_SCHEMA
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    client_principal,
    grant,
    personal_id,
    record_decision,
    record_guardianship,
    register,
    save_plan,
    send_notice,
    upload,
)
from tests.support import AUDIENCE, ISSUER, Api, Keys

Statement = tuple[str, Any]

CLIENT = """query($id: ID!) { client(id: $id) {
  name personalId digitalProfile { hasEquipment } digitalProfileHistory { hasSkills }
  guardianships { kind } relationships { responsible } contactPersons { name }
  plan { goals } planHistory { edges { node { version } } }
  applications { edges { node { externalId informationRequests { items } } } }
  decisions { edges { node { grounds applicationId calculation { amountCents }
    paymentCommitments { payee } influencingAttachments { filename } } } }
  attachments { edges { node { filename decisionId noticeId applicationId } } }
  notices { edges { node { type detail history { to } attachments { filename } client { id } } } }
  consents { seq } prohibitions { seq }
} }"""
OWN = """query($id: ID!) { client(id: $id) {
  name consents { seq } accessLog(first: 50) { edges { node { category allowed } } }
} consentLedger(clientId: $id) { edges { node { seq type } } } }"""
INBOX = "{ noticeInbox(first: 50) { edges { node { type client { id } } } } }"
SEARCH = 'query { clients(first: 50, search: "asiakas") { edges { node { id name } } } }'
FEED = "{ changes(first: 100) { edges { node { position entityType entityId } } } }"
APPLICATION = """mutation($input: ApplicationInput!) { recordApplication(input: $input) { id } }"""
INFORMATION = """mutation($id: ID!, $input: InformationRequestInput!) {
  requestInformation(applicationId: $id, input: $input) { id } }"""


@pytest.fixture
async def api(partitioned_url: str, keys: Keys, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(
        database_url=partitioned_url,
        jwks_file=keys.jwks_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        attachment_dir=tmp_path / "attachments",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield Api(application)


@contextlib.contextmanager
def captured(api: Api) -> Iterator[list[Statement]]:
    seen: list[Statement] = []
    engine = api.runtime.engine.sync_engine

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def partitions_read(url: str, statement: str, parameters: Any) -> dict[str, set[str]]:
    """The partitions of each table the plan of ``statement`` reads (plan-time pruning,
    with the parameters the service bound)."""
    plain = url.replace("+psycopg", "")
    with psycopg.connect(plain) as connection:
        plan = connection.execute(
            f"EXPLAIN (VERBOSE, FORMAT JSON) {statement}", parameters
        ).fetchone()
        connection.rollback()
    assert plan is not None
    found: dict[str, set[str]] = defaultdict(set)

    def walk(node: dict[str, Any]) -> None:
        if node.get("Schema") == PARTITION_SCHEMA:
            partition = str(node["Relation Name"])
            found[partition.rsplit("_p", 1)[0]].add(partition)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0][0]["Plan"])
    return found


def reads(statements: list[Statement]) -> list[Statement]:
    """The statements that read client-owned tables (inserts route each row by itself)."""
    return [
        (s, p[0] if isinstance(p, list | tuple) else p)  # executemany: its first row
        for s, p in statements
        if s.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE"))
        and any(f" {table} " in f" {s} ".replace("\n", " ") for table in CLIENT_TABLES)
    ]


async def one_client_with_everything(api: Api) -> tuple[str, str]:
    pid = personal_id()
    client_id = await register(
        api, personalId=pid, digitalProfile={"hasEquipment": True, "hasSkills": False}
    )
    await record_guardianship(api, client_id, personal_id(), "GUARDIAN_FULL")
    await save_plan(api, client_id)
    application = (
        await api.ok(
            KELA_HANDLER,
            APPLICATION,
            input={
                "clientId": client_id,
                "receivedAt": "2026-11-01T09:00:00Z",
                "channel": "ONLINE",
                "externalId": f"A-{pid}",
            },
        )
    )["recordApplication"]["id"]
    await api.ok(
        KELA_HANDLER, INFORMATION, id=application, input={"items": ["tiliote"], "due": "2099-01-01"}
    )
    attachment = await upload(api, PIRKANMAA_WORKER, client_id, "INVOICE", "lasku.pdf")
    await record_decision(
        api,
        PIRKANMAA_WORKER,
        client_id,
        f"P-{pid}",
        kind="SUPPLEMENTARY",
        applicationId=None,
        influencingAttachmentIds=[attachment],
        paymentCommitments=[{"payee": "Vuokranantaja", "purpose": "vuokra", "amountCents": 1000}],
    )
    await send_notice(
        api, PIRKANMAA_WORKER, client_id, "kela", "STATEMENT", attachmentIds=[attachment]
    )
    await grant(api, client_principal(pid), client_id, "kela", ["PLAN"])
    return client_id, pid


async def test_the_main_reads_of_a_client_read_one_partition(
    api: Api, partitioned_url: str
) -> None:
    for _ in range(3):  # other clients, in other partitions
        await one_client_with_everything(api)
    client_id, pid = await one_client_with_everything(api)
    with captured(api) as seen:
        data = (await api.ok(PIRKANMAA_WORKER, CLIENT, id=client_id))["client"]
        own = await api.ok(client_principal(pid), OWN, id=client_id)
    assert data["decisions"]["edges"][0]["node"]["calculation"]
    assert data["decisions"]["edges"][0]["node"]["paymentCommitments"]
    assert data["notices"]["edges"][0]["node"]["history"]
    assert data["applications"]["edges"][0]["node"]["informationRequests"]
    assert own["client"]["accessLog"]["edges"]
    assert own["consentLedger"]["edges"]
    checked = reads(seen)
    assert len(checked) >= 15, [s for s, _ in checked]
    touched: set[str] = set()
    for statement, parameters in checked:
        found = partitions_read(partitioned_url, statement, parameters)
        wide = {table: sorted(parts) for table, parts in found.items() if len(parts) > 1}
        assert wide == {}, statement
        touched |= set(found)
    # The reads covered every table of a client's record that the query asks for.
    assert {
        "clients",
        "client_digital_profiles",
        "guardianships",
        "client_relationships",
        "contact_persons",
        "plan_versions",
        "applications",
        "information_requests",
        "decisions",
        "decision_calculation_rows",
        "payment_commitments",
        "decision_attachments",
        "attachments",
        "notices",
        "notice_moves",
        "notice_attachments",
        "consent_rules",
        "consent_events",
        "access_log",
    } <= touched


async def test_the_reads_that_fan_out_by_design_do(api: Api, partitioned_url: str) -> None:
    """The inbox (by organisation), a search (by name), the change feed (by position)
    read every partition; see ``docs/scaling.md``."""
    for _ in range(4):
        await one_client_with_everything(api)
    for query, who, table in (
        (INBOX, KELA_HANDLER, "notices"),
        (SEARCH, KELA_HANDLER, "clients"),
        (FEED, KELA_HANDLER, "changes"),
    ):
        with captured(api) as seen:
            await api.ok(who, query)
        widest = max(
            len(partitions_read(partitioned_url, s, p).get(table, ())) for s, p in reads(seen)
        )
        assert widest > 1, query
