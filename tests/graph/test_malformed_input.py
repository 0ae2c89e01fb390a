"""Malformed input over HTTP, with real signed tokens, on both databases (issue 5, finding 4).

Each of these once answered HTTP 500 or INTERNAL_SERVER_ERROR. Each is now refused
before any resolver runs, as BAD_USER_INPUT, and writes nothing: a body the HTTP edge
cannot take as a GraphQL request answers 400 (``graph/body.py``); a value inside a
well-formed request answers 200 with the error, as GraphQL errors do
(``graph/input_limits.py``).
"""

import dataclasses
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from graph.settings import Settings
from schema.base import Base
from tests.factories import PIRKANMAA_WORKER, decision_input, personal_id
from tests.support import Http

REGISTER = "mutation($input: RegisterClientInput!) { registerClient(input: $input) { id } }"
SEARCH = "query($q: String) { clients(search: $q) { edges { node { id name } } } }"
RECORD_DECISION = "mutation($input: DecisionInput!) { recordDecision(input: $input) { id } }"
SEND_NOTICE = "mutation($input: NoticeInput!) { sendNotice(input: $input) { id } }"
RECORD_APPLICATION = (
    "mutation($input: ApplicationInput!) { recordApplication(input: $input) { id } }"
)
DEEP = 50_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The JSON body limit as deployed (1 MiB), so that 50,000 levels fit in a body."""
    return dataclasses.replace(settings, max_body_bytes=Settings().max_body_bytes)


def worker(http: Http) -> str:
    return http.token("social_worker", org="wc-pirkanmaa")


def handler(http: Http) -> str:
    return http.token("kela_handler", org="kela")


def registration(name: str = "Aino Asiakas") -> dict[str, Any]:
    return {
        "personalId": personal_id(),
        "name": name,
        "language": "FI",
        "organiserId": "wc-pirkanmaa",
        "purpose": "asiakkuuden avaus",
    }


async def raw(http: Http, token: str, content: bytes) -> httpx.Response:
    return await http.client.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


async def rows(app) -> dict[str, int]:
    """Every table's row count: what "nothing written" is checked against."""
    async with app.state.runtime.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def assert_bad_user_input(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    return body


# --- bodies the edge refuses (400) -------------------------------------------------------

NOT_A_REQUEST = [
    pytest.param(b'"hello"', "must be a JSON object", id="a-string"),
    pytest.param(b"12", "must be a JSON object", id="a-number"),
    pytest.param(b"[]", "must be a JSON object", id="an-array"),
    pytest.param(b"null", "must be a JSON object", id="null"),
    pytest.param(b"true", "must be a JSON object", id="true"),
    pytest.param(b'{"query": "{ me { subject } }", "x": "\xff\xfe"}', "not UTF-8", id="bad-utf8"),
    pytest.param(b'{"query": "{ me { subject } }"}\xc3', "not UTF-8", id="truncated-utf8"),
    pytest.param(
        b'{"query": "{ me { subject } }", "variables": {"a": ' + b"[" * DEEP + b"]" * DEEP + b"}}",
        "nests deeper than 64 levels",
        id="nested-50000-deep",
    ),
    pytest.param(
        b'{"query": "{ me { subject } }", "variables": {"a": ' + b"[" * 65 + b"]" * 65 + b"}}",
        "nests deeper than 64 levels",
        id="nested-65-deep",
    ),
    pytest.param(b'{"query": "{ me { subject } }", "x": NaN}', "not JSON", id="nan"),
    pytest.param(
        b'{"query": "{ me { subject } }", "x": 1' + b"0" * 5000 + b"}", "not JSON", id="huge-number"
    ),
    pytest.param(b'{"query": ', "not JSON", id="truncated-json"),
    pytest.param(b'{"variables": {}}', "No GraphQL query", id="no-query"),
    pytest.param(b'{"query": 7}', "must be a string", id="query-not-a-string"),
    pytest.param(
        b'{"query": "{ me { subject } }", "variables": []}',
        "variables",
        id="variables-not-an-object",
    ),
]


@pytest.mark.parametrize(("content", "words"), NOT_A_REQUEST)
async def test_a_body_that_is_not_a_graphql_request_is_bad_user_input(app, http, content, words):
    before = await rows(app)
    body = assert_bad_user_input(await raw(http, worker(http), content), 400)
    assert words in body["errors"][0]["message"]
    assert await rows(app) == before
    assert app.state.runtime.errors["BAD_USER_INPUT"] == 1


async def test_a_refused_body_leaves_the_service_working(app, http):
    token = worker(http)
    for case in NOT_A_REQUEST:
        content = case.values[0]
        assert isinstance(content, bytes)
        assert (await raw(http, token, content)).status_code == 400
    assert (await http.ok("{ me { subject } }", token))["me"]["subject"]


# --- lone surrogates ---------------------------------------------------------------------

LONE = "\ud800"


async def test_a_lone_surrogate_in_a_variable_is_refused_at_the_edge(app, http):
    before = await rows(app)
    content = json.dumps(
        {"query": REGISTER, "variables": {"input": registration(name=f"Aino{LONE}")}}
    ).encode()
    assert b"\\ud800" in content  # JSON carries it as an escape
    body = assert_bad_user_input(await raw(http, worker(http), content), 400)
    assert "lone surrogate" in body["errors"][0]["message"]
    for search in (LONE, f"x{LONE}y", "\udfff"):
        content = json.dumps({"query": SEARCH, "variables": {"q": search}}).encode()
        assert_bad_user_input(await raw(http, worker(http), content), 400)
    assert await rows(app) == before


async def test_a_lone_surrogate_inline_is_bad_user_input(app, http):
    before = await rows(app)
    token = worker(http)
    for literal in ("\\ud800", "\\u{d800}", "a\\udc00b"):
        query = f'{{ clients(search: "{literal}") {{ edges {{ cursor }} }} }}'
        body = assert_bad_user_input(await http.post(query, token), 200)
        assert "Unicode escape" in body["errors"][0]["message"]
    # The same text, decoded by JSON into the document itself, is refused at the edge.
    query = f'{{ clients(search: "{LONE}") {{ edges {{ cursor }} }} }}'
    assert_bad_user_input(await raw(http, token, json.dumps({"query": query}).encode()), 400)
    mutation = 'mutation { registerClient(input: {personalId: "%s", name: "A\\ud800", language: FI, organiserId: "wc-pirkanmaa", purpose: "asiakkuus"}) { id } }'
    assert_bad_user_input(await http.post(mutation % personal_id(), token), 200)
    assert await rows(app) == before


async def test_a_surrogate_pair_is_text_and_is_taken(http):
    """The control: an escaped pair is one character outside the BMP, not a surrogate."""
    content = json.dumps({"query": REGISTER, "variables": {"input": registration("Aino 🙂")}})
    assert "\\ud83d\\ude42" in content
    response = await raw(http, worker(http), content.encode())
    assert response.status_code == 200, response.text
    assert response.json()["data"]["registerClient"]["id"]


async def test_a_lone_surrogate_reaching_graphql_is_refused_before_any_resolver(app, api):
    """Callers of ``schema.execute`` (no HTTP edge) meet the same refusal."""
    before = await rows(app)
    out = await api.run(PIRKANMAA_WORKER, REGISTER, input=registration(name=f"A{LONE}"))
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]
    assert out["errors"][0]["message"] == (
        "input.name is not Unicode text (it holds a lone surrogate)"
    )
    out = await api.run(PIRKANMAA_WORKER, SEARCH, q=LONE)
    assert [e["code"] for e in out["errors"]] == ["BAD_USER_INPUT"]
    assert await rows(app) == before


