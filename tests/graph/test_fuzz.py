"""Fuzzing the whole schema: every query and mutation, with arbitrary arguments and
selections, as callers of every role, over HTTP.

Documents come from the service's own schema through ``hypothesis-graphql``: valid ones
(``Mode.POSITIVE``: any root field, any arguments of the right types, any selection) and
invalid ones (``Mode.NEGATIVE``: one schema violation each). Ids are drawn from the rows
of a small world made first, and from strings that are no id; dates, times, JSON and
uploads from good and bad literals alike. Whatever comes, the answer is never an HTTP 5xx
and never ``INTERNAL_SERVER_ERROR``: bad input is a clear refusal.

``INFOCAP_FUZZ_EXAMPLES`` sets the number of documents per database (defaults: SQLite
400, PostgreSQL 150).
"""

import asyncio
import os
from typing import Any

import anyio.to_thread
import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from starlette.applications import Starlette

from tests import figures
from tests.conftest import DATABASES, PARTITIONED
from tests.factories import (
    KELA_HANDLER,
    PIRKANMAA_WORKER,
    grant,
    personal_id,
    record_decision,
    register,
    save_plan,
    send_notice,
    upload,
)
from tests.support import Api, Http

DEFAULT_EXAMPLES = {"sqlite": 400, "postgresql": 150, PARTITIONED: 150}
ROLES = [
    ("kela_handler", {"org": "kela"}),
    ("kela_advisor", {"org": "kela"}),
    ("social_worker", {"org": "wc-pirkanmaa"}),
    ("social_counsellor", {"org": "wc-lappi"}),
    ("dpo", {"org": "kela"}),
    ("client", {}),
    ("guardian", {}),
]
NOT_IDS = ["", "0", "not-an-id", "00000000-0000-0000-0000-000000000000", "kela", "\u00e5" * 70]


def examples(database: str) -> int:
    configured = os.environ.get("INFOCAP_FUZZ_EXAMPLES", "").strip()
    return int(configured) if configured else DEFAULT_EXAMPLES[database]


def string(values: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return values.map(lambda v: graphql.StringValueNode(value=v))


def scalars(ids: list[str], codes: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    moments = st.sampled_from(
        ["2026-11-16T09:30:00Z", "2026-11-16T09:30:00+02:00", "2026-11-16T09:30:00", "2026-13-45"]
    ) | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    days = st.sampled_from(["2026-11-16", "2026-02-30", "16.11.2026"]) | st.dates().map(str)
    json_values = st.recursive(
        st.none().map(lambda _: graphql.NullValueNode())
        | st.integers().map(lambda i: graphql.IntValueNode(value=str(i)))
        | string(st.text(max_size=20)),
        lambda inner: st.lists(inner, max_size=3).map(
            lambda v: graphql.ListValueNode(values=tuple(v))
        ),
        max_leaves=5,
    )
    return {
        "ID": string(st.sampled_from(ids + NOT_IDS) | st.text(max_size=80)),
        "DateTime": string(moments | st.text(max_size=30)),
        "Date": string(days | st.text(max_size=12)),
        "JSON": json_values,
        "Upload": string(st.text(max_size=10)),
        "String": string(st.sampled_from([*codes, "öberg", "%", "_"]) | st.text(max_size=60)),
    }


def every_root(
    schema: graphql.GraphQLSchema, custom: dict[str, st.SearchStrategy[graphql.ValueNode]]
) -> st.SearchStrategy[str]:
    """Documents for one root field each, the field drawn first (so that every query and
    mutation comes up, not only the first ones), valid or with one violation."""
    assert schema.query_type is not None
    assert schema.mutation_type is not None
    roots = [(queries, n, f) for n, f in schema.query_type.fields.items()] + [
        (mutations, n, f) for n, f in schema.mutation_type.fields.items()
    ]
    strategies = [
        make(schema, fields=[name], custom_scalars=custom, mode=mode)
        for make, name, field in roots
        # an operation with no arguments has nothing to violate
        for mode in ([Mode.POSITIVE, Mode.NEGATIVE] if field.args else [Mode.POSITIVE])
    ]
    return st.sampled_from(strategies).flatmap(lambda strategy: strategy)


async def world(api: Api) -> tuple[list[str], list[str]]:
    """A little of everything, so that some drawn ids name real rows."""
    codes = [personal_id() for _ in range(2)]
    clients = [await register(api, personalId=code) for code in codes]
    ids = list(clients)
    ids.append(await record_decision(api, KELA_HANDLER, clients[0], "fz-1"))
    ids.append((await send_notice(api, KELA_HANDLER, clients[0], "wc-pirkanmaa"))["id"])
    ids.append(await upload(api, PIRKANMAA_WORKER, clients[0], kind="MEDICAL_STATEMENT"))
    ids.append((await save_plan(api, clients[0]))["id"])
    await grant(api, KELA_HANDLER, clients[0], "kela", ["PLAN"], method="ORAL", note="puhelimessa")
    return [*ids, "kela", "wc-pirkanmaa", "wc-lappi", "helsinki"], codes


@pytest.fixture
def fuzz_settings(settings: Any) -> Any:
    """The read-rate limits raised (a fuzzer is one caller at machine speed: the limits
    would answer 429, which is right but would stop it from reaching the resolvers)."""
    from dataclasses import replace

    return replace(
        settings,
        rate_reads_per_principal=1_000_000,
        rate_reads_per_organisation=1_000_000,
        rate_registrations_per_principal=1_000_000,
        rate_registrations_per_organisation=1_000_000,
    )


@pytest.fixture
async def fuzz_app(fuzz_settings: Any, clock: Any) -> Any:
    from graph.app import create_app

    application = create_app(fuzz_settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def fuzz_http(fuzz_app: Starlette, keys: Any) -> Any:
    import httpx

    transport = httpx.ASGITransport(app=fuzz_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as client:
        yield Http(client, keys)


async def test_no_document_answers_a_server_error(
    fuzz_app: Starlette, fuzz_http: Http, request: pytest.FixtureRequest
) -> None:
    kind = request.node.callspec.params["database_url"]
    assert kind in DATABASES
    api = Api(fuzz_app)
    ids, codes = await world(api)
    schema = fuzz_app.state.schema._schema
    custom = scalars(ids, codes)
    documents = every_root(schema, custom)
    tokens = [fuzz_http.token(role, person=codes[0], **extra) for role, extra in ROLES]
    loop = asyncio.get_running_loop()
    seen = {"cases": 0, "5xx": 0}

    async def ask(document: str, token: str) -> tuple[int, list[Any], str]:
        response = await fuzz_http.client.post(
            "/graphql",
            json={"query": document},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        return response.status_code, body.get("errors") or [], response.text[:800]

    @settings(
        max_examples=examples(kind),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(document=documents, token=st.sampled_from(tokens))
    def fuzz(document: str, token: str) -> None:
        status, errors, text = asyncio.run_coroutine_threadsafe(ask(document, token), loop).result()
        seen["cases"] += 1
        codes_ = {(e.get("extensions") or {}).get("code") for e in errors}
        if (status >= 500 and status != 503) or "INTERNAL_SERVER_ERROR" in codes_:
            seen["5xx"] += 1
        assert status < 500 or (status == 503 and "TIMEOUT" in codes_), (status, document, text)
        assert "INTERNAL_SERVER_ERROR" not in codes_, (document, text)

    await anyio.to_thread.run_sync(fuzz)
    figures.add(f"fuzz cases ({kind})", seen["cases"])
    figures.add("fuzz server errors found", seen["5xx"])
