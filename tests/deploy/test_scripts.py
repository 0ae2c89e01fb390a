"""The container's scripts, run as processes against the test PostgreSQL (no Docker):
the database init script makes the owner and the restricted role, the entrypoint's
``migrate`` migrates as the owner and grants the role, and its ``serve`` checks the
deployment and serves as the restricted role."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from schema.db import head_revisions
from tests.pgserver import PostgresServer, find_bindir
from tests.support import ISSUER, Keys, claims

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
INIT = ROOT / "docker" / "initdb" / "10-roles.sh"
BIN = Path(sys.executable).parent
TIMEOUT = 120


class Deployment:
    def __init__(self, pg: PostgresServer, database: str, owner: str, app: str) -> None:
        self.pg, self.database, self.owner, self.app = pg, database, owner, app

    def url(self, role: str) -> str:
        return f"postgresql://{role}:pw-{role}@127.0.0.1:{self.pg.port}/{self.database}"

    def env(self, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("INFOCAP_")}
        base["PATH"] = f"{BIN}{os.pathsep}{find_bindir()}{os.pathsep}{base.get('PATH', '')}"
        return base | extra


@pytest.fixture
def deployment(pg: PostgresServer) -> Iterator[Deployment]:
    tag = uuid.uuid4().hex[:8]
    found = Deployment(pg, f"d_{tag}", f"owner_{tag}", f"app_{tag}")
    admin = pg.url().replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {found.database}")
    try:
        yield found
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {found.database} WITH (FORCE)")
            for role in (found.owner, found.app):
                conn.execute(f"DROP ROLE IF EXISTS {role}")


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def init_roles(deployment: Deployment, tmp_path: Path) -> None:
    result = run(
        ["/bin/sh", str(INIT)],
        deployment.env(
            PGHOST="127.0.0.1",
            PGPORT=str(deployment.pg.port),
            POSTGRES_USER="postgres",
            POSTGRES_DB=deployment.database,
            INFOCAP_DB_OWNER_USER=deployment.owner,
            INFOCAP_DB_APP_USER=deployment.app,
            INFOCAP_DB_OWNER_PASSWORD=f"pw-{deployment.owner}",
            INFOCAP_DB_APP_PASSWORD=f"pw-{deployment.app}",
        ),
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def migrate(deployment: Deployment, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run(
        ["/bin/sh", str(ENTRYPOINT), "migrate"],
        deployment.env(
            INFOCAP_DATABASE_URL=deployment.url(deployment.app),
            INFOCAP_MIGRATION_DATABASE_URL=deployment.url(deployment.owner),
        ),
        tmp_path,
    )


def test_init_script_and_migration_job_leave_a_restricted_service_role(deployment, tmp_path):
    init_roles(deployment, tmp_path)
    result = migrate(deployment, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{deployment.app} granted the service's privileges" in result.stdout

    with psycopg.connect(deployment.url(deployment.owner)) as conn:
        owners = {
            row[0]
            for row in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
        }
        version = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        superuser = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = %s", (deployment.owner,)
        ).fetchone()
    assert owners == {deployment.owner}
    assert version == set(head_revisions())
    assert superuser == (False,)
    with psycopg.connect(deployment.url(deployment.app), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM organisations").fetchone() == (23,)
        for statement in (
            "DELETE FROM access_log",
            "UPDATE consent_events SET prev = prev",
            "TRUNCATE policy_changes",
            "CREATE TABLE mine (x int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_migrate_refuses_to_run_postgresql_without_the_owner(deployment, tmp_path):
    result = run(
        ["/bin/sh", str(ENTRYPOINT), "migrate"],
        deployment.env(INFOCAP_DATABASE_URL=deployment.url(deployment.app)),
        tmp_path,
    )
    assert result.returncode == 2
    assert "INFOCAP_MIGRATION_DATABASE_URL" in result.stderr


def test_the_entrypoint_passes_other_commands_on(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOCAP_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    shown = run(["/bin/sh", str(ENTRYPOINT), "policy", "show"], env, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "policy sha256" in shown.stdout
    echoed = run(["/bin/sh", str(ENTRYPOINT), "echo", "hello"], env, tmp_path)
    assert (echoed.returncode, echoed.stdout) == (0, "hello\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pii_keys(directory: Path) -> Path:
    from schema.pii import new_keyring, write_keyring

    path = directory / "pii-keys.json"
    write_keyring(path, new_keyring())
    return path


def test_serve_checks_then_serves_as_the_restricted_role(deployment, tmp_path, keys: Keys):
    init_roles(deployment, tmp_path)
    assert migrate(deployment, tmp_path).returncode == 0
    ledger_key = tmp_path / "ledger.pem"
    ledger_key.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    port = free_port()
    env = deployment.env(
        INFOCAP_ENV="production",
        INFOCAP_DATABASE_URL=deployment.url(deployment.app),
        INFOCAP_JWKS_FILE=str(keys.jwks_path),
        INFOCAP_JWT_ISSUER=ISSUER,
        INFOCAP_LEDGER_KEY_FILE=str(ledger_key),
        INFOCAP_PII_KEY_FILE=str(pii_keys(tmp_path)),
        INFOCAP_LEDGER_ORIGIN="deploy.infocap.test/consent",
        INFOCAP_ATTACHMENT_DIR=str(tmp_path / "attachments"),
        INFOCAP_HOST="127.0.0.1",
        INFOCAP_PORT=str(port),
        INFOCAP_LOG_LEVEL="warning",
    )
    output = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        ["/bin/sh", str(ENTRYPOINT)],
        env=env,
        cwd=tmp_path,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + TIMEOUT
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert ready is not None, log
        assert ready.status_code == 200, ready.text
        assert "7 OK, 0 FAIL" in log
        token = keys.sign(claims("social_worker", org="wc-pirkanmaa"))
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": "{ me { roles organisation { id } } }"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.json()["data"]["me"] == {
            "roles": ["social_worker"],
            "organisation": {"id": "wc-pirkanmaa"},
        }
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        output.close()
