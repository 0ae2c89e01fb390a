"""docs/front-end.md never goes stale (issue 7, item 6): every GraphQL block in it is
valid against the published schema (``schema/schema.graphql``), its queries run against
a live demo with the ids the demo prints and answer data without errors, and its
GraphQL Code Generator set-up, taken from the page, generates types for its operations
that ``tsc`` accepts."""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    DirectiveNode,
    ExecutableDefinitionNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    parse,
    print_ast,
    validate,
)

from tests.graph.test_demo_live import demo_env, exported
from tests.live_server import infocap_process

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "front-end.md"
CODEGEN = ROOT / "docs" / "codegen"
PUBLISHED = build_schema((ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8"))


def blocks(language: str) -> list[str]:
    """The page's fenced blocks of ``language``, list indentation removed."""
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(rf"^( *)```{language}\n(.*?)^\1```", text, re.S | re.M)
    return [textwrap.dedent(body) for _, body in found]


def block_starting(language: str, first_line: str) -> str:
    [found] = [b for b in blocks(language) if b.startswith(first_line)]
    return found


def operations() -> list[OperationDefinitionNode]:
    found = []
    for block in blocks("graphql"):
        found += [d for d in parse(block).definitions if isinstance(d, OperationDefinitionNode)]
    return found


# --- every block against the published schema ------------------------------------------------


def test_every_graphql_block_is_valid_against_the_published_schema():
    checked = 0
    for block in blocks("graphql"):
        document = parse(block)
        if all(isinstance(d, ExecutableDefinitionNode) for d in document.definitions):
            errors = validate(PUBLISHED, document)
            assert not errors, (block, [e.message for e in errors])
        else:
            for definition in document.definitions:
                assert isinstance(definition, ObjectTypeDefinitionNode), block
                assert_excerpt(definition)
        checked += 1
    assert checked >= 15


def assert_excerpt(definition: ObjectTypeDefinitionNode) -> None:
    """An SDL excerpt: each field it shows is the published one, type and category."""
    published = PUBLISHED.type_map[definition.name.value]
    for field in definition.fields or ():
        ours = published.fields[field.name.value]  # type: ignore[attr-defined]
        assert str(ours.type) == print_ast(field.type), field.name.value
        shown = [print_ast(d) for d in field.directives or () if isinstance(d, DirectiveNode)]
        directives = getattr(ours.ast_node, "directives", None) or ()
        assert shown == [print_ast(d) for d in directives], field.name.value


def test_the_screens_and_the_codegen_set_up_are_on_the_page():
    names = {o.name.value for o in operations() if o.name is not None}
    assert {"CaseworkerOverview", "NoticeInbox", "ConsentManagement"} <= names
    config = block_starting("yaml", "# codegen.yml")
    for scalar in ("DateTime", "Date", "JSON", "Upload"):
        assert re.search(rf"^\s+{scalar}: \S+", config, re.M), scalar


# --- the queries against a live demo --------------------------------------------------------

# Whose view each query is: the consent screen is the client's own; the rest a county
# worker's, who has a client relationship with the demo's example client.
AS_CLIENT = {"ConsentManagement"}


def variables_for(operation: OperationDefinitionNode, demo: dict[str, str]) -> dict[str, Any]:
    known: dict[str, Any] = {"id": demo["INFOCAP_EXAMPLE_CLIENT"], "q": "Virtanen"}
    values = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        values[name] = known.get(name)
        required = definition.type.kind == "non_null_type"
        assert not required or values[name] is not None, (operation.name, name)
    return values


def test_the_page_s_queries_answer_data_without_errors_from_a_live_demo(tmp_path: Path) -> None:
    queries = [o for o in operations() if o.operation == OperationType.QUERY]
    assert len(queries) >= 10
    with infocap_process(demo_env(tmp_path), "--demo", cwd=tmp_path) as (_address, _):
        demo = exported(tmp_path / ".infocap-demo" / "tokens.env")
        answers = {}
        for operation in queries:
            name = operation.name.value if operation.name else print_ast(operation)[:60]
            token = demo[
                "INFOCAP_TOKEN_CLIENT" if name in AS_CLIENT else "INFOCAP_TOKEN_SOCIAL_WORKER"
            ]
            response = httpx.post(
                demo["INFOCAP_URL"],
                json={"query": print_ast(operation), "variables": variables_for(operation, demo)},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert response.status_code == 200, (name, response.text)
            body = response.json()
            assert "errors" not in body, (name, body["errors"])
            assert body["data"], name
            answers[name] = body["data"]
    overview = answers["CaseworkerOverview"]["client"]
    assert overview["name"]
    assert overview["plan"]["goals"]
    decisions = overview["decisions"]
    assert decisions["edges"]
    assert decisions["totalCount"] >= len(decisions["edges"])
    inbox = answers["NoticeInbox"]["noticeInbox"]
    assert inbox["edges"]
    assert inbox["totalCount"] >= len(inbox["edges"])
    mine = answers["ConsentManagement"]
    assert mine["client"]["consents"]
    assert mine["consentLedger"]["totalCount"] == len(mine["consentLedger"]["edges"]) > 0
    assert answers["Labels"]["enumLabels"]


# --- the codegen set-up ---------------------------------------------------------------------

NPM = shutil.which("npm")


def node_modules() -> Path:
    """``docs/codegen``'s packages, installed with ``npm ci`` once per lock file into a
    cache outside the repository."""
    lock = (CODEGEN / "package-lock.json").read_bytes()
    base = Path(os.environ.get("INFOCAP_NODE_CACHE", Path.home() / ".cache" / "infocap-codegen"))
    target = base / hashlib.sha256(lock).hexdigest()[:16]
    if (target / "node_modules" / ".bin" / "graphql-codegen").exists():
        return target / "node_modules"
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=base))
    for name in ("package.json", "package-lock.json"):
        shutil.copy(CODEGEN / name, staging / name)
    subprocess.run(
        [str(NPM), "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=staging,
        check=True,
        capture_output=True,
        timeout=300,
    )
    try:
        staging.rename(target)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return target / "node_modules"


@pytest.mark.skipif(NPM is None, reason="npm is not installed: the codegen set-up needs Node.js")
def test_the_codegen_set_up_generates_types_that_type_check(tmp_path: Path) -> None:
    modules = node_modules()
    project = tmp_path / "ui"
    (project / "src" / "operations").mkdir(parents=True)
    (project / "node_modules").symlink_to(modules, target_is_directory=True)
    shutil.copy(ROOT / "schema" / "schema.graphql", project / "schema.graphql")
    (project / "codegen.yml").write_text(block_starting("yaml", "# codegen.yml"))
    for operation in operations():
        assert operation.name is not None, "codegen wants every operation named"
        path = project / "src" / "operations" / f"{operation.name.value}.graphql"
        path.write_text(print_ast(operation))
    (project / "src" / "inbox.ts").write_text(block_starting("ts", "// src/inbox.ts"))
    bin_ = modules / ".bin"
    run = subprocess.run(
        [str(bin_ / "graphql-codegen"), "--config", "codegen.yml"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    generated = (project / "src" / "gql" / "infocap.ts").read_text()
    assert "export type CaseworkerOverviewQuery" in generated
    assert "DateTime: { input: string; output: string; }" in generated
    check = subprocess.run(
        [
            str(bin_ / "tsc"),
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--lib",
            "es2022,dom",
            "--module",
            "esnext",
            "--moduleResolution",
            "bundler",
            "src/gql/infocap.ts",
            "src/inbox.ts",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
