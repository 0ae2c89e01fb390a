"""Sizes (issue 5, finding 3): JSON bodies have their own limit, uploads keep theirs, the
query document has a maximum length checked before it is parsed, and every input string
and list has a limit from one table (``graph/input_limits.py``), answered BAD_USER_INPUT
naming the field and the limit, with nothing written."""

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    parse,
)
from sqlalchemy import func, select

from graph.app import create_app
from graph.documents import Operation
from graph.errors import BadUserInput
from graph.input_limits import (
    CHARACTERS,
    ID_CHARACTERS,
    ITEMS,
    LIST_ITEMS,
    STRING_CHARACTERS,
    check,
)
from graph.schema import build_schema
from graph.settings import Settings
from schema.base import Base
from tests.factories import PIRKANMAA_WORKER, PLAN_INPUT, SAVE_PLAN, personal_id, register
from tests.support import Http

SCHEMA = build_schema()._schema
REGISTER = "mutation($input: RegisterClientInput!) { registerClient(input: $input) { id } }"


async def rows(app) -> dict[str, int]:
    async with app.state.runtime.sessions() as session:
        return {
            t.name: int(await session.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


# --- the table ---------------------------------------------------------------------------


def positions() -> Iterator[tuple[str, Any]]:
    """Every input position of the schema, by coordinate, with its type."""
    seen: set[str] = set()

    def walk(kind: Any, coordinate: str) -> Iterator[tuple[str, Any]]:
        inner = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
        yield coordinate, inner
        if isinstance(inner, GraphQLList):
            yield from walk(inner.of_type, f"{coordinate}[]")
        elif isinstance(inner, GraphQLInputObjectType) and inner.name not in seen:
            seen.add(inner.name)
            for name, field in inner.fields.items():
                yield from walk(field.type, f"{inner.name}.{name}")

    for named in SCHEMA.type_map.values():
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
            for field_name, field in named.fields.items():
                for arg_name, arg in field.args.items():
                    yield from walk(arg.type, f"{named.name}.{field_name}({arg_name})")


POSITIONS = dict(positions())


def test_every_entry_of_the_table_is_a_position_of_its_kind():
    for coordinate in CHARACTERS:
        kind = POSITIONS.get(coordinate)
        assert isinstance(kind, GraphQLScalarType), coordinate
        assert kind.name in ("String", "ID"), coordinate
    for coordinate in ITEMS:
        assert isinstance(POSITIONS.get(coordinate), GraphQLList), coordinate


def test_the_limits_named_in_the_issue_are_in_the_table():
    """Names, notes, plan goals and measures, search terms and free texts."""
    for coordinate in (
        "RegisterClientInput.name",
        "UpdateClientInput.name",
        "Mutation.moveNotice(note)",
        "PlanInput.goals[]",
        "MeasureInput.description",
        "Query.clients(search)",
        "NoticeInput.detail",
        "DecisionInput.grounds",
        "LifeAreaInput.summary",
    ):
        assert coordinate in CHARACTERS, coordinate
    for coordinate in ("PlanInput.goals", "PlanInput.measures"):
        assert coordinate in ITEMS


def path_to(coordinate: str) -> tuple[str, str, str, list[str]]:
    """A root field, its argument and the input fields leading to ``coordinate``."""
    target = coordinate.removesuffix("[]")
    for root in (SCHEMA.query_type, SCHEMA.mutation_type):
        assert root is not None
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                if f"{root.name}.{field_name}({arg_name})" == target:
                    return root.name, field_name, arg_name, []
                found = _inside(arg.type, target, [])
                if found is not None:
                    return root.name, field_name, arg_name, found
    raise LookupError(coordinate)


def _inside(kind: Any, target: str, trail: list[str]) -> list[str] | None:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    if not isinstance(kind, GraphQLInputObjectType) or len(trail) > 4:
        return None
    for name, field in kind.fields.items():
        if f"{kind.name}.{name}" == target:
            return [*trail, name]
        found = _inside(field.type, target, [*trail, name])
        if found is not None:
            return found
    return None


def operation_with(coordinate: str, value: Any) -> tuple[Operation, str]:
    """An operation sending ``value`` at ``coordinate`` in a variable; the field's path
    as a refusal names it."""
    root, field, argument, trail = path_to(coordinate)
    kind = SCHEMA.get_type(root).fields[field].args[argument].type  # type: ignore[union-attr]
    nested, path = _place(kind, trail, value, argument)
    operation = "mutation" if root == "Mutation" else "query"
    document = parse(f"{operation}($v: {kind}) {{ {field}({argument}: $v) {{ __typename }} }}")
    found = Operation.find(SCHEMA, document, None, {"v": nested})
    assert found is not None
    return found, path


def _place(kind: Any, trail: list[str], value: Any, path: str) -> tuple[Any, str]:
    """``value`` wrapped in the objects (and one-item lists) the trail goes through."""
    while isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if not trail:
        return value, path
    if isinstance(kind, GraphQLList):
        inner, inner_path = _place(kind.of_type, trail, value, f"{path}[0]")
        return [inner], inner_path
    name = trail[0]
    inner, inner_path = _place(kind.fields[name].type, trail[1:], value, f"{path}.{name}")
    return {name: inner}, inner_path


def refused(operation: Operation) -> BadUserInput | None:
    try:
        check(operation)
    except BadUserInput as error:
        return error
    return None


@pytest.mark.parametrize("coordinate", sorted(CHARACTERS))
def test_each_string_is_refused_one_character_over_its_limit(coordinate):
    limit = CHARACTERS[coordinate]
    item = coordinate.endswith("[]")
    at_limit = ["x" * limit] if item else "x" * limit
    over = ["x" * (limit + 1)] if item else "x" * (limit + 1)
    operation, path = operation_with(coordinate, at_limit)
    assert refused(operation) is None
    operation, path = operation_with(coordinate, over)
    error = refused(operation)
    assert error is not None
    named = f"{path}[0]" if item else path
    assert error.message == f"{named} is longer than {limit} characters"
    assert error.extensions == {"field": named, "limit": limit}


@pytest.mark.parametrize("coordinate", sorted(ITEMS))
def test_each_list_is_refused_one_item_over_its_limit(coordinate):
    limit = ITEMS[coordinate]
    item_kind = POSITIONS[coordinate].of_type
    while isinstance(item_kind, GraphQLNonNull):
        item_kind = item_kind.of_type
    item: Any = {} if isinstance(item_kind, GraphQLInputObjectType) else "x"
    if hasattr(item_kind, "values"):  # an enum
        item = next(iter(item_kind.values))
    operation, path = operation_with(coordinate, [item] * limit)
    assert refused(operation) is None
    operation, path = operation_with(coordinate, [item] * (limit + 1))
    error = refused(operation)
    assert error is not None
    assert error.message == f"{path} has more than {limit} items"


def test_positions_not_in_the_table_get_the_defaults():
    for text, value, message in (
        (
            "query($v: String) { clients(after: $v) { __typename } }",
            "x" * (STRING_CHARACTERS + 1),
            f"after is longer than {STRING_CHARACTERS} characters",
        ),
        (
            "query($v: ID!) { client(id: $v) { __typename } }",
            "1" * (ID_CHARACTERS + 1),
            f"id is longer than {ID_CHARACTERS} characters",
        ),
    ):
        operation = Operation.find(SCHEMA, parse(text), None, {"v": value})
        assert operation is not None
        error = refused(operation)
        assert error is not None
        assert error.message == message
    # Every list of the schema has its own entry; a new one would get LIST_ITEMS.
    lists = {c for c, kind in POSITIONS.items() if isinstance(kind, GraphQLList)}
    assert lists == set(ITEMS), "give each list of the schema its limit"
    assert LIST_ITEMS == 100


def test_literals_variables_and_defaults_are_all_checked():
    over = "x" * 201
    for text, variables in (
        (f'{{ clients(search: "{over}") {{ __typename }} }}', {}),
        ("query($q: String) { clients(search: $q) { __typename } }", {"q": over}),
        (f'query($q: String = "{over}") {{ clients(search: $q) {{ __typename }} }}', {}),
        (
            "query($q: String) { ...F } fragment F on Query { clients(search: $q) { __typename } }",
            {"q": over},
        ),
        ("query($q: String) { ... on Query { clients(search: $q) { __typename } } }", {"q": over}),
    ):
        operation = Operation.find(SCHEMA, parse(text), None, variables)
        assert operation is not None
        error = refused(operation)
        assert error is not None, text
        assert error.message == "search is longer than 200 characters"


def test_strings_deep_in_the_response_selection_are_checked_too():
    text = "query($a: String) { clients { edges { node { notices(after: $a) { __typename } } } } }"
    operation = Operation.find(SCHEMA, parse(text), None, {"a": "\x00"})
    assert operation is not None
    error = refused(operation)
    assert error is not None
    assert error.message == "after contains a NUL character"


# --- through the service -----------------------------------------------------------------


async def test_an_overlong_name_is_refused_naming_field_and_limit(app, api):
    before = await rows(app)
    data = {
        "personalId": personal_id(),
        "name": "N" * 201,
        "language": "FI",
        "organiserId": "wc-pirkanmaa",
        "purpose": "asiakkuuden avaus",
    }
    out = await api.run(PIRKANMAA_WORKER, REGISTER, input=data)
    assert out["data"] is None
    assert out["errors"] == [
        {
            "message": "input.name is longer than 200 characters",
            "code": "BAD_USER_INPUT",
            "path": None,
        }
    ]
    assert await rows(app) == before


async def test_plan_goals_and_measures_are_limited_in_count_and_length(app, api):
    client_id = await register(api)
    before = await rows(app)
    too_many = PLAN_INPUT | {"goals": [f"tavoite {i}" for i in range(51)]}
    out = await api.run(PIRKANMAA_WORKER, SAVE_PLAN, clientId=client_id, input=too_many)
    assert [(e["code"], e["message"]) for e in out["errors"]] == [
        ("BAD_USER_INPUT", "input.goals has more than 50 items")
    ]
    long_measure = PLAN_INPUT | {"measures": [{"description": "m" * 2001}]}
    out = await api.run(PIRKANMAA_WORKER, SAVE_PLAN, clientId=client_id, input=long_measure)
    assert [(e["code"], e["message"]) for e in out["errors"]] == [
        ("BAD_USER_INPUT", "input.measures[0].description is longer than 2000 characters")
    ]
    assert await rows(app) == before


async def test_a_long_note_and_search_are_refused_over_http(app, http):
    token = http.token("social_worker", org="wc-pirkanmaa")
    before = await rows(app)
    move = (
        'mutation($n: String) { moveNotice(id: "01a209d2-0302-7f2d-92fe-5e19adc299b9",'
        " to: RECEIVED, note: $n) { id } }"
    )
    response = await http.post(move, token, {"n": "n" * 4001})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"].pop("requestId")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "note", "limit": 4000}
    search = "query($q: String) { clients(search: $q) { edges { cursor } } }"
    [error] = (await http.post(search, token, {"q": "s" * 201})).json()["errors"]
    assert error["message"] == "search is longer than 200 characters"
    assert await rows(app) == before


# --- bodies and documents ----------------------------------------------------------------


@pytest.fixture
async def sized(settings, clock, keys) -> Any:
    """A service with a 64 KiB JSON body limit and a 256 KiB upload limit."""
    limits = dataclasses.replace(settings, max_body_bytes=64 * 1024, max_upload_bytes=256 * 1024)
    app = create_app(limits, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as c:
            yield app, Http(c, keys)


async def test_json_bodies_have_their_own_limit_and_uploads_keep_theirs(sized):
    app, http = sized
    token = http.token("social_worker", org="wc-pirkanmaa")
    client_id = (
        await http.ok(
            REGISTER,
            token,
            input={
                "personalId": personal_id(),
                "name": "A",
                "language": "FI",
                "organiserId": "wc-pirkanmaa",
                "purpose": "asiakkuuden avaus",
            },
        )
    )["registerClient"]["id"]
    padded = {"query": "{ me { subject } }", "variables": {"pad": "x" * (100 * 1024)}}
    response = await http.client.post(
        "/graphql", json=padded, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"].pop("requestId")
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "limit": 64 * 1024}
    # A 200 KiB file is over the JSON limit and within the upload limit: it is taken.
    content = b"Vuokrasopimus\n" + b"x" * (200 * 1024)
    upload = await http.upload(
        token,
        {"clientId": client_id, "kind": "RENT_AGREEMENT"},
        "sopimus.txt",
        content,
        "text/plain",
    )
    assert upload.status_code == 200, upload.text
    assert "errors" not in upload.json(), upload.text
    assert app.state.runtime.errors["PAYLOAD_TOO_LARGE"] == 1


async def test_the_default_json_limit_is_one_mebibyte(settings, clock, keys):
    deployed = dataclasses.replace(settings, max_body_bytes=Settings().max_body_bytes)
    app = create_app(deployed, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as c:
            http = Http(c, keys)
            token = http.token("social_worker", org="wc-pirkanmaa")
            envelope = len(json.dumps({"query": "{ me { subject } }", "variables": {"p": ""}}))
            for size, status in ((1024 * 1024 - envelope, 200), (1024 * 1024 - envelope + 1, 413)):
                body = {"query": "{ me { subject } }", "variables": {"p": "x" * size}}
                response = await c.post(
                    "/graphql",
                    content=json.dumps(body),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                assert response.status_code == status, (size, response.text[:200])


async def test_a_19_mb_comment_is_refused_before_it_is_read(http):
    token = http.token("kela_handler", org="kela")
    query = "{ me { subject } } #" + "c" * (19 * 1024 * 1024)
    declared = await http.client.post(
        "/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert declared.status_code == 413

    async def chunks():
        yield b'{"query": "{ me { subject } } #'
        for _ in range(19):
            yield b"c" * (1024 * 1024)
        yield b'"}'

    counted = await http.client.post(
        "/graphql",
        content=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert counted.status_code == 413


async def test_a_query_over_the_length_limit_is_refused_before_it_is_parsed(app, http, api):
    token = http.token("kela_handler", org="kela")
    limit = app.state.runtime.settings.max_query_length
    # Unparseable (no closing brace): a parse would answer a syntax error instead.
    query = "{ me { subject } " + "#" + "c" * limit
    response = await http.post(query, token)
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"].pop("requestId")
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "length": len(query),
        "limit": limit,
    }
    assert error["message"] == (
        f"the query is {len(query)} characters long, over the limit of {limit}"
    )
    out = await api.run(PIRKANMAA_WORKER, query)
    assert [e["code"] for e in out["errors"]] == ["QUERY_TOO_COMPLEX"]
    # At the limit the document is parsed, and its syntax error is the answer.
    at_limit = "{ me { subject } " + "#" + "c" * (limit - len("{ me { subject } #"))
    assert len(at_limit) == limit
    [error] = (await http.post(at_limit, token)).json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
