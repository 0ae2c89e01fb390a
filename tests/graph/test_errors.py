"""How errors leave the service: stable codes, nothing internal, limits on query size."""

import dataclasses
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graph.app import create_app
from graph.services import clients as client_service
from tests.factories import KELA_HANDLER, personal_id, register
from tests.support import Http

LEAK = "SELECT personal_id FROM clients -- /srv/infocap/graph/services/clients.py line 42"


async def test_unknown_fields_and_syntax_errors_are_validation_failures(api):
    out = await api.run(KELA_HANDLER, "{ me { subject secretField } }")
    assert [e["code"] for e in out["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert out["data"] is None
    out = await api.run(KELA_HANDLER, "{ me { ")
    assert [e["code"] for e in out["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]


async def test_bad_variables_are_bad_user_input(api):
    out = await api.run(
        KELA_HANDLER,
        "query($first: Int) { clients(first: $first) { edges { cursor } } }",
        first="many",
    )
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]


async def test_query_size_is_limited(api):
    deep = "{ clients { edges { node { notices { edges { node { client { notices { edges { node { client { notices { edges { node { id } } } } } } } } } } } } } } }"
    out = await api.run(KELA_HANDLER, deep)
    assert [e["code"] for e in out["errors"]] == ["QUERY_TOO_COMPLEX"]
    aliases = "{ " + " ".join(f"a{i}: me {{ subject }}" for i in range(31)) + " }"
    assert [e["code"] for e in (await api.run(KELA_HANDLER, aliases))["errors"]] == [
        "QUERY_TOO_COMPLEX"
    ]
    fragment = (
        "query { ...F } fragment F on Query { "
        + " ".join(f"b{i}: me {{ subject }}" for i in range(31))
        + " }"
    )
    assert [e["code"] for e in (await api.run(KELA_HANDLER, fragment))["errors"]] == [
        "QUERY_TOO_COMPLEX"
    ]
    tokens = "{ me { " + " ".join("subject" for _ in range(5000)) + " } }"
    assert [e["code"] for e in (await api.run(KELA_HANDLER, tokens))["errors"]] == [
        "QUERY_TOO_COMPLEX"
    ]


async def test_an_internal_fault_is_masked_and_rolls_back(api, http, monkeypatch):
    real = client_service.register

    async def broken(ctx, data):
        await real(ctx, data)  # the client row is written, then the fault
        raise RuntimeError(LEAK)

    monkeypatch.setattr(client_service, "register", broken)
    token = http.token("kela_handler", org="kela")
    response = await http.post(
        "mutation($input: RegisterClientInput!) { registerClient(input: $input) { id } }",
        token,
        {
            "input": {
                "personalId": personal_id(),
                "name": "X",
                "language": "FI",
                "organiserId": "helsinki",
                "purpose": "Toimeentulotuki",
            }
        },
    )
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
    text = json.dumps(body)
    for secret in ("SELECT", "personal_id", "/srv", ".py", "Traceback", "RuntimeError"):
        assert secret not in text
    listed = await http.ok("{ clients { edges { cursor } } }", token)
    assert listed["clients"]["edges"] == []


async def test_a_denied_field_is_not_an_error(api):
    client_id = await register(api)
    out = await api.run(
        KELA_HANDLER,
        "query($id: ID!) { client(id: $id) { plan { goals } accessLog { edges { cursor } } } }",
        id=client_id,
    )
    assert "errors" not in out
    assert out["data"]["client"] == {"plan": None, "accessLog": None}


async def test_request_bodies_over_the_limit_are_refused_before_reading(http):
    token = http.token("kela_handler", org="kela")
    huge = {"query": "{ me { subject } }", "variables": {"pad": "x" * (200 * 1024)}}
    response = await http.client.post(
        "/graphql", json=huge, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def ledger_key(directory: Path) -> Path:
    key = directory / "ledger.pem"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


@pytest.mark.parametrize("env", ["development", "production"])
async def test_graphiql_introspection_and_suggestions_in_development_only(
    settings, clock, keys, tmp_path, env
):
    development = env == "development"
    current = dataclasses.replace(
        settings, env=env, ledger_key_file=None if development else ledger_key(tmp_path)
    )
    app = create_app(current, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as client:
            page = await client.get("/graphql", headers={"Accept": "text/html"})
            assert ("graphiql" in page.text.lower()) is development
            assert page.status_code == (200 if development else 401)
            http = Http(client, keys)
            token = http.token("kela_handler", org="kela")
            introspection = (await http.post("{ __schema { queryType { name } } }", token)).json()
            assert ("errors" in introspection) is not development
            suggestion = await http.post("{ me { subjec } }", token)
            assert ("Did you mean" in suggestion.text) is development


@pytest.mark.parametrize(
    "path", ["/attachments/not-an-id", "/attachments/01a209d2-0302-7f2d-92fe-5e19adc299b9"]
)
async def test_download_errors_are_graphql_shaped(http, path):
    token = http.token("kela_handler", org="kela")
    response = await http.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 404)
    assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND")
    anonymous = await http.client.get(path)
    assert anonymous.status_code == 401


async def test_one_operation_is_one_unit_of_work(api):
    query = """mutation($good: RegisterClientInput!, $bad: RegisterClientInput!) {
      first: registerClient(input: $good) { id }
      second: registerClient(input: $bad) { id }
    }"""
    good = {
        "personalId": personal_id(),
        "name": "A",
        "language": "FI",
        "organiserId": "helsinki",
        "purpose": "Toimeentulotuki",
    }
    bad = good | {"personalId": personal_id(), "organiserId": "wc-atlantis"}
    out = await api.run(KELA_HANDLER, query, good=good, bad=bad)
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]
    listed = await api.ok(KELA_HANDLER, "{ clients { edges { cursor } } }")
    assert listed["clients"]["edges"] == [], (
        "the first registration was rolled back with the second"
    )
    both = await api.ok(KELA_HANDLER, query, good=good, bad=good | {"personalId": personal_id()})
    assert both["first"]["id"] != both["second"]["id"]
    assert (
        len((await api.ok(KELA_HANDLER, "{ clients { edges { cursor } } }"))["clients"]["edges"])
        == 2
    )


async def test_a_body_without_length_is_counted_and_refused(http):
    token = http.token("kela_handler", org="kela")

    async def chunks():
        yield b'{"query": "{ me { subject } }", "variables": {"pad": "'
        for _ in range(20):
            yield b"x" * 10_000
        yield b'"}}'

    response = await http.client.post(
        "/graphql",
        content=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
