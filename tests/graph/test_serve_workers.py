"""``infocap serve --workers 2`` as a real process on a free port: every worker serves,
and a scrape of ``/metrics`` adds up the figures of both, whichever worker answers it."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import ISSUER, Keys, claims

START_TIMEOUT_SECONDS = 60
REQUESTS = 24


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_pids(exposition: str) -> set[str]:
    return set(re.findall(r'infocap_worker_start_time_seconds\{pid="(\d+)"\}', exposition))


def sample(exposition: str, pattern: str) -> float:
    found = re.search(pattern + r" ([0-9.e+]+)$", exposition, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def served(tmp_path: Path, keys: Keys) -> Iterator[str]:
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("INFOCAP_") and name != "PROMETHEUS_MULTIPROC_DIR"
    }
    env |= {
        "INFOCAP_DATABASE_URL": f"sqlite:///{tmp_path / 'infocap.db'}",
        "INFOCAP_JWKS_FILE": str(keys.jwks_path),
        "INFOCAP_JWT_ISSUER": ISSUER,
        "INFOCAP_ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "INFOCAP_LOG_LEVEL": "warning",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "graph.cli", "serve", "--workers", "2", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise AssertionError((tmp_path / "serve.log").read_text(errors="replace"))
            try:
                if len(worker_pids(httpx.get(f"{base}/metrics", timeout=2).text)) == 2:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    "workers did not start:\n" + (tmp_path / "serve.log").read_text()
                )
            time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()


def test_a_scrape_adds_up_every_worker(served: str, keys: Keys):
    token = keys.sign(claims("kela_handler", org="kela"))
    for _ in range(REQUESTS):
        # A new connection each time, so that either worker may take it.
        response = httpx.post(
            f"{served}/graphql",
            json={"query": "{ me { subject } }"},
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
    pattern = r'infocap_requests_total\{code="OK",kind="query",operation="me"\}'
    seen = set()
    for _ in range(8):
        exposition = httpx.get(f"{served}/metrics", headers={"Connection": "close"}, timeout=5).text
        assert sample(exposition, pattern) == REQUESTS
        pids = worker_pids(exposition)
        assert len(pids) == 2
        seen |= pids
    assert len(seen) == 2
