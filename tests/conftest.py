"""Fixtures: every storage test runs on SQLite and on a throwaway PostgreSQL.

Each test gets a fresh database copied from a template migrated once per run (a file
copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL). Set
``INFOCAP_TEST_DATABASES=sqlite`` to run on SQLite alone while developing; the full
run (``.ci/run``) runs every kind.

A third kind, ``postgresql-partitioned``, is PostgreSQL with every client-owned table
hash-partitioned by client (``schema.partitioning``, ``INFOCAP_TEST_PARTITIONS``
partitions, 4 by default): the key rules Citus needs, enforced by PostgreSQL itself.
It is run by default on the storage layer's tests (``PARTITIONED_SCOPE``: the schema, the
ledger, the deployment scripts, the change feed, the global rules, the CLI, and the
writes and reads of every kind of client-owned row);
``INFOCAP_TEST_PARTITIONED=all`` runs every storage test on it (the whole suite on a
partitioned database: ``INFOCAP_TEST_DATABASES=postgresql-partitioned
INFOCAP_TEST_PARTITIONED=all``), which takes about seven minutes on two cores.
"""

import dataclasses
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from authz.policy import DEFAULT_POLICY
from graph.app import create_app
from graph.settings import Settings
from schema.db import make_sync_engine, migrate
from schema.partitioning import partition_by_client
from schema.pii import new_keyring, write_keyring
from tests.pgserver import PostgresServer, postgres_server
from tests.support import AUDIENCE, ISSUER, Api, Clock, Http, Keys

DATABASES = [
    d
    for d in os.environ.get(
        "INFOCAP_TEST_DATABASES", "sqlite,postgresql,postgresql-partitioned"
    ).split(",")
    if d
]
POSTGRES_KINDS = [d for d in DATABASES if d.startswith("postgresql")]
TEMPLATE = "infocap_template"
PARTITIONED = "postgresql-partitioned"
PARTITIONED_TEMPLATE = "infocap_template_partitioned"
PARTITIONS = int(os.environ.get("INFOCAP_TEST_PARTITIONS", "4"))
PARTITIONED_EVERYWHERE = os.environ.get("INFOCAP_TEST_PARTITIONED", "storage") == "all"
PARTITIONED_SCOPE = (
    "tests/schema/",
    "tests/ledger/",
    "tests/deploy/",
    "tests/graph/test_changes",
    "tests/graph/test_global_rules.py",
    "tests/graph/test_cli.py",
    # the writes of every kind of client-owned row, and their reads
    "tests/graph/test_registration.py",
    "tests/graph/test_clients.py",
    "tests/graph/test_decisions.py",
    "tests/graph/test_notices.py",
    "tests/graph/test_applications.py",
    "tests/graph/test_attachments.py",
    "tests/graph/test_plans.py",
    "tests/graph/test_consents.py",
    "tests/graph/test_access_log.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Outside ``PARTITIONED_SCOPE``, leave out the partitioned kind unless asked for all."""
    if PARTITIONED_EVERYWHERE:
        return
    root = config.rootpath
    kept, left = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        kinds = [] if params is None else list(params.params.values())
        where = item.path.relative_to(root).as_posix()
        if any(k == PARTITIONED for k in kinds) and not where.startswith(PARTITIONED_SCOPE):
            left.append(item)
        else:
            kept.append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        migrate(server.url(TEMPLATE))
        yield server


@pytest.fixture(scope="session")
def pg_partitioned(pg: PostgresServer) -> PostgresServer:
    """The server, with a second template: the migrated one, hash-partitioned by client."""
    with psycopg.connect(pg.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {PARTITIONED_TEMPLATE} TEMPLATE {TEMPLATE}")
    engine = make_sync_engine(pg.url(PARTITIONED_TEMPLATE))
    try:
        with engine.begin() as connection:
            partition_by_client(connection, PARTITIONS)
    finally:
        engine.dispose()
    return pg


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "infocap.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "infocap.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield from _pg_kind(request, request.param)


@pytest.fixture(params=list[str | None](POSTGRES_KINDS) or [None])
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database (of each PostgreSQL kind run), for what only
    PostgreSQL can show (several transactions open at once, several processes); skipped
    when PostgreSQL is not run."""
    if request.param is None:
        pytest.skip("PostgreSQL is not among INFOCAP_TEST_DATABASES")
    yield from _pg_kind(request, request.param)


@pytest.fixture
def partitioned_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database of the ``postgresql-partitioned`` kind, whichever PostgreSQL kind
    is run (for what only partitions show: pruning); skipped without PostgreSQL."""
    if not POSTGRES_KINDS:
        pytest.skip("PostgreSQL is not among INFOCAP_TEST_DATABASES")
    yield from _pg_kind(request, PARTITIONED)


def _pg_kind(request: pytest.FixtureRequest, kind: str) -> Iterator[str]:
    if kind == PARTITIONED:
        yield from _pg_database(request.getfixturevalue("pg_partitioned"), PARTITIONED_TEMPLATE)
    else:
        yield from _pg_database(request.getfixturevalue("pg"), TEMPLATE)


def _pg_database(server: PostgresServer, template: str) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = server.url().replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield server.url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys.create(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def pii_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' own keyring for personal identity codes at rest."""
    path = tmp_path_factory.mktemp("pii") / "pii-keys.json"
    write_keyring(path, new_keyring("test-1"))
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str, keys: Keys, tmp_path: Path, pii_key_file: Path) -> Settings:
    return Settings(
        pii_key_file=pii_key_file,
        database_url=database_url,
        jwks_file=keys.jwks_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        attachment_dir=tmp_path / "attachments",
        max_upload_bytes=64 * 1024,
        max_body_bytes=64 * 1024,
    )


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def api(app: Starlette) -> Api:
    return Api(app)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    """A deployment's own copy of the default policy, for a test to change."""
    path = tmp_path / "deployment-policy.csv"
    shutil.copy(DEFAULT_POLICY, path)
    return path


@pytest.fixture
async def policy_api(settings: Settings, policy_file: Path, clock: Clock) -> AsyncIterator[Api]:
    """The service under ``policy_file``, reloaded only when a test asks."""
    application = create_app(
        dataclasses.replace(settings, policy_file=policy_file, policy_poll_seconds=0),
        clock=clock,
    )
    async with application.router.lifespan_context(application):
        yield Api(application)


@pytest.fixture
async def http(app: Starlette, keys: Keys) -> AsyncIterator[Http]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://infocap.test") as client:
        yield Http(client, keys)


@pytest.fixture
async def pg_api(pg_url: str, keys: Keys, tmp_path: Path, pii_key_file: Path) -> AsyncIterator[Api]:
    """The service on a PostgreSQL database of its own (see ``pg_url``)."""
    settings = Settings(
        pii_key_file=pii_key_file,
        database_url=pg_url,
        jwks_file=keys.jwks_path,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        attachment_dir=tmp_path / "attachments",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield Api(application)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand this process's security figures to the controller,
    which adds every worker's up (``pytest_testnodedown``)."""
    from tests import figures

    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["security_figures"] = dict(figures.FIGURES)


def pytest_testnodedown(node: Any, error: object) -> None:
    """In the xdist controller: a worker's security figures, added to the run's."""
    from tests import figures

    for name, amount in getattr(node, "workeroutput", {}).get("security_figures", {}).items():
        figures.add(name, amount)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The security figures of this run (oracle, fuzzing, faults), when any test made some."""
    from tests import figures

    line = figures.summary()
    if line is not None:
        terminalreporter.write_sep("-", "security figures")
        terminalreporter.write_line(line)
        figures.write({"databases": DATABASES})
