"""``infocap check`` against good and bad configurations: one OK/FAIL line a check with
its reason, exit 1 on any FAIL, no secret printed."""

import http.server
import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from authz.policy import DEFAULT_POLICY, Policy
from graph.cli import main
from schema.db import is_sqlite
from tests.pgserver import PostgresServer
from tests.support import ISSUER, Keys


def pem(key: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, database_url: str, keys: Keys, tmp_path: Path
) -> dict[str, str]:
    """A good configuration on each database; tests change one thing at a time."""
    for name in [n for n in os.environ if n.startswith("INFOCAP_") and "TEST" not in n]:
        if name != "INFOCAP_PG_BINDIR":
            monkeypatch.delenv(name)
    ledger_key = tmp_path / "ledger.pem"
    ledger_key.write_bytes(pem(ed25519.Ed25519PrivateKey.generate()))
    values = {
        "INFOCAP_DATABASE_URL": database_url,
        "INFOCAP_JWKS_FILE": str(keys.jwks_path),
        "INFOCAP_JWT_ISSUER": ISSUER,
        "INFOCAP_LEDGER_KEY_FILE": str(ledger_key),
        "INFOCAP_ATTACHMENT_DIR": str(tmp_path / "attachments"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    code = main(["check"])
    out = capsys.readouterr().out
    lines = {}
    for line in out.splitlines()[:-1]:
        status, _, rest = line.partition(" ")
        name, _, _detail = rest.strip().partition(":")
        lines[name] = status
    return code, lines, out


def test_a_good_configuration_passes_every_check(environment, capsys):
    code, lines, out = run(capsys)
    assert code == 0, out
    assert lines == {
        name: "OK"
        for name in (
            "configuration",
            "database",
            "migrations",
            "jwks",
            "policy",
            "ledger key",
            "attachments",
        )
    }
    assert f"sha256 {Policy().sha256}" in out
    assert "2 usable key(s): rsa-1, ec-1" in out
    assert out.splitlines()[-1] == "7 OK, 0 FAIL"


def test_a_setting_that_does_not_load_fails_first(environment, monkeypatch, capsys):
    monkeypatch.setenv("INFOCAP_ENV", "production")
    monkeypatch.delenv("INFOCAP_LEDGER_KEY_FILE")
    code, lines, out = run(capsys)
    assert code == 1
    assert lines == {"configuration": "FAIL"}
    assert "production needs INFOCAP_LEDGER_KEY_FILE" in out


def test_an_unreachable_database(environment, monkeypatch, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(
        "INFOCAP_DATABASE_URL", f"postgresql://infocap:hunter2@127.0.0.1:{port}/infocap"
    )
    code, lines, out = run(capsys)
    assert code == 1
    assert (lines["database"], lines["migrations"]) == ("FAIL", "FAIL")
    assert "unreachable" in out
    assert "hunter2" not in out
    assert lines["jwks"] == lines["policy"] == "OK"


def test_a_postgresql_database_never_migrated(environment, monkeypatch, pg: PostgresServer, capsys):
    name = f"n_{uuid.uuid4().hex[:10]}"
    admin = pg.url().replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        monkeypatch.setenv("INFOCAP_DATABASE_URL", pg.url(name))
        code, lines, out = run(capsys)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert code == 1
    assert (lines["database"], lines["migrations"]) == ("OK", "FAIL")
    assert "never migrated" in out
    assert "run infocap migrate" in out


def test_an_sqlite_file_not_made_yet_is_made_on_start(environment, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("INFOCAP_DATABASE_URL", f"sqlite:///{tmp_path / 'later.db'}")
    code, _lines, out = run(capsys)
    assert code == 0, out
    assert "creates and migrates it on start" in out
    assert not (tmp_path / "later.db").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"keys": []}', "PyJWKSetError"),
        ("not json", "JSONDecodeError"),
        ('{"keys": [{"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"}]}', "no key for the accepted"),
    ],
    ids=["empty", "not-json", "only-symmetric"],
)
def test_a_jwks_file_without_a_usable_key(
    environment, monkeypatch, tmp_path, capsys, content, reason
):
    path = tmp_path / "jwks.json"
    path.write_text(content)
    monkeypatch.setenv("INFOCAP_JWKS_FILE", str(path))
    code, lines, out = run(capsys)
    assert (code, lines["jwks"]) == (1, "FAIL")
    assert reason in out


@pytest.fixture
def jwks_server(keys: Keys) -> Iterator[str]:
    body = json.dumps(keys.jwks()).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/infocap/protocol/openid-connect/certs"
    finally:
        server.shutdown()
        server.server_close()


def test_a_jwks_url_that_answers(environment, monkeypatch, jwks_server, capsys):
    monkeypatch.delenv("INFOCAP_JWKS_FILE")
    monkeypatch.setenv("INFOCAP_JWKS_URL", jwks_server)
    code, lines, out = run(capsys)
    assert (code, lines["jwks"]) == (0, "OK"), out
    assert jwks_server in out


def test_a_jwks_url_that_does_not_answer(environment, monkeypatch, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.delenv("INFOCAP_JWKS_FILE")
    monkeypatch.setenv("INFOCAP_JWKS_URL", f"http://127.0.0.1:{port}/certs")
    code, lines, _out = run(capsys)
    assert (code, lines["jwks"]) == (1, "FAIL")


def test_no_jwks_at_all(environment, monkeypatch, capsys):
    monkeypatch.delenv("INFOCAP_JWKS_FILE")
    code, lines, out = run(capsys)
    assert (code, lines["jwks"]) == (1, "FAIL")
    assert "neither INFOCAP_JWKS_URL nor INFOCAP_JWKS_FILE" in out


def test_a_policy_that_fails_its_check(environment, monkeypatch, tmp_path, capsys):
    bad = tmp_path / "policy.csv"
    bad.write_text(
        DEFAULT_POLICY.read_text().replace(
            "p, dpo, PLAN, read, DENY", "p, dpo, PLAN, read, STATUTORY"
        )
    )
    monkeypatch.setenv("INFOCAP_POLICY_FILE", str(bad))
    code, lines, out = run(capsys)
    assert (code, lines["policy"]) == (1, "FAIL")
    assert "a dpo never reads content (PLAN)" in out


@pytest.mark.parametrize("kind", ["rsa", "missing", "unset"])
def test_a_ledger_key_that_is_not_an_ed25519_pem(environment, monkeypatch, tmp_path, capsys, kind):
    path = tmp_path / "ledger.pem"
    if kind == "rsa":
        path.write_bytes(pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
        monkeypatch.setenv("INFOCAP_LEDGER_KEY_FILE", str(path))
    elif kind == "missing":
        monkeypatch.setenv("INFOCAP_LEDGER_KEY_FILE", str(tmp_path / "nowhere.pem"))
    else:
        monkeypatch.delenv("INFOCAP_LEDGER_KEY_FILE")
    code, lines, out = run(capsys)
    assert (code, lines["ledger key"]) == (1, "FAIL")
    assert "INFOCAP_LEDGER_KEY_FILE" in out


def test_an_attachment_directory_that_cannot_be_made(environment, monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("INFOCAP_ATTACHMENT_DIR", str(blocker / "attachments"))
    code, lines, _ = run(capsys)
    assert (code, lines["attachments"]) == (1, "FAIL")


def test_serve_check_refuses_to_start_on_a_failed_check(environment, monkeypatch, capsys):
    monkeypatch.delenv("INFOCAP_JWKS_FILE")
    assert main(["serve", "--check", "--port", "1"]) == 1
    captured = capsys.readouterr()
    assert "FAIL jwks" in captured.out
    assert "not starting" in captured.err


def test_the_database_url_kind_is_named(environment, capsys):
    _, _, out = run(capsys)
    first = out.splitlines()[0]
    expected = "SQLite at" if is_sqlite(environment["INFOCAP_DATABASE_URL"]) else "PostgreSQL"
    assert expected in first