# --- NUL bytes (PostgreSQL cannot store them; refused on both) ---------------------------


async def test_a_nul_in_a_name_is_bad_user_input_and_writes_nothing(app, http):
    before = await rows(app)
    token = worker(http)
    for name in ("Aino\x00", "\x00", "A\x00\x00B"):
        response = await http.post(REGISTER, token, {"input": registration(name)})
        body = assert_bad_user_input(response, 200)
        assert body["errors"][0]["message"] == "input.name contains a NUL character"
        assert body["errors"][0]["extensions"]["field"] == "input.name"
    inline = 'mutation { registerClient(input: {personalId: "%s", name: "A\\u0000", language: FI, organiserId: "wc-pirkanmaa", purpose: "asiakkuus"}) { id } }'
    assert_bad_user_input(await http.post(inline % personal_id(), token), 200)
    assert await rows(app) == before


async def test_a_nul_in_a_search_term_is_bad_user_input(app, http):
    before = await rows(app)
    token = worker(http)
    body = assert_bad_user_input(await http.post(SEARCH, token, {"q": "Aino\x00"}), 200)
    assert body["errors"][0]["message"] == "search contains a NUL character"
    inline = '{ clients(search: "a\\u0000") { edges { cursor } } }'
    assert_bad_user_input(await http.post(inline, token), 200)
    lookup = "query($p: String!) { clientByPersonalId(personalId: $p) { id } }"
    assert_bad_user_input(await http.post(lookup, handler(http), {"p": "010180-9\x0001"}), 200)
    assert await rows(app) == before


