"""Faults: PostgreSQL stopped under load, and back.

A PostgreSQL server of the test's own is stopped (fast shutdown: transactions rolled
back, every connection cut) while requests are in flight. Each request ends, none with a
500: those that needed the database answer ``SERVICE_UNAVAILABLE`` (HTTP 503 with
``Retry-After``), new connections give up after ``INFOCAP_DATABASE_CONNECT_TIMEOUT``, and
``/readyz`` says not ready. When the server is back, the same process answers again by
itself: the pool's pre-ping replaces the dead connections.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from graph.app import create_app
from graph.settings import Settings
from schema.db import migrate
from tests import figures
from tests.conftest import DATABASES
from tests.factories import register
from tests.pgserver import PostgresServer, postgres_server
from tests.support import AUDIENCE, ISSUER, Api, Http, Keys

pytestmark = pytest.mark.skipif(
    "postgresql" not in DATABASES, reason="PostgreSQL is not among INFOCAP_TEST_DATABASES"
)
READ = "{ clients(first: 5) { edges { node { id name } } } }"
WRITE = """
mutation($i: RegisterClientInput!) { registerClient(input: $i) { id } }
"""
HANG = 30.0
"""Far longer than any bounded wait of the service: past it a request hangs."""


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        migrate(server.url("faults"))
        yield server


@pytest.fixture
async def service(
    own_server: PostgresServer, keys: Keys, tmp_path: Path
) -> AsyncIterator[tuple[Starlette, Http]]:
    settings = Settings(
        database_url=own_server.url("faults"),
        jwks_file=keys.jwks_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        attachment_dir=tmp_path / "attachments",
        database_connect_timeout=2.0,
        rate_reads_per_principal=1_000_000,
        rate_reads_per_organisation=1_000_000,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield app, Http(client, keys)


def outcome(response: httpx.Response) -> str:
    if response.status_code == 200 and "errors" not in response.json():
        return "ok"
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    return f"{response.status_code} {','.join(codes)}"


async def test_postgresql_stopped_under_load_fails_fast_and_recovers(
    service: tuple[Starlette, Http], own_server: PostgresServer
) -> None:
    app, http = service
    await register(Api(app))
    token = http.token("kela_handler", org="kela")
    stop = asyncio.Event()
    seen: Counter[str] = Counter()
    unavailable: list[httpx.Response] = []
    failed: list[str] = []
    warmed, down = asyncio.Event(), asyncio.Event()
    halted_at: list[int] = []

    async def load(n: int) -> None:
        serial = 0
        while not stop.is_set():
            serial += 1
            if serial % 3:
                request = http.post(READ, token)
            else:
                request = http.post(WRITE, token, {"i": registration(n, serial)})
            response = await asyncio.wait_for(request, HANG)
            seen[outcome(response)] += 1
            if outcome(response) != "ok":
                failed.append(outcome(response))
            if seen["ok"] >= 40:
                warmed.set()
            if halted_at and len(failed) >= halted_at[0] + 40:
                down.set()
            if response.status_code == 503:
                unavailable.append(response)
            await asyncio.sleep(0.01)

    workers = [asyncio.create_task(load(n)) for n in range(8)]
    await warmed.wait()
    await asyncio.to_thread(own_server.halt)
    halted_at.append(len(failed))
    await down.wait()
    ready = await http.client.get("/readyz")
    stop.set()
    await asyncio.gather(*workers)

    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is False
    assert set(seen) <= {"ok", "503 SERVICE_UNAVAILABLE"}, seen
    for response in unavailable:
        assert int(response.headers["Retry-After"]) > 0
        assert "psycopg" not in response.text
        assert "SELECT" not in response.text

    await asyncio.to_thread(own_server.start)
    recovered = None
    for _ in range(100):
        response = await asyncio.wait_for(http.post(READ, token), HANG)
        if outcome(response) == "ok":
            recovered = response
            break
        assert outcome(response) == "503 SERVICE_UNAVAILABLE", response.text
        await asyncio.sleep(0.1)
    assert recovered is not None, "the service did not recover by itself"
    assert (await http.client.get("/readyz")).status_code == 200
    written = await http.ok(WRITE, token, i=registration(99, 1))
    assert written["registerClient"]["id"]
    figures.add("faults injected: PostgreSQL stopped under load", 1)
    figures.add(
        "fault requests answered 503 while the database was down", seen["503 SERVICE_UNAVAILABLE"]
    )
    figures.add(
        "fault requests answered 500", sum(v for k, v in seen.items() if k.startswith("500"))
    )


def registration(n: int, serial: int) -> dict[str, Any]:
    from tests.factories import personal_id

    return {
        "personalId": personal_id(),
        "name": f"Kuormitus {n}-{serial}",
        "language": "FI",
        "organiserId": "wc-pirkanmaa",
        "purpose": "Kuormitustesti",
    }


async def test_a_connection_lost_at_commit_is_service_unavailable(
    app: Starlette, http: Http, database_url: str, request: pytest.FixtureRequest
) -> None:
    """The connection dies as the unit of work writes its access log, just before the
    commit: the answer is 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After``, nothing is
    kept, and the next request is served."""
    from tests.ledger.test_crash import Killer

    if database_url.startswith("sqlite"):
        pytest.skip("an embedded database has no connection to lose")
    admin = request.getfixturevalue("pg").url().replace("+psycopg", "")
    token = http.token("kela_handler", org="kela")
    killer = Killer(app, admin, "INSERT INTO ACCESS_LOG")
    try:
        response = await http.post(WRITE, token, {"i": registration(0, 0)})
    finally:
        killer.remove()
    assert killer.fired == 1
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
    listed = await http.ok(READ, token)
    assert listed["clients"]["edges"] == []
    figures.add("faults injected: connection lost at commit", 1)
