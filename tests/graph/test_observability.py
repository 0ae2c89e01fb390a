"""Observability (issue 9): the request id through the access log, error answers and the
``X-Request-ID`` header; one JSON log line a request with nothing personal in it;
``/healthz``, ``/readyz``; Prometheus metrics at ``/metrics`` that move with requests."""

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from graph.app import create_app
from graph.observability.logs import REQUEST_LOGGER, JsonFormatter
from schema.models import AccessLogEntry
from tests.factories import KELA_HANDLER, register, save_plan

LOOKUP = "query Lookup($pid: String!) { clientByPersonalId(personalId: $pid) { id name } }"


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """The request log's lines, formatted as the service writes them."""
    lines: list[str] = []
    formatter = JsonFormatter()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    handler = Collect()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def scrape_value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` of an exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if head.split("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


# --- the request id ------------------------------------------------------------------------


async def test_a_request_gets_an_id_in_the_header_and_the_access_log(http, api):
    client_id = await register(api)
    token = http.token("kela_handler", org="kela", sub="handler-rid")
    response = await http.post(f"{{ client(id: {json.dumps(client_id)}) {{ name }} }}", token)
    assert response.status_code == 200
    rid = uuid.UUID(response.headers["X-Request-ID"])
    async with api.runtime.sessions() as session:
        rows = list(
            await session.scalars(
                select(AccessLogEntry).where(AccessLogEntry.subject == "handler-rid")
            )
        )
    assert rows
    assert {r.request_id for r in rows} == {rid}


async def test_a_callers_uuid_request_id_is_kept(http, api):
    client_id = await register(api)
    given = uuid.uuid4()
    token = http.token("kela_handler", org="kela", sub="handler-given")
    response = await http.client.post(
        "/graphql",
        json={"query": f"{{ client(id: {json.dumps(client_id)}) {{ name }} }}"},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": str(given)},
    )
    assert response.headers["X-Request-ID"] == str(given)
    async with api.runtime.sessions() as session:
        ids = set(
            await session.scalars(
                select(AccessLogEntry.request_id).where(AccessLogEntry.subject == "handler-given")
            )
        )
    assert ids == {given}


@pytest.mark.parametrize("given", ["abc", "x" * 300, "1; DROP TABLE", "", "123e4567-e89b"])
async def test_an_id_that_is_not_a_uuid_is_replaced(http, given):
    response = await http.client.get("/healthz", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] != given
    uuid.UUID(response.headers["X-Request-ID"])


async def test_error_answers_name_the_request(http):
    refused = await http.post("{ me { subject } }", "not-a-token")
    assert refused.status_code == 401
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["requestId"] == refused.headers["X-Request-ID"]

    token = http.token("kela_handler", org="kela")
    invalid = await http.post('{ client(id: "x") { nosuchfield } }', token)
    [error] = invalid.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["requestId"] == invalid.headers["X-Request-ID"]

    forbidden = await http.post(
        "mutation { reloadPolicy { sha256 } }", http.token("social_worker", org="wc-pirkanmaa")
    )
    [error] = forbidden.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["requestId"] == forbidden.headers["X-Request-ID"]


async def test_browsers_on_allowed_origins_may_read_the_request_id(settings, clock):
    app = create_app(replace(settings, cors_origins=("https://app.example.fi",)), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/healthz", headers={"Origin": "https://app.example.fi"})
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["X-Request-ID"]


# --- the request log -----------------------------------------------------------------------


async def test_one_log_line_a_request_without_token_code_or_values(http, api, log_lines):
    pid_client = await register(api)
    data = await api.ok(
        KELA_HANDLER, "query($id: ID!) { client(id: $id) { personalId } }", id=pid_client
    )
    pid = data["client"]["personalId"]
    log_lines.clear()
    token = http.token("kela_handler", org="kela", azp="kela-etuuskasittely")
    response = await http.post(LOOKUP, token, {"pid": pid})
    assert response.json()["data"]["clientByPersonalId"]["name"] == "Aino Asiakas"
    assert len(log_lines) == 1
    [line] = log_lines
    assert pid not in line
    assert pid.lower() not in line
    assert token not in line
    assert token[:40] not in line
    assert "Aino" not in line
    fields = json.loads(line)
    assert fields["request_id"] == response.headers["X-Request-ID"]
    assert fields["operation"] == "clientByPersonalId"
    assert fields["operation_name"] == "Lookup"
    assert fields["kind"] == "query"
    assert (fields["organisation"], fields["azp"]) == ("kela", "kela-etuuskasittely")
    assert (fields["status"], fields["code"]) == (200, "OK")
    assert fields["duration_ms"] >= 0
    assert fields["logger"] == REQUEST_LOGGER


async def test_a_refused_request_logs_its_code(http, log_lines):
    await http.post("{ me { subject } }", None)
    [line] = log_lines
    fields = json.loads(line)
    assert (fields["status"], fields["code"], fields["organisation"]) == (
        401,
        "UNAUTHENTICATED",
        None,
    )


async def test_an_operation_name_that_could_carry_a_code_is_not_logged(http, log_lines):
    token = http.token("kela_handler", org="kela")
    await http.post("query Find_010180A9012 { me { subject } }", token)
    fields = json.loads(log_lines[-1])
    assert fields["operation_name"] is None
    assert "010180" not in log_lines[-1]
    assert fields["operation"] == "me"


# --- health and readiness ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/health"])
async def test_healthz_answers_without_a_token(http, path):
    response = await http.client.get(path)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_when_ready(http, api):
    response = await http.client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True}
    assert body["checks"]["policy"]["sha256"] == api.runtime.policy.sha256


async def test_readyz_when_the_database_is_gone(settings, tmp_path):
    """A PostgreSQL server nobody listens on: the process is alive, not ready."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        from schema.db import make_engine

        engine = make_engine(f"postgresql://nobody@127.0.0.1:{port}/none")
        app.state.runtime = replace(runtime, engine=engine)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                response = await client.get("/readyz")
                alive = await client.get("/healthz")
        finally:
            await engine.dispose()
            app.state.runtime = runtime
    assert alive.status_code == 200
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "reason": "the database is unreachable"}
    assert str(port) not in response.text


async def test_readyz_when_the_schema_is_behind(settings, pg):
    """A PostgreSQL database that was never migrated."""
    import psycopg

    name = f"u_{uuid.uuid4().hex[:10]}"
    admin = pg.url().replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            from schema.db import make_engine

            runtime = app.state.runtime
            engine = make_engine(pg.url(name))
            app.state.runtime = replace(runtime, engine=engine)
            try:
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                    response = await client.get("/readyz")
            finally:
                await engine.dispose()
                app.state.runtime = runtime
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["migrations"]["ok"] is False
    assert "never migrated" in checks["migrations"]["reason"]


# --- metrics -------------------------------------------------------------------------------


async def test_the_figures_move_after_requests(http, api):
    client_id = await register(api)
    await save_plan(api, client_id)
    before = (await http.client.get("/metrics")).text
    token = http.token("kela_handler", org="kela")
    query = "query($id: ID!) { client(id: $id) { name plan { goals } } }"
    for _ in range(3):
        assert (await http.post(query, token, {"id": client_id})).status_code == 200
    await http.post("{ me { subject } }", "bad-token")
    await api.ok(
        KELA_HANDLER,
        'mutation($c: ID!) { recordInformed(clientId: $c, textVersion: "v1", channel: "paper") { seq } }',
        c=client_id,
    )
    response = await http.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text

    def moved(name: str, **labels: str) -> float:
        return scrape_value(after, name, **labels) - scrape_value(before, name, **labels)

    assert moved("infocap_requests_total", kind="query", operation="client", code="OK") == 3
    assert moved("infocap_request_duration_seconds_count", kind="query", operation="client") == 3
    assert moved("infocap_errors_total", code="UNAUTHENTICATED") == 1
    assert (
        moved("infocap_decisions_total", category="IDENTITY", outcome="allowed", basis="STATUTORY")
        >= 3
    )
    assert (
        moved(
            "infocap_decisions_total", category="PLAN", outcome="denied", reason="CONSENT_REQUIRED"
        )
        == 3
    )
    assert moved("infocap_ledger_appends_total") == 1
    for name in (
        "infocap_db_connections_in_use",
        "infocap_subscriptions",
        "infocap_rate_limit_refusals_total",
        "infocap_token_refusals_total",
        "infocap_ledger_checkpoints_total",
        "infocap_policy",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in after, name
    assert scrape_value(after, "infocap_policy", sha256=api.runtime.policy.sha256) == 1


async def test_metrics_answer_only_loopback_without_a_token(app):
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/metrics")
    assert response.status_code == 403
    assert "infocap_requests_total" not in response.text


async def test_metrics_with_a_token(settings, clock):
    app = create_app(replace(settings, metrics_token="s3cret-scrape"), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            without = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert (without.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert "infocap_requests_total" in right.text


async def test_pool_connections_are_counted(api):
    from graph.observability.metrics import POOL_IN_USE

    idle = POOL_IN_USE._value.get()
    async with api.runtime.engine.connect():
        assert POOL_IN_USE._value.get() == idle + 1
    assert POOL_IN_USE._value.get() == idle


def test_a_logged_database_error_never_carries_a_personal_id(database_url):
    """A personal identity code bound to a failing statement stays out of the log line:
    SQLAlchemy leaves the parameters out (``hide_parameters``), and the formatter redacts
    what the database itself repeats (PostgreSQL's "Failing row contains ...")."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from schema.db import make_sync_engine

    pid = "010180A9012"
    engine = make_sync_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
            connection.execute(
                text("INSERT INTO organisations (id, type) VALUES (:id, :id)"), {"id": pid}
            )
    finally:
        engine.dispose()
    assert "[parameters:" not in str(raised.value)
    record = logging.LogRecord(
        "infocap.unit_of_work",
        logging.ERROR,
        __file__,
        1,
        "could not commit",
        None,
        (type(raised.value), raised.value, raised.value.__traceback__),
    )
    line = JsonFormatter().format(record)
    assert pid not in line
    assert json.loads(line)["exception"]


async def test_refusals_and_subscriptions_reach_the_metrics(settings, clock, keys, app, http):
    """The counters other layers keep (the authenticator's refusals by check, the rate
    limiter's by limit, the live registry's subscribers) are the ones scraped."""
    search = "query($q: String) { clients(search: $q, first: 5) { edges { node { id } } } }"
    before = (await http.client.get("/metrics")).text
    await http.post("{ me { subject } }", "not-a-jwt")
    long_ago = int(time.time()) - 7200
    expired = http.token("kela_handler", org="kela", iat=long_ago, exp=long_ago + 600)
    await http.post("{ me { subject } }", expired)
    limited = create_app(replace(settings, rate_reads_per_principal=1), clock=clock)
    async with limited.router.lifespan_context(limited):
        transport = httpx.ASGITransport(app=limited)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            token = http.token("social_worker", org="wc-pirkanmaa", sub="rate")
            headers = {"Authorization": f"Bearer {token}"}
            body = {"query": search, "variables": {"q": "Aino"}}
            assert (await client.post("/graphql", json=body, headers=headers)).status_code == 200
            assert (await client.post("/graphql", json=body, headers=headers)).status_code == 429
        with limited.state.runtime.live.subscribe("wc-pirkanmaa"):
            during = (await http.client.get("/metrics")).text
    after = (await http.client.get("/metrics")).text

    def moved(text: str, name: str, **labels: str) -> float:
        return scrape_value(text, name, **labels) - scrape_value(before, name, **labels)

    assert moved(after, "infocap_token_refusals_total", reason="malformed") == 1
    assert moved(after, "infocap_token_refusals_total", reason="expiry") == 1
    assert moved(after, "infocap_rate_limit_refusals_total", limit="reads_per_principal") == 1
    assert moved(during, "infocap_subscriptions") == 1
    assert moved(after, "infocap_subscriptions") == 0