async def test_a_nul_in_an_external_id_is_bad_user_input_and_writes_nothing(app, http):
    registered = await http.ok(REGISTER, worker(http), input=registration())
    client_id = registered["registerClient"]["id"]
    before = await rows(app)
    token = handler(http)
    decision = decision_input(client_id, "KELA-\x00-1")
    body = assert_bad_user_input(await http.post(RECORD_DECISION, token, {"input": decision}), 200)
    assert body["errors"][0]["extensions"]["field"] == "input.externalId"
    notice = {
        "clientId": client_id,
        "type": "CONCERN_NOTICE",
        "recipientId": "wc-pirkanmaa",
        "externalId": "N-\x00",
    }
    assert_bad_user_input(await http.post(SEND_NOTICE, token, {"input": notice}), 200)
    application = {
        "clientId": client_id,
        "receivedAt": "2026-01-01T10:00:00Z",
        "channel": "ONLINE",
        "externalId": "\x00",
    }
    assert_bad_user_input(await http.post(RECORD_APPLICATION, token, {"input": application}), 200)
    assert await rows(app) == before
    # The control: the same decision without the NUL is recorded.
    decision["externalId"] = "KELA-1"
    assert (await http.ok(RECORD_DECISION, token, input=decision))["recordDecision"]["id"]


async def test_other_malformed_requests_are_graphql_shaped_400s(app, http):
    """Strawberry's own refusals (content type, multipart, GET) answer in the same shape."""
    before = await rows(app)
    headers = {"Authorization": f"Bearer {worker(http)}"}
    text = await http.client.post(
        "/graphql", content=b"{ me { subject } }", headers=headers | {"Content-Type": "text/plain"}
    )
    assert "Unsupported content type" in assert_bad_user_input(text, 400)["errors"][0]["message"]
    operations = await http.client.post(
        "/graphql",
        headers=headers,
        data={"operations": '"hello"', "map": "{}"},
        files={"0": ("a.txt", b"a", "text/plain")},
    )
    assert_bad_user_input(operations, 400)
    deep = await http.client.post(
        "/graphql",
        headers=headers,
        data={"operations": "[" * 5000 + "]" * 5000, "map": "{}"},
        files={"0": ("a.txt", b"a", "text/plain")},
    )
    assert_bad_user_input(deep, 400)
    get = await http.client.get("/graphql", params={"query": "{ me { subject } }"}, headers=headers)
    assert_bad_user_input(get, 400)
    assert await rows(app) == before
