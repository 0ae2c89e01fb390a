"""The demo as a county system meets it: ``infocap serve --demo`` on a port, its tokens on
the screen and in a file of ``export`` lines, and the integration guide's example script
run against it. A start on a busy port changes nothing and prints no token."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.live_server import infocap_process

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "county_sync.py"
ME = "{ me { subject system organisation { id } } }"


def exported(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        found[name] = value
    return found


def example(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def demo_env(tmp_path: Path) -> dict[str, str]:
    return {
        "INFOCAP_DATABASE_URL": f"sqlite:///{tmp_path / 'infocap.db'}",
        "INFOCAP_ATTACHMENT_DIR": str(tmp_path / "attachments"),
    }


def test_the_example_script_syncs_and_records_against_the_demo(tmp_path: Path) -> None:
    with infocap_process(demo_env(tmp_path), "--demo", cwd=tmp_path) as (address, _):
        tokens = exported(tmp_path / ".infocap-demo" / "tokens.env")
        assert tokens["INFOCAP_URL"] == f"http://{address}/graphql"
        for name in (
            "KELA_HANDLER",
            "SOCIAL_WORKER",
            "CLIENT",
            "COUNTY_SYSTEM",
            "SECOND_COUNTY_WORKER",
        ):
            assert f"INFOCAP_TOKEN_{name}" in tokens
        me = httpx.post(
            tokens["INFOCAP_URL"],
            json={"query": ME},
            headers={"Authorization": f"Bearer {tokens['INFOCAP_TOKEN_COUNTY_SYSTEM']}"},
        ).json()["data"]["me"]
        assert me["system"] == "pirkanmaa-cms"
        assert me["organisation"]["id"] == "wc-pirkanmaa"
        second = httpx.post(
            tokens["INFOCAP_URL"],
            json={"query": ME},
            headers={"Authorization": f"Bearer {tokens['INFOCAP_TOKEN_SECOND_COUNTY_WORKER']}"},
        ).json()["data"]["me"]
        assert second["organisation"]["id"] == "wc-lappi"

        env = {
            "INFOCAP_URL": tokens["INFOCAP_URL"],
            "INFOCAP_TOKEN": tokens["INFOCAP_TOKEN_COUNTY_SYSTEM"],
        }
        first = example(env, "sync", cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        lines = first.stdout.splitlines()
        assert lines[-1].startswith("in sync:")
        assert any(" CLIENT " in line for line in lines)
        assert any("withheld:" in line for line in lines)  # e.g. a protected identity's contact

        client = tokens["INFOCAP_EXAMPLE_CLIENT"]
        recorded = [
            example(env, "record-decision", client, "CMS-1", cwd=tmp_path) for _ in range(2)
        ]
        assert [r.returncode for r in recorded] == [0, 0], [r.stderr for r in recorded]
        assert recorded[0].stdout.splitlines()[0] == recorded[1].stdout.splitlines()[0]

        again = example(env, "sync", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        new = again.stdout.splitlines()[:-1]
        assert [line.split()[2] for line in new] == [
            "DECISION",
            "NOTICE",
        ]  # and its DECISION_ISSUED

        refused = example({**env, "INFOCAP_TOKEN": "not-a-token"}, "sync", cwd=tmp_path)
        assert refused.returncode == 4
        assert "UNAUTHENTICATED" in refused.stderr


def test_a_demo_on_a_busy_port_prints_no_token_and_keeps_the_keys(tmp_path: Path) -> None:
    keys = tmp_path / ".infocap-demo"
    keys.mkdir()
    (keys / "jwks.json").write_text('{"keys": []}')
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "graph.cli", "serve", "--demo", "--port", str(port)],
            env={**os.environ, **demo_env(tmp_path)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "token" not in done.stdout + done.stderr
    assert (keys / "jwks.json").read_text() == '{"keys": []}'
    assert sorted(p.name for p in keys.iterdir()) == ["jwks.json"]
    assert not (tmp_path / "infocap.db").exists()
    assert time.monotonic() - started < 60
